using System.Buffers;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire;

/// <summary>
/// Splits a list of routes that share one attribute set into as few UPDATEs as the session's maximum
/// message size allows (4096, or 65535 with RFC 8654). IPv4 unicast uses the classic fields; any other
/// family goes in MP_REACH_NLRI/MP_UNREACH_NLRI. Prefix order is kept.
/// </summary>
public static class UpdatePacker
{
    /// <summary>
    /// Writes announcements of <paramref name="prefixes"/> with <paramref name="attributes"/> as consecutive UPDATEs.
    /// For IPv4 unicast the next hop is the NEXT_HOP attribute; otherwise <paramref name="mpNextHop"/> is required.
    /// Returns the number of messages written.
    /// </summary>
    public static int WriteAnnouncements(IBufferWriter<byte> output, in UpdateEncodeContext ctx, AfiSafi family,
        PathAttributes attributes, ReadOnlySpan<NlriEntry> prefixes, ReadOnlySpan<byte> mpNextHop = default)
        => prefixes.IsEmpty ? 0 : WriteRuns(output, ctx, family, UpdateEncoder.AttributeBytesFor(attributes, ctx).Span, mpNextHop, prefixes, announce: true);

    /// <summary>Writes withdrawals of <paramref name="prefixes"/> as consecutive UPDATEs; returns the number written.</summary>
    public static int WriteWithdrawals(IBufferWriter<byte> output, in UpdateEncodeContext ctx, AfiSafi family, ReadOnlySpan<NlriEntry> prefixes)
        => prefixes.IsEmpty ? 0 : WriteRuns(output, ctx, family, default, default, prefixes, announce: false);

    /// <summary>Cuts <paramref name="prefixes"/> into the longest runs that fit the message size, one UPDATE each.
    /// Announcements and withdrawals differ only in the fixed octets: the attributes, and for an MP family the
    /// MP_REACH_NLRI value's AFI, SAFI, next-hop length, next hop and reserved octet (RFC 4760 3) or the
    /// MP_UNREACH_NLRI value's AFI and SAFI (RFC 4760 4).</summary>
    private static int WriteRuns(IBufferWriter<byte> output, in UpdateEncodeContext ctx, AfiSafi family,
        ReadOnlySpan<byte> attr, ReadOnlySpan<byte> mpNextHop, ReadOnlySpan<NlriEntry> prefixes, bool announce)
    {
        // IPv4 unicast goes in the UPDATE's own fields, unless it is announced with an IPv6 next hop (RFC 8950 3:
        // MP_REACH_NLRI with AFI 1, SAFI 1 and a 16 or 32 octet next hop). Withdrawals stay in Withdrawn Routes.
        bool classic = family == AfiSafi.Ipv4Unicast && (!announce || mpNextHop.IsEmpty);
        bool ap = ctx.AddPathSend.Contains(family.Afi, family.Safi);
        int max = ctx.EffectiveMaxMessageSize;
        int mpFixed = classic ? 0 : announce ? 5 + mpNextHop.Length : 3;
        int fixedLen = UpdateEncoder.FixedOverhead + attr.Length + mpFixed;
        int MessageLength(int nlriBytes) => fixedLen + nlriBytes + (classic ? 0 : MpHeader(mpFixed + nlriBytes));

        int messages = 0, i = 0;
        while (i < prefixes.Length)
        {
            int start = i, nlriBytes = 0;
            while (i < prefixes.Length)
            {
                int add = prefixes[i].WireSize(ap);
                if (MessageLength(nlriBytes + add) > max) break;
                nlriBytes += add;
                i++;
            }
            if (i == start) throw new WireException($"attributes of {attr.Length} octets leave no room for NLRI in a {max}-octet UPDATE");
            var chunk = prefixes[start..i];
            ReadOnlySpan<NlriEntry> withdrawn = announce ? default : chunk, nlri = announce ? chunk : default;
            var span = output.GetSpan(MessageLength(nlriBytes));
            int written = classic
                ? UpdateEncoder.WriteIPv4(span, ctx, withdrawn, attr, nlri)
                : UpdateEncoder.WriteMp(span, ctx, family.Afi, family.Safi, withdrawn, attr, mpNextHop, nlri);
            output.Advance(written);
            messages++;
        }
        return messages;
    }

    /// <summary>Convenience: the announcement UPDATEs as separate arrays.</summary>
    public static List<byte[]> Announce(in UpdateEncodeContext ctx, AfiSafi family, PathAttributes attributes, ReadOnlySpan<NlriEntry> prefixes, ReadOnlySpan<byte> mpNextHop = default)
    {
        var w = new ArrayBufferWriter<byte>();
        WriteAnnouncements(w, ctx, family, attributes, prefixes, mpNextHop);
        return Split(w.WrittenSpan);
    }

    /// <summary>Convenience: the withdrawal UPDATEs as separate arrays.</summary>
    public static List<byte[]> Withdraw(in UpdateEncodeContext ctx, AfiSafi family, ReadOnlySpan<NlriEntry> prefixes)
    {
        var w = new ArrayBufferWriter<byte>();
        WriteWithdrawals(w, ctx, family, prefixes);
        return Split(w.WrittenSpan);
    }

    private static int MpHeader(int valueLength) => valueLength > 255 ? 4 : 3;

    private static List<byte[]> Split(ReadOnlySpan<byte> stream)
    {
        var list = new List<byte[]>();
        while (!stream.IsEmpty)
        {
            int len = (stream[16] << 8) | stream[17];
            list.Add(stream[..len].ToArray());
            stream = stream[len..];
        }
        return list;
    }
}
