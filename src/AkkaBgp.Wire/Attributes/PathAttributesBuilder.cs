using System.Buffers.Binary;
using System.Net;

namespace AkkaBgp.Wire.Attributes;

/// <summary>Mutable description of a path attribute set; <see cref="Build"/> produces the canonical form.</summary>
public sealed class PathAttributesBuilder
{
    public Origin? Origin { get; set; }
    public AsPath? AsPath { get; set; }
    /// <summary>IPv4 NEXT_HOP as a 32-bit integer (network order). MP next hops go with MP_REACH_NLRI.</summary>
    public uint? NextHop { get; set; }
    public uint? MultiExitDisc { get; set; }
    public uint? LocalPref { get; set; }
    public bool AtomicAggregate { get; set; }
    public Aggregator? Aggregator { get; set; }
    public List<Community> Communities { get; } = new();
    public List<ExtendedCommunity> ExtendedCommunities { get; } = new();
    public List<LargeCommunity> LargeCommunities { get; } = new();
    public uint? OriginatorId { get; set; }
    public List<uint> ClusterList { get; } = new();
    public uint? OnlyToCustomer { get; set; }
    /// <summary>Attributes written as given (flags, type, value). Known type codes here replace the typed ones.</summary>
    public List<RawAttribute> Other { get; } = new();

    public PathAttributesBuilder SetNextHop(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out int n) || n != 4) throw new WireException("NEXT_HOP must be an IPv4 address");
        NextHop = BinaryPrimitives.ReadUInt32BigEndian(b);
        return this;
    }

    internal static PathAttributesBuilder From(PathAttributes a)
    {
        var b = new PathAttributesBuilder
        {
            Origin = a.Origin,
            AsPath = a.AsPath,
            NextHop = a.NextHop,
            MultiExitDisc = a.MultiExitDisc,
            LocalPref = a.LocalPref,
            AtomicAggregate = a.AtomicAggregate,
            Aggregator = a.Aggregator,
            OriginatorId = a.OriginatorId,
            OnlyToCustomer = a.OnlyToCustomer,
        };
        b.Communities.AddRange(a.Communities);
        b.ExtendedCommunities.AddRange(a.ExtendedCommunities);
        b.LargeCommunities.AddRange(a.LargeCommunities);
        b.ClusterList.AddRange(a.ClusterList);
        foreach (var u in a.Unrecognized) b.Other.Add(u with { Value = u.Value.ToArray() });
        // Partial bits on known optional transitive attributes survive the round trip through Other.
        foreach (var k in a)
            if (AttributeType.IsKnown(k.TypeCode) && k.IsPartial) b.Other.Add(k with { Value = k.Value.ToArray() });
        return b;
    }

    public PathAttributes Build()
    {
        var list = new List<(AttributeFlags Flags, byte Type, byte[] Value)>();
        const AttributeFlags T = AttributeFlags.Transitive, O = AttributeFlags.Optional, OT = O | T;
        static byte[] U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); return b; }

        if (Origin is { } o) list.Add((T, AttributeType.Origin, new[] { (byte)o }));
        if (AsPath is { } p) list.Add((T, AttributeType.AsPath, p.ToBytes(fourOctet: true)));
        if (NextHop is { } nh) list.Add((T, AttributeType.NextHop, U32(nh)));
        if (MultiExitDisc is { } med) list.Add((O, AttributeType.MultiExitDisc, U32(med)));
        if (LocalPref is { } lp) list.Add((T, AttributeType.LocalPref, U32(lp)));
        if (AtomicAggregate) list.Add((T, AttributeType.AtomicAggregate, Array.Empty<byte>()));
        if (Aggregator is { } ag)
        {
            var v = new byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(v, ag.Asn);
            BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(4), ag.Address);
            list.Add((OT, AttributeType.Aggregator, v));
        }
        if (Communities.Count > 0)
        {
            var v = new byte[4 * Communities.Count];
            for (int i = 0; i < Communities.Count; i++) BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(4 * i), Communities[i].Value);
            list.Add((OT, AttributeType.Communities, v));
        }
        if (OriginatorId is { } oid) list.Add((O, AttributeType.OriginatorId, U32(oid)));
        if (ClusterList.Count > 0)
        {
            var v = new byte[4 * ClusterList.Count];
            for (int i = 0; i < ClusterList.Count; i++) BinaryPrimitives.WriteUInt32BigEndian(v.AsSpan(4 * i), ClusterList[i]);
            list.Add((O, AttributeType.ClusterList, v));
        }
        if (ExtendedCommunities.Count > 0)
        {
            var v = new byte[8 * ExtendedCommunities.Count];
            for (int i = 0; i < ExtendedCommunities.Count; i++) ExtendedCommunities[i].Write(v.AsSpan(8 * i));
            list.Add((OT, AttributeType.ExtendedCommunities, v));
        }
        if (LargeCommunities.Count > 0)
        {
            var v = new byte[12 * LargeCommunities.Count];
            for (int i = 0; i < LargeCommunities.Count; i++)
            {
                var s = v.AsSpan(12 * i);
                BinaryPrimitives.WriteUInt32BigEndian(s, LargeCommunities[i].GlobalAdministrator);
                BinaryPrimitives.WriteUInt32BigEndian(s[4..], LargeCommunities[i].LocalData1);
                BinaryPrimitives.WriteUInt32BigEndian(s[8..], LargeCommunities[i].LocalData2);
            }
            list.Add((OT, AttributeType.LargeCommunities, v));
        }
        if (OnlyToCustomer is { } otc) list.Add((OT, AttributeType.OnlyToCustomer, U32(otc)));

        foreach (var raw in Other)
        {
            if (raw.TypeCode is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri or AttributeType.As4Path or AttributeType.As4Aggregator)
                throw new WireException($"{AttributeType.Name(raw.TypeCode)} is not part of a shared attribute set; the encoder produces it");
            if (raw.Value.Length > 0xFFFF) throw new WireException("attribute value longer than 65535 octets");
            list.RemoveAll(x => x.Type == raw.TypeCode);
            list.Add((raw.Flags, raw.TypeCode, raw.Value.ToArray()));
        }
        return Canonical.Assemble(list);
    }
}

