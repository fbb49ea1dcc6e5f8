using System.Buffers.Binary;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Tables;

/// <summary>Why a stored path may not take part in route selection.</summary>
public enum PathIneligibility : byte
{
    None = 0,
    /// <summary>Our AS is in the AS_PATH (RFC 4271 9.1.2 / 9.1.2.1 loop detection).</summary>
    AsPathLoop = 1,
    /// <summary>ORIGINATOR_ID equals our router id (RFC 4456 section 8).</summary>
    OriginatorLoop = 2,
    /// <summary>Our cluster id is in CLUSTER_LIST (RFC 4456 section 8).</summary>
    ClusterLoop = 3,
    /// <summary>The next hop could not be resolved and a next-hop check is configured (RFC 4271 9.1.2).</summary>
    NextHopUnresolvable = 4,
    /// <summary>A route leak by RFC 9234 section 5's ingress rules: OTC on a route from a customer or RS-client, or an
    /// OTC other than the peer's AS on a route from a peer. Kept in Adj-RIB-In, never selected.</summary>
    OtcLeak = 5,
}

/// <summary>
/// One interned attribute set as the RIB stores it: the codec's canonical <see cref="PathAttributes"/> (this object
/// is one, sharing the decoded set's bytes), the MP_REACH next hop (which RFC 4760 keeps outside the shared
/// attributes), and the fields route selection reads on every comparison, decoded once when the set is first
/// interned so that the decision process never parses attributes. Shared by every prefix that arrived with the same
/// set (as BIRD's rta).
/// <para>
/// One object rather than a wrapper around a <see cref="PathAttributes"/>: a full table holds ~250,000 sets, ten
/// tables ~350,000 per million paths, and the second object was 40 bytes of each (issue 11). Equality stays the
/// attributes' (by bytes, sealed in the base type); the RIB tells sets apart by reference, as they are interned.
/// </para>
/// </summary>
public sealed class RouteAttributes : PathAttributes
{
    internal RouteAttributes(PathAttributes attributes, byte[] mpNextHop, uint localAs, uint routerId, uint clusterId, bool otcLeak = false)
        : base(attributes)
    {
        MpNextHop = mpNextHop;
        Flags flags = otcLeak ? Flags.OtcLeak : 0;
        // One pass over the canonical bytes: this runs for every distinct set of a full table.
        Origin = (byte)Wire.Attributes.Origin.Incomplete;
        bool loop = false, clusterLoop = false;
        int asPathLength = 0, clusterListLength = 0;
        foreach (var a in attributes)
        {
            var v = a.Value.Span;
            switch (a.TypeCode)
            {
                case AttributeType.Origin when v.Length == 1: Origin = v[0]; break;
                case AttributeType.AsPath: ReadAsPath(v, localAs, out asPathLength, out NeighborAs, out loop); break;
                case AttributeType.MultiExitDisc when v.Length == 4: flags |= Flags.HasMed; Med = BinaryPrimitives.ReadUInt32BigEndian(v); break;
                case AttributeType.LocalPref when v.Length == 4: flags |= Flags.HasLocalPref; LocalPref = BinaryPrimitives.ReadUInt32BigEndian(v); break;
                case AttributeType.Communities:
                    for (int i = 0; i + 4 <= v.Length; i += 4)
                    {
                        uint c = BinaryPrimitives.ReadUInt32BigEndian(v[i..]);
                        // RFC 1997: without confederations NO_EXPORT_SUBCONFED means the same as NO_EXPORT.
                        if (c == Community.NoExport.Value || c == Community.NoExportSubconfed.Value) flags |= Flags.NoExport;
                        else if (c == Community.NoAdvertise.Value) flags |= Flags.NoAdvertise;
                    }
                    break;
                case AttributeType.OriginatorId when v.Length == 4: flags |= Flags.HasOriginatorId; OriginatorId = BinaryPrimitives.ReadUInt32BigEndian(v); break;
                case AttributeType.OnlyToCustomer: flags |= Flags.HasOtc; break;
                case AttributeType.ClusterList:
                    clusterListLength = v.Length / 4;
                    clusterLoop = ClusterListContains(v, clusterId);
                    break;
            }
        }
        // A missing ORIGIN cannot reach the RIB from the wire (RFC 7606 treat-as-withdraw); locally built
        // sets may omit it, and INCOMPLETE, the least preferred value, is what they then compete as.
        _flags = flags;
        // Both fit: an AS_PATH or CLUSTER_LIST cannot be longer than a message (65,535 octets with RFC 8654).
        _asPathLength = (ushort)Math.Min(asPathLength, ushort.MaxValue);
        _clusterListLength = (ushort)Math.Min(clusterListLength, ushort.MaxValue);
        if (loop) Ineligibility = PathIneligibility.AsPathLoop;
        else if (HasOriginatorId && OriginatorId == routerId) Ineligibility = PathIneligibility.OriginatorLoop;
        else if (clusterLoop) Ineligibility = PathIneligibility.ClusterLoop;
        else if (otcLeak) Ineligibility = PathIneligibility.OtcLeak;
    }

