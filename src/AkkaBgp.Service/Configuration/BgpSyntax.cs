using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// The text forms BGP values take in the configuration. Stricter than the framework parsers: IPAddress.Parse
/// takes "10.1" as 10.0.0.1, which in a peer address is always a typo.
/// </summary>
internal static class BgpSyntax
{
    public const uint AsTrans = 23456; // RFC 6793 section 9

    /// <summary>Exactly four decimal octets, e.g. 192.0.2.1, as a host-order integer.</summary>
    public static bool TryParseDottedQuad(string text, out uint value)
    {
        value = 0;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        foreach (var p in parts)
        {
            if (p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)) return false;
            var octet = int.Parse(p, CultureInfo.InvariantCulture);
            if (octet > 255) return false;
            value = (value << 8) | (uint)octet;
        }
        return true;
    }

    /// <summary>An IPv4 address in dotted-quad form or an IPv6 address (no zone).</summary>
    public static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
        {
            if (text.Contains('%') || !IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return false;
            address = v6;
            return true;
        }
        if (!TryParseDottedQuad(text, out var v4)) return false;
        address = new IPAddress([(byte)(v4 >> 24), (byte)(v4 >> 16), (byte)(v4 >> 8), (byte)v4]);
        return true;
    }

    public enum PrefixError { None, Syntax, HostBits }

    /// <summary>address/length with no bits set after the length (10.0.0.0/8, not 10.0.0.1/8).</summary>
    public static PrefixError TryParsePrefix(string text, out Prefix prefix)
    {
        prefix = default;
        var slash = text.IndexOf('/');
        if (slash < 0 || !TryParseAddress(text[..slash], out var address)) return PrefixError.Syntax;
        var lengthText = text[(slash + 1)..];
        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit)) return PrefixError.Syntax;
        var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
        if (length > max) return PrefixError.Syntax;
        prefix = Prefix.Create(address, length);
        return prefix.Address.Equals(address) ? PrefixError.None : PrefixError.HostBits;
    }

    private static readonly Dictionary<string, Community> WellKnownCommunities = new(StringComparer.OrdinalIgnoreCase)
    {
        ["no-export"] = Community.NoExport,
        ["no-advertise"] = Community.NoAdvertise,
        ["no-export-subconfed"] = Community.NoExportSubconfed,
        ["no-peer"] = Community.NoPeer,
        ["blackhole"] = Community.Blackhole,
        ["graceful-shutdown"] = Community.GracefulShutdown,
        ["accept-own"] = Community.AcceptOwn,
    };

    public static IEnumerable<string> WellKnownCommunityNames => WellKnownCommunities.Keys;

    /// <summary>asn:value (each 0..65535) or a well-known name such as no-export.</summary>
    public static bool TryParseCommunity(string text, out Community community)
    {
        if (WellKnownCommunities.TryGetValue(text, out community)) return true;
        var parts = text.Split(':');
        if (parts.Length == 2
            && ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var asn)
            && ushort.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            community = new Community(asn, value);
            return true;
        }
        return false;
    }

    /// <summary>global:local1:local2, each 0..4294967295 (RFC 8092).</summary>
    public static bool TryParseLargeCommunity(string text, out LargeCommunity community)
    {
        community = default;
        var parts = text.Split(':');
        if (parts.Length != 3) return false;
        var v = new uint[3];
        for (var i = 0; i < 3; i++)
        {
            if (!uint.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out v[i])) return false;
        }
        community = new LargeCommunity(v[0], v[1], v[2]);
        return true;
    }

    /// <summary>"low-high", both valid AS numbers, low &lt;= high.</summary>
    public static bool TryParseAsRange(string text, out uint low, out uint high)
    {
        low = high = 0;
        var parts = text.Split('-');
        return parts.Length == 2
            && uint.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out low)
            && uint.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out high)
            && low >= 1 && low <= high;
    }

    public static string FormatDottedQuad(uint v) =>
        $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}
