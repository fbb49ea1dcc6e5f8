using System.Buffers;
using System.Buffers.Binary;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire;

/// <summary>
/// Writes whole UPDATE messages (19-octet header included). Attribute sets are stored in canonical
/// 4-octet form and adapted per session here: 2-octet AS_PATH/AGGREGATOR plus AS4_PATH/AS4_AGGREGATOR for
/// an OLD speaker (RFC 6793 4.2.2) and the Partial bit on re-advertised unknown optional transitive
/// attributes (RFC 4271 4.3). MP_REACH_NLRI/MP_UNREACH_NLRI go first (RFC 7606 5.1), the rest by type code.
/// </summary>
public static class UpdateEncoder
{
    public const int HeaderLength = BgpHeader.Size;
    /// <summary>Header + Withdrawn Routes Length + Total Path Attribute Length.</summary>
    public const int FixedOverhead = HeaderLength + 4;

    /// <summary>The attribute octets (without MP_*) to put in an UPDATE for this session. No copy when the
    /// canonical bytes can be sent as they are (4-octet peer, nothing to mark Partial).</summary>
    public static ReadOnlyMemory<byte> AttributeBytesFor(PathAttributes? attributes, in UpdateEncodeContext ctx)
    {
        if (attributes is null || attributes.IsEmpty) return ReadOnlyMemory<byte>.Empty;
        bool needPartial = false, needAs2 = !ctx.FourOctetAs && (attributes.Contains(AttributeType.AsPath) || attributes.Contains(AttributeType.Aggregator));
        if (ctx.ForReadvertisement)
            foreach (var a in attributes)
                if (NeedsPartial(a)) { needPartial = true; break; }
        if (!needPartial && !needAs2) return attributes.Encoded;

        var list = new List<(AttributeFlags, byte, byte[])>();
        foreach (var a in attributes)
        {
            var flags = a.Flags;
            if (ctx.ForReadvertisement && NeedsPartial(a)) flags |= AttributeFlags.Partial;
            if (!ctx.FourOctetAs && a.TypeCode == AttributeType.AsPath)
            {
                var path = AsPath.Parse(a.Value.Span, fourOctet: true);
                list.Add((flags, a.TypeCode, path.ToBytes(fourOctet: false)));
                // RFC 6793 4.2.2: AS4_PATH only when some AS does not fit 2 octets; no confederation segments in it.
                var as4 = path.WithoutConfederationSegments();
                if (path.RequiresFourOctets && as4.Segments.Count > 0)
                    list.Add((AttributeFlags.Optional | AttributeFlags.Transitive, AttributeType.As4Path, as4.ToBytes(fourOctet: true)));
                continue;
            }
            if (!ctx.FourOctetAs && a.TypeCode == AttributeType.Aggregator)
            {
                uint asn = BinaryPrimitives.ReadUInt32BigEndian(a.Value.Span);
                var v = new byte[6];
                BinaryPrimitives.WriteUInt16BigEndian(v, asn > 0xFFFF ? (ushort)AsPath.AsTrans : (ushort)asn);
                a.Value.Span.Slice(4, 4).CopyTo(v.AsSpan(2));
                list.Add((flags, a.TypeCode, v));
                if (asn > 0xFFFF)
                    list.Add((AttributeFlags.Optional | AttributeFlags.Transitive, AttributeType.As4Aggregator, a.Value.ToArray()));
                continue;
            }
            list.Add((flags, a.TypeCode, a.Value.ToArray()));
        }
        return Canonical.Assemble(list).Encoded;
    }

    /// <summary>RFC 4271 4.3: an unrecognised optional transitive attribute passed on gets Partial set.</summary>
    private static bool NeedsPartial(RawAttribute a)
        => !AttributeType.IsKnown(a.TypeCode) && a.IsOptional && a.IsTransitive && !a.IsPartial;

    private static int NlriLength(ReadOnlySpan<NlriEntry> entries, bool addPath)
    {
        int n = 0;
        foreach (ref readonly var e in entries) n += e.WireSize(addPath);
        return n;
    }

