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
    {
        if (prefixes.IsEmpty) return 0;
        var attr = UpdateEncoder.AttributeBytesFor(attributes, ctx).Span;
        bool classic = family == AfiSafi.Ipv4Unicast;
        bool ap = ctx.AddPathSend.Contains(family.Afi, family.Safi);
        int max = ctx.EffectiveMaxMessageSize;
        int fixedLen = UpdateEncoder.FixedOverhead + attr.Length + (classic ? 0 : 5 + mpNextHop.Length);
        int messages = 0, i = 0;
        while (i < prefixes.Length)
        {
            int start = i, nlriBytes = 0;
            while (i < prefixes.Length)
            {
                int add = prefixes[i].WireSize(ap);
                int size = fixedLen + nlriBytes + add + (classic ? 0 : MpHeader(5 + mpNextHop.Length + nlriBytes + add));
                if (size > max) break;
                nlriBytes += add;
                i++;
            }
            if (i == start) throw new WireException($"attributes of {attr.Length} octets leave no room for NLRI in a {max}-octet UPDATE");
            var chunk = prefixes[start..i];
            int len = fixedLen + nlriBytes + (classic ? 0 : MpHeader(5 + mpNextHop.Length + nlriBytes));
            var span = output.GetSpan(len);
            int written = classic
                ? UpdateEncoder.WriteIPv4(span, ctx, default, attr, chunk)
                : UpdateEncoder.WriteMp(span, ctx, family.Afi, family.Safi, default, attr, mpNextHop, chunk);
            output.Advance(written);
            messages++;
        }
        return messages;
    }

    /// <summary>Writes withdrawals of <paramref name="prefixes"/> as consecutive UPDATEs; returns the number written.</summary>
    public static int WriteWithdrawals(IBufferWriter<byte> output, in UpdateEncodeContext ctx, AfiSafi family, ReadOnlySpan<NlriEntry> prefixes)
    {
        if (prefixes.IsEmpty) return 0;
        bool classic = family == AfiSafi.Ipv4Unicast;
        bool ap = ctx.AddPathSend.Contains(family.Afi, family.Safi);
        int max = ctx.EffectiveMaxMessageSize;
        int messages = 0, i = 0;
        while (i < prefixes.Length)
        {
            int start = i, bytes = 0;
            while (i < prefixes.Length)
            {
                int add = prefixes[i].WireSize(ap);
                int size = UpdateEncoder.FixedOverhead + bytes + add + (classic ? 0 : 3 + MpHeader(3 + bytes + add));
                if (size > max) break;
                bytes += add;
                i++;
            }
            var chunk = prefixes[start..i];
            int len = UpdateEncoder.FixedOverhead + bytes + (classic ? 0 : 3 + MpHeader(3 + bytes));
            var span = output.GetSpan(len);
            int written = classic
                ? UpdateEncoder.WriteIPv4(span, ctx, chunk, ReadOnlySpan<byte>.Empty, default)
                : UpdateEncoder.WriteMp(span, ctx, family.Afi, family.Safi, chunk, ReadOnlySpan<byte>.Empty, default, default);
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