/// <summary>Canonical attribute-set assembly shared by the builder and the decoder.</summary>
internal static class Canonical
{
    /// <summary>Flags a known attribute is stored with: its defined O/T bits, Partial kept only where
    /// it means something (optional transitive, RFC 4271 4.3), Extended Length by size.
    /// Unknown attributes keep their flags except Extended Length, which must match the length form we write.</summary>
    public static byte Flags(AttributeFlags received, byte type, int valueLength)
    {
        AttributeFlags f = received;
        if (AttributeType.ExpectedFlags(type) is { } expected)
        {
            f = expected;
            if (expected == (AttributeFlags.Optional | AttributeFlags.Transitive)) f |= received & AttributeFlags.Partial;
        }
        if (valueLength > 255) f |= AttributeFlags.ExtendedLength;
        return (byte)f;
    }

    public static int HeaderSize(byte flags) => (flags & (byte)AttributeFlags.ExtendedLength) != 0 ? 4 : 3;

    /// <summary>Octets of one attribute in canonical form, header included.</summary>
    public static int Size(AttributeFlags received, byte type, int valueLength)
        => HeaderSize(Flags(received, type, valueLength)) + valueLength;

    /// <summary>Writes one attribute in canonical form; returns the octets written (<see cref="Size"/>).</summary>
    public static int Write(Span<byte> dst, AttributeFlags received, byte type, ReadOnlySpan<byte> value)
    {
        int h = WriteHeader(dst, Flags(received, type, value.Length), type, value.Length);
        value.CopyTo(dst[h..]);
        return h + value.Length;
    }

    public static int WriteHeader(Span<byte> dst, byte flags, byte type, int length)
    {
        dst[0] = flags;
        dst[1] = type;
        if ((flags & (byte)AttributeFlags.ExtendedLength) != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dst[2..], (ushort)length);
            return 4;
        }
        dst[2] = (byte)length;
        return 3;
    }

    public static PathAttributes Assemble(List<(AttributeFlags Flags, byte Type, byte[] Value)> list)
    {
        list.Sort((a, b) => a.Type.CompareTo(b.Type));
        int total = 0;
        foreach (var (f, t, v) in list) total += Size(f, t, v.Length);
        var bytes = new byte[total];
        int p = 0;
        foreach (var (f, t, v) in list) p += Write(bytes.AsSpan(p), f, t, v);
        return new PathAttributes(bytes);
    }
}