    private static int WriteNlri(Span<byte> dst, ReadOnlySpan<NlriEntry> entries, bool addPath)
    {
        int p = 0;
        foreach (ref readonly var e in entries) p += e.WriteTo(dst[p..], addPath);
        return p;
    }

    private static int MpAttrSize(int valueLength) => (valueLength > 255 ? 4 : 3) + valueLength;

    /// <summary>MP_REACH_NLRI/MP_UNREACH_NLRI attribute header: optional, non-transitive (RFC 4760 3, 4).</summary>
    private static int WriteMpHeader(Span<byte> dst, byte type, int valueLength)
        => Canonical.WriteHeader(dst, Canonical.Flags(AttributeFlags.Optional, type, valueLength), type, valueLength);

    /// <summary>MP_UNREACH_NLRI up to its Withdrawn Routes: header, AFI, SAFI (RFC 4760 4).</summary>
    private static int WriteMpUnreachStart(Span<byte> dst, int valueLength, ushort afi, byte safi)
    {
        int p = WriteMpHeader(dst, AttributeType.MpUnreachNlri, valueLength);
        BinaryPrimitives.WriteUInt16BigEndian(dst[p..], afi);
        dst[p + 2] = safi;
        return p + 3;
    }

    /// <summary>MP_REACH_NLRI up to its NLRI: header, AFI, SAFI, next-hop length, next hop, Reserved 0 (RFC 4760 3).</summary>
    private static int WriteMpReachStart(Span<byte> dst, int valueLength, ushort afi, byte safi, ReadOnlySpan<byte> nextHop)
    {
        int p = WriteMpHeader(dst, AttributeType.MpReachNlri, valueLength);
        BinaryPrimitives.WriteUInt16BigEndian(dst[p..], afi);
        dst[p + 2] = safi;
        dst[p + 3] = (byte)nextHop.Length;
        nextHop.CopyTo(dst[(p + 4)..]);
        p += 4 + nextHop.Length;
        dst[p] = 0;
        return p + 1;
    }

    private static void WriteHeader(Span<byte> dst, int length) => BgpHeader.Write(dst, MessageType.Update, length);

    private static void CheckFamily(ReadOnlySpan<NlriEntry> entries, bool v6)
    {
        foreach (ref readonly var e in entries)
            if (e.Prefix.IsIPv6 != v6) throw new WireException($"prefix {e.Prefix} does not belong to the {(v6 ? "IPv6" : "IPv4")} family");
    }

    /// <summary>Length of the message <see cref="WriteIPv4"/> would write.</summary>
    public static int IPv4Length(in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<NlriEntry> nlri)
        => IPv4Length(ctx, withdrawn, AttributeBytesFor(attributes, ctx).Length, nlri);

    private static int IPv4Length(in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, int attrLen, ReadOnlySpan<NlriEntry> nlri)
    {
        bool ap = ctx.AddPathSend.Contains(1, 1);
        return FixedOverhead + NlriLength(withdrawn, ap) + attrLen + NlriLength(nlri, ap);
    }

    /// <summary>An IPv4 unicast UPDATE using the classic Withdrawn Routes and NLRI fields (RFC 4271 4.3).</summary>
    public static int WriteIPv4(Span<byte> destination, in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<NlriEntry> nlri)
        => WriteIPv4(destination, ctx, withdrawn, AttributeBytesFor(attributes, ctx).Span, nlri);