    /// <summary>The attribute set itself (this object), for code written against the codec's type.</summary>
    public PathAttributes Attributes => this;
    /// <summary>MP_REACH_NLRI next hop octets (IPv6: 16 or 32); empty for IPv4 unicast, whose next hop is NEXT_HOP.</summary>
    public byte[] MpNextHop { get; }

    // LocalPref, Origin and OriginatorId hide the base type's properties of the same names on purpose: these are the
    // values selection compares, read once from the bytes (missing: Has* false, Origin INCOMPLETE); through
    // Attributes (the PathAttributes view) the nullable readings of the bytes stay available.
    public bool HasLocalPref => (_flags & Flags.HasLocalPref) != 0;
    public new readonly uint LocalPref;
    public bool HasMed => (_flags & Flags.HasMed) != 0;
    public readonly uint Med;
    public new readonly byte Origin;
    /// <summary>RFC 4271 9.1.2.2 (a): AS_SET counts 1, confederation segments 0 (RFC 5065 5.3).</summary>
    public int AsPathLength => _asPathLength;
    /// <summary>The neighboring AS for MED comparison (RFC 4271 9.1.2.2 (c)): the first AS of a leading
    /// AS_SEQUENCE, 0 when the path is empty (a route from our own AS).</summary>
    public readonly uint NeighborAs;
    public bool HasOriginatorId => (_flags & Flags.HasOriginatorId) != 0;
    public new readonly uint OriginatorId;
    public int ClusterListLength => _clusterListLength;
    public bool NoExport => (_flags & Flags.NoExport) != 0;
    public bool NoAdvertise => (_flags & Flags.NoAdvertise) != 0;
    /// <summary>The set carries ONLY_TO_CUSTOMER (RFC 9234 section 5).</summary>
    public bool HasOtc => (_flags & Flags.HasOtc) != 0;
    /// <summary>Marked a leak at ingress (RFC 9234 section 5); part of the interning key, since the same attributes
    /// are a leak from a customer and a valid route from a provider.</summary>
    public bool OtcLeak => (_flags & Flags.OtcLeak) != 0;
    /// <summary>Loop checks that depend only on the attribute set and our identity.</summary>
    public readonly PathIneligibility Ineligibility;

    // The flags in one byte, the lengths in 16 bits and no stored interning hash (the base type caches the
    // attributes' hash; see Hash): 80 bytes a set instead of 96 (issue 11: ~285,000 sets per 1M paths in W2).
    [Flags]
    private enum Flags : byte
    {
        HasLocalPref = 1, HasMed = 2, HasOriginatorId = 4, NoExport = 8, NoAdvertise = 16, HasOtc = 32, OtcLeak = 64,
    }

    private readonly Flags _flags;
    private readonly ushort _asPathLength;
    private readonly ushort _clusterListLength;

    /// <summary>The interning hash: the attributes' (cached by the base type), with the MP next hop when there is one.</summary>
    internal int Hash => HashOf(this, MpNextHop);
    /// <summary>The interner's handle for this set while a reference is held on it (0: not held); the reference count
    /// lives with the handle (<see cref="AttributeInterner.RefCountOf"/>).</summary>
    internal int Handle;
    /// <summary>Per-neighbor results of the RFC 4271 9.2 export transformation, so that the thousands of
    /// prefixes sharing this set are transformed once per neighbor session (see Advertise.ExportCache).</summary>
    internal object? ExportCache;

    public uint? NextHopV4 => NextHop;

    /// <summary>The attributes' hash, with the MP next hop's octets hashed under it as the seed when there is one.</summary>
    internal static int HashOf(PathAttributes a, ReadOnlySpan<byte> nh)
    {
        int h = a.GetHashCode();
        return nh.IsEmpty ? h : PathAttributes.HashBytes(nh, PathAttributes.HashSeed ^ h);
    }

    private static bool ClusterListContains(ReadOnlySpan<byte> v, uint id)
    {
        for (int i = 0; i + 4 <= v.Length; i += 4)
            if (BinaryPrimitives.ReadUInt32BigEndian(v[i..]) == id) return true;
        return false;
    }

    /// <summary>Walks the canonical (4-octet) AS_PATH bytes without building segment objects: the interned
    /// set would otherwise keep a decoded path alive for every distinct set.</summary>
    private static void ReadAsPath(ReadOnlySpan<byte> s, uint localAs, out int length, out uint neighborAs, out bool loop)
    {
        length = 0;
        neighborAs = 0;
        loop = false;
        int p = 0;
        bool first = true;
        while (p + 2 <= s.Length)
        {
            var type = (AsPathSegmentType)s[p];
            int n = s[p + 1];
            p += 2;
            if (first && type == AsPathSegmentType.AsSequence && n > 0 && p + 4 <= s.Length)
                neighborAs = BinaryPrimitives.ReadUInt32BigEndian(s[p..]);
            first = false;
            length += type switch { AsPathSegmentType.AsSequence => n, AsPathSegmentType.AsSet => 1, _ => 0 };
            for (int i = 0; i < n && p + 4 <= s.Length; i++, p += 4)
                if (BinaryPrimitives.ReadUInt32BigEndian(s[p..]) == localAs) loop = true;
        }
    }

    public override string ToString() => MpNextHop.Length == 0 ? base.ToString() : $"{base.ToString()}, mp-next-hop {Convert.ToHexString(MpNextHop)}";
}