    internal static int WriteIPv4(Span<byte> destination, in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, ReadOnlySpan<byte> attrBytes, ReadOnlySpan<NlriEntry> nlri)
    {
        CheckFamily(withdrawn, false);
        CheckFamily(nlri, false);
        bool ap = ctx.AddPathSend.Contains(1, 1);
        int wlen = NlriLength(withdrawn, ap), nlen = NlriLength(nlri, ap);
        int total = FixedOverhead + wlen + attrBytes.Length + nlen;
        CheckSize(total, ctx, destination);
        WriteHeader(destination, total);
        int p = HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[p..], (ushort)wlen); p += 2;
        p += WriteNlri(destination[p..], withdrawn, ap);
        BinaryPrimitives.WriteUInt16BigEndian(destination[p..], (ushort)attrBytes.Length); p += 2;
        attrBytes.CopyTo(destination[p..]); p += attrBytes.Length;
        p += WriteNlri(destination[p..], nlri, ap);
        return p;
    }

    /// <summary>Length of the message <see cref="WriteMp"/> would write.</summary>
    public static int MpLength(in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<byte> nextHop, ReadOnlySpan<NlriEntry> nlri)
        => MpLength(ctx, afi, safi, withdrawn, AttributeBytesFor(attributes, ctx).Length, nextHop.Length, nlri, announce: !nlri.IsEmpty);

    private static int MpLength(in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn, int attrLen, int nhLen, ReadOnlySpan<NlriEntry> nlri, bool announce)
    {
        bool ap = ctx.AddPathSend.Contains(afi, safi);
        int n = FixedOverhead + attrLen;
        if (!withdrawn.IsEmpty || !announce) n += MpAttrSize(3 + NlriLength(withdrawn, ap));
        if (announce) n += MpAttrSize(5 + nhLen + NlriLength(nlri, ap));
        return n;
    }

    /// <summary>
    /// An UPDATE carrying routes of (<paramref name="afi"/>, <paramref name="safi"/>) in MP_UNREACH_NLRI and MP_REACH_NLRI
    /// (RFC 4760). <paramref name="nextHop"/>: 16 octets (IPv6 global) or 32 (global + link-local, RFC 2545 3).
    /// With no announcements and no withdrawals this is the End-of-RIB marker (RFC 4724 2).
    /// </summary>
    public static int WriteMp(Span<byte> destination, in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn,
        PathAttributes? attributes, ReadOnlySpan<byte> nextHop, ReadOnlySpan<NlriEntry> nlri)
        => WriteMp(destination, ctx, afi, safi, withdrawn, nlri.IsEmpty ? default : AttributeBytesFor(attributes, ctx).Span, nextHop, nlri);

    internal static int WriteMp(Span<byte> destination, in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn,
        ReadOnlySpan<byte> attrBytes, ReadOnlySpan<byte> nextHop, ReadOnlySpan<NlriEntry> nlri)
    {
        if (UpdateDecoder.IsDecodedFamily(afi, safi))
        {
            CheckFamily(withdrawn, afi == 2);
            CheckFamily(nlri, afi == 2);
        }
        bool announce = !nlri.IsEmpty;
        if (announce && nextHop.Length is not (4 or 16 or 32)) throw new WireException($"MP next hop of {nextHop.Length} octets");
        bool ap = ctx.AddPathSend.Contains(afi, safi);
        int total = MpLength(ctx, afi, safi, withdrawn, attrBytes.Length, nextHop.Length, nlri, announce);
        CheckSize(total, ctx, destination);
        WriteHeader(destination, total);
        int p = HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[p..], 0); p += 2;
        int alenPos = p; p += 2;
        int aStart = p;
        if (!withdrawn.IsEmpty || !announce)
        {
            p += WriteMpUnreachStart(destination[p..], 3 + NlriLength(withdrawn, ap), afi, safi);
            p += WriteNlri(destination[p..], withdrawn, ap);
        }
        if (announce)
        {
            p += WriteMpReachStart(destination[p..], 5 + nextHop.Length + NlriLength(nlri, ap), afi, safi, nextHop);
            p += WriteNlri(destination[p..], nlri, ap);
            attrBytes.CopyTo(destination[p..]); p += attrBytes.Length;
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[alenPos..], (ushort)(p - aStart));
        return p;
    }

    /// <summary><see cref="WriteIPv4(Span{byte}, in UpdateEncodeContext, ReadOnlySpan{NlriEntry}, PathAttributes?, ReadOnlySpan{NlriEntry})"/> into a buffer writer.</summary>
    public static int WriteIPv4(IBufferWriter<byte> writer, in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<NlriEntry> nlri)
    {
        var attr = AttributeBytesFor(attributes, ctx).Span;
        int n = WriteIPv4(writer.GetSpan(IPv4Length(ctx, withdrawn, attr.Length, nlri)), ctx, withdrawn, attr, nlri);
        writer.Advance(n);
        return n;
    }

    /// <summary><see cref="WriteMp(Span{byte}, in UpdateEncodeContext, ushort, byte, ReadOnlySpan{NlriEntry}, PathAttributes?, ReadOnlySpan{byte}, ReadOnlySpan{NlriEntry})"/> into a buffer writer.</summary>
    public static int WriteMp(IBufferWriter<byte> writer, in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn,
        PathAttributes? attributes, ReadOnlySpan<byte> nextHop, ReadOnlySpan<NlriEntry> nlri)
    {
        var attr = nlri.IsEmpty ? default : AttributeBytesFor(attributes, ctx).Span;
        int n = WriteMp(writer.GetSpan(MpLength(ctx, afi, safi, withdrawn, attr.Length, nextHop.Length, nlri, !nlri.IsEmpty)), ctx, afi, safi, withdrawn, attr, nextHop, nlri);
        writer.Advance(n);
        return n;
    }

    /// <summary>End-of-RIB (RFC 4724 2): an empty UPDATE for IPv4 unicast, else MP_UNREACH_NLRI with only AFI/SAFI.</summary>
    public static int WriteEndOfRib(Span<byte> destination, ushort afi, byte safi)
    {
        var ctx = new UpdateEncodeContext(true);
        if (afi == 1 && safi == 1) return WriteIPv4(destination, ctx, default, ReadOnlySpan<byte>.Empty, default);
        return WriteMp(destination, ctx, afi, safi, default, ReadOnlySpan<byte>.Empty, default, default);
    }

    public static byte[] EndOfRib(ushort afi, byte safi)
    {
        Span<byte> tmp = stackalloc byte[32];
        int n = WriteEndOfRib(tmp, afi, safi);
        return tmp[..n].ToArray();
    }

    public static byte[] EncodeIPv4(in UpdateEncodeContext ctx, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<NlriEntry> nlri)
    {
        var attr = AttributeBytesFor(attributes, ctx);
        var b = new byte[IPv4Length(ctx, withdrawn, attr.Length, nlri)];
        WriteIPv4(b, ctx, withdrawn, attr.Span, nlri);
        return b;
    }

    public static byte[] EncodeMp(in UpdateEncodeContext ctx, ushort afi, byte safi, ReadOnlySpan<NlriEntry> withdrawn, PathAttributes? attributes, ReadOnlySpan<byte> nextHop, ReadOnlySpan<NlriEntry> nlri)
    {
        var attr = nlri.IsEmpty ? ReadOnlyMemory<byte>.Empty : AttributeBytesFor(attributes, ctx);
        var b = new byte[MpLength(ctx, afi, safi, withdrawn, attr.Length, nextHop.Length, nlri, !nlri.IsEmpty)];
        WriteMp(b, ctx, afi, safi, withdrawn, attr.Span, nextHop, nlri);
        return b;
    }

    private static void CheckSize(int total, in UpdateEncodeContext ctx, Span<byte> destination)
    {
        if (total > ctx.EffectiveMaxMessageSize) throw new WireException($"UPDATE of {total} octets exceeds the {ctx.EffectiveMaxMessageSize}-octet limit");
        if (total > destination.Length) throw new WireException($"destination of {destination.Length} octets is too small for an UPDATE of {total}");
    }

    // ---- re-encoding a decoded message ----

    private static int ListLength(NlriList list, bool addPath)
    {
        if (list.HasPathIds == addPath) return list.Encoded.Length;
        int n = 0;
        foreach (var e in list) n += e.WireSize(addPath);
        return n;
    }

    private static int WriteList(Span<byte> dst, NlriList list, bool addPath)
    {
        if (list.HasPathIds == addPath)
        {
            list.Encoded.Span.CopyTo(dst);
            return list.Encoded.Length;
        }
        int p = 0;
        foreach (var e in list) p += e.WriteTo(dst[p..], addPath);
        return p;
    }

    private static int MpReachValueLength(MpReachNlri r, in UpdateEncodeContext ctx)
        => r.IsDecoded ? 5 + r.NextHop.Length + ListLength(r.Nlri, ctx.AddPathSend.Contains(r.Afi, r.Safi)) : r.Value.Length;

    private static int MpUnreachValueLength(MpUnreachNlri u, in UpdateEncodeContext ctx)
        => u.IsDecoded ? 3 + ListLength(u.Withdrawn, ctx.AddPathSend.Contains(u.Afi, u.Safi)) : u.Value.Length;

    internal static int MessageLength(UpdateMessage m, in UpdateEncodeContext ctx)
        => MessageLength(m, ctx, AttributeBytesFor(m.Attributes, ctx).Length);

    private static int MessageLength(UpdateMessage m, in UpdateEncodeContext ctx, int attrLen)
    {
        bool ap = ctx.AddPathSend.Contains(1, 1);
        int n = FixedOverhead + ListLength(m.Withdrawn, ap) + attrLen + ListLength(m.Nlri, ap);
        if (m.MpUnreach is { } u) n += MpAttrSize(MpUnreachValueLength(u, ctx));
        if (m.MpReach is { } r) n += MpAttrSize(MpReachValueLength(r, ctx));
        return n;
    }

    internal static int Write(UpdateMessage m, Span<byte> destination, in UpdateEncodeContext ctx)
        => Write(m, destination, ctx, AttributeBytesFor(m.Attributes, ctx).Span);

    /// <summary>The whole message into <paramref name="writer"/>, adapting the attributes for the session once.</summary>
    internal static void Write(UpdateMessage m, IBufferWriter<byte> writer, in UpdateEncodeContext ctx)
    {
        var attrBytes = AttributeBytesFor(m.Attributes, ctx).Span;
        int n = Write(m, writer.GetSpan(MessageLength(m, ctx, attrBytes.Length)), ctx, attrBytes);
        writer.Advance(n);
    }

    internal static byte[] ToArray(UpdateMessage m, in UpdateEncodeContext ctx)
    {
        var attrBytes = AttributeBytesFor(m.Attributes, ctx).Span;
        var b = new byte[MessageLength(m, ctx, attrBytes.Length)];
        Write(m, b, ctx, attrBytes);
        return b;
    }

    private static int Write(UpdateMessage m, Span<byte> destination, in UpdateEncodeContext ctx, ReadOnlySpan<byte> attrBytes)
    {
        int total = MessageLength(m, ctx, attrBytes.Length);
        CheckSize(total, ctx, destination);
        bool ap = ctx.AddPathSend.Contains(1, 1);
        WriteHeader(destination, total);
        int p = HeaderLength;
        int wlen = ListLength(m.Withdrawn, ap);
        BinaryPrimitives.WriteUInt16BigEndian(destination[p..], (ushort)wlen); p += 2;
        p += WriteList(destination[p..], m.Withdrawn, ap);
        int alenPos = p; p += 2;
        int aStart = p;
        if (m.MpUnreach is { } u)
        {
            int vlen = MpUnreachValueLength(u, ctx);
            if (u.IsDecoded)
            {
                p += WriteMpUnreachStart(destination[p..], vlen, u.Afi, u.Safi);
                p += WriteList(destination[p..], u.Withdrawn, ctx.AddPathSend.Contains(u.Afi, u.Safi));
            }
            else
            {
                p += WriteMpHeader(destination[p..], AttributeType.MpUnreachNlri, vlen);
                u.Value.Span.CopyTo(destination[p..]); p += vlen;
            }
        }
        if (m.MpReach is { } r)
        {
            int vlen = MpReachValueLength(r, ctx);
            if (r.IsDecoded)
            {
                p += WriteMpReachStart(destination[p..], vlen, r.Afi, r.Safi, r.NextHop.Span);
                p += WriteList(destination[p..], r.Nlri, ctx.AddPathSend.Contains(r.Afi, r.Safi));
            }
            else
            {
                p += WriteMpHeader(destination[p..], AttributeType.MpReachNlri, vlen);
                r.Value.Span.CopyTo(destination[p..]); p += vlen;
            }
        }
        attrBytes.CopyTo(destination[p..]); p += attrBytes.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination[alenPos..], (ushort)(p - aStart));
        p += WriteList(destination[p..], m.Nlri, ap);
        return p;
    }
}
