using System.Buffers.Binary;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests.Support;

/// <summary>
/// Makes mutated UPDATEs: a valid UPDATE built from a random mix of attributes (the mandatory three, the optional
/// ones RFC 4271/1997/4360/4456/4760/6793/8092 define, an unknown optional transitive one, IPv6 in MP_REACH and
/// MP_UNREACH), IPv4 NLRI and withdrawn routes, then one or two mutations: structural ones that aim at RFC 7606's
/// cases (attribute flags, type, length, value octets, a missing or repeated attribute, AS_PATH segments, NLRI
/// lengths, the section lengths, truncation), random bit flips, and rarely the header itself. Deterministic for a
/// seed, so a failing run can be replayed.
/// </summary>
public sealed class UpdateMutator(int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>Each mutation with its weight; the weights keep session resets (each costs a reconnect) to a few percent
    /// of the mix while every RFC 7606 path is exercised.</summary>
    private static readonly (string Name, int Weight)[] Operators =
    [
        ("attribute-flags", 160), ("attribute-type", 50), ("attribute-length", 30), ("attribute-value", 260),
        ("drop-attribute", 90), ("repeat-attribute", 30), ("as-path-segment", 110), ("bit-flip-attributes", 30),
        ("nlri-length", 3), ("section-length", 3), ("truncate", 3), ("bit-flip-anywhere", 5), ("header", 3),
        ("none", 50),
    ];

    private static readonly int TotalWeight = Operators.Sum(o => o.Weight);

    public sealed record Mutant(byte[] Bytes, string Operator);

    public Mutant Next()
    {
        var (withdrawn, attrs, nlri) = Base();
        string op = Pick();
        byte[]? bytes = op switch
        {
            "header" => Header(Serialize(withdrawn, attrs, nlri)),
            "bit-flip-anywhere" => FlipBits(Serialize(withdrawn, attrs, nlri), 19),
            "bit-flip-attributes" => FlipBits(Serialize(withdrawn, attrs, nlri), 23 + withdrawn.Length, attrs.Sum(a => a.Length)),
            "section-length" => SectionLength(Serialize(withdrawn, attrs, nlri), withdrawn.Length),
            "truncate" => Truncate(Serialize(withdrawn, attrs, nlri)),
            "none" => Serialize(withdrawn, attrs, nlri),
            _ => Structural(op, withdrawn, attrs, nlri),
        };
        return new Mutant(bytes, op);
    }

    private string Pick()
    {
        int r = _random.Next(TotalWeight);
        foreach (var (name, weight) in Operators)
        {
            if (r < weight) return name;
            r -= weight;
        }
        return "none";
    }

    // ---- the valid base -------------------------------------------------------------------------

    private (byte[] Withdrawn, List<byte[]> Attributes, byte[] Nlri) Base()
    {
        var attrs = new List<byte[]>();
        int prefixes = _random.Next(0, 4);
        bool v6 = _random.Next(4) == 0;
        if (prefixes > 0 || v6 || _random.Next(3) == 0)
        {
            attrs.Add(Attr(0x40, 1, [(byte)_random.Next(3)]));                                   // ORIGIN
            attrs.Add(Attr(0x40, 2, AsPath(_random.Next(1, 4))));                                  // AS_PATH (4-octet)
            if (prefixes > 0) attrs.Add(Attr(0x40, 3, [192, 0, 2, (byte)_random.Next(1, 255)])); // NEXT_HOP
        }
        if (Chance(2)) attrs.Add(Attr(0x80, 4, U32((uint)_random.Next(1000))));                   // MULTI_EXIT_DISC
        if (Chance(6)) attrs.Add(Attr(0x40, 5, U32(200)));                                         // LOCAL_PREF (eBGP: ignored)
        if (Chance(5)) attrs.Add(Attr(0x40, 6, []));                                               // ATOMIC_AGGREGATE
        if (Chance(5)) attrs.Add(Attr(0xC0, 7, [.. U32(65001), 192, 0, 2, 9]));                    // AGGREGATOR (4-octet)
        if (Chance(2)) attrs.Add(Attr(0xC0, 8, Communities(_random.Next(1, 4))));                 // COMMUNITIES
        if (Chance(6)) attrs.Add(Attr(0x80, 9, [192, 0, 2, 7]));                                   // ORIGINATOR_ID (iBGP only)
        if (Chance(8)) attrs.Add(Attr(0x80, 10, [192, 0, 2, 8]));                                  // CLUSTER_LIST (iBGP only)
        if (Chance(4)) attrs.Add(Attr(0xC0, 16, [0x00, 0x02, 0xFD, 0xE9, 0, 0, 0, 1]));            // EXTENDED_COMMUNITIES
        if (Chance(4)) attrs.Add(Attr(0xC0, 32, [.. U32(65001), .. U32(1), .. U32((uint)_random.Next(9))])); // LARGE_COMMUNITY
        if (Chance(6)) attrs.Add(Attr(0xC0, 99, [1, 2, 3]));                                       // unknown optional transitive
        if (v6) attrs.Add(Attr(0x90, 14, MpReachV6(_random.Next(1, 3))));                          // MP_REACH_NLRI IPv6
        if (Chance(8)) attrs.Add(Attr(0x90, 15, [0, 2, 1, .. V6Prefix()]));                        // MP_UNREACH_NLRI IPv6
        Shuffle(attrs);

        var nlri = new List<byte>();
        for (int i = 0; i < prefixes; i++) nlri.AddRange(V4Prefix());
        var withdrawn = new List<byte>();
        if (Chance(4)) for (int i = _random.Next(1, 3); i > 0; i--) withdrawn.AddRange(V4Prefix());
        return (withdrawn.ToArray(), attrs, nlri.ToArray());
    }

    private bool Chance(int oneIn) => _random.Next(oneIn) == 0;

    /// <summary>10.a.b.0/24 from a small space, so a long run keeps revisiting the same prefixes (a bounded table).</summary>
    private byte[] V4Prefix() => [24, 10, (byte)_random.Next(64), (byte)_random.Next(256)];

    private byte[] V6Prefix() => [48, 0x20, 0x01, 0x0d, 0xb8, (byte)_random.Next(16), (byte)_random.Next(256)];

    private byte[] MpReachV6(int count)
    {
        var v = new List<byte> { 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
        for (int i = 0; i < count; i++) v.AddRange(V6Prefix());
        return v.ToArray();
    }

    private byte[] AsPath(int length)
    {
        var v = new List<byte> { 2, (byte)length };
        v.AddRange(U32(65001));
        for (int i = 1; i < length; i++) v.AddRange(U32((uint)_random.Next(64512, 65534)));
        return v.ToArray();
    }

    private byte[] Communities(int count)
    {
        var v = new List<byte>();
        for (int i = 0; i < count; i++) v.AddRange(U32(65001u << 16 | (uint)_random.Next(100)));
        return v.ToArray();
    }

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    private static byte[] Attr(byte flags, byte type, byte[] value) =>
        value.Length > 255
            ? [(byte)(flags | 0x10), type, (byte)(value.Length >> 8), (byte)value.Length, .. value]
            : [(byte)(flags & ~0x10), type, (byte)value.Length, .. value];

    private void Shuffle(List<byte[]> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = _random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    public static byte[] Serialize(byte[] withdrawn, IReadOnlyList<byte[]> attrs, byte[] nlri)
    {
        int attrLength = attrs.Sum(a => a.Length);
        int length = 19 + 2 + withdrawn.Length + 2 + attrLength + nlri.Length;
        var m = new byte[length];
        m.AsSpan(0, 16).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)length);
        m[18] = (byte)MessageType.Update;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(19), (ushort)withdrawn.Length);
        withdrawn.CopyTo(m, 21);
        int o = 21 + withdrawn.Length;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(o), (ushort)attrLength);
        o += 2;
        foreach (var a in attrs) { a.CopyTo(m, o); o += a.Length; }
        nlri.CopyTo(m, o);
        return m;
    }

    // ---- mutations --------------------------------------------------------------------------------

    private static readonly byte[] Interesting = [0, 1, 2, 3, 4, 0x7F, 0x80, 0xFE, 0xFF];

    private byte Value() => Chance(2) ? Interesting[_random.Next(Interesting.Length)] : (byte)_random.Next(256);

    private byte[] Structural(string op, byte[] withdrawn, List<byte[]> attrs, byte[] nlri)
    {
        if (attrs.Count == 0 && op != "nlri-length") op = "attribute-value-insert";
        int i = attrs.Count == 0 ? 0 : _random.Next(attrs.Count);
        switch (op)
        {
            case "attribute-flags":
            {
                var a = (byte[])attrs[i].Clone();
                // Flip one of the optional/transitive/partial bits (not extended length, which moves the value).
                a[0] ^= (byte)(0x80 >> _random.Next(3));
                attrs[i] = a;
                break;
            }
            case "attribute-type":
            {
                var a = (byte[])attrs[i].Clone();
                a[1] = Chance(2) ? (byte)_random.Next(0, 41) : Value();
                // Mostly as an optional attribute (kept, or discarded when known and malformed); now and then as a
                // well-known one, which an unrecognised type makes a session reset (RFC 4271 6.3, 3/2).
                if (!Chance(10)) a[0] |= 0x80;
                attrs[i] = a;
                break;
            }
            case "attribute-length":
            {
                // The attribute's own length disagrees with its value: shorter (the rest reads as another attribute)
                // or longer (it overruns into the next one or past the section).
                var a = (byte[])attrs[i].Clone();
                int header = (a[0] & 0x10) != 0 ? 4 : 3;
                int length = a.Length - header + (Chance(2) ? -_random.Next(1, 4) : _random.Next(1, 4));
                length = Math.Clamp(length, 0, 255);
                a[header - 1] = (byte)length;
                attrs[i] = a;
                break;
            }
            case "attribute-value":
            {
                var a = (byte[])attrs[i].Clone();
                int header = (a[0] & 0x10) != 0 ? 4 : 3;
                if (a.Length > header) a[_random.Next(header, a.Length)] = Value();
                else attrs[i] = Attr(a[0], a[1], [Value()]);
                if (a.Length > header) attrs[i] = a;
                break;
            }
            case "attribute-value-insert":
                attrs.Add(Attr((byte)(_random.Next(4) << 6), (byte)_random.Next(1, 41), [Value(), Value()]));
                break;
            case "drop-attribute":
                attrs.RemoveAt(i);
                break;
            case "repeat-attribute":
                attrs.Insert(_random.Next(attrs.Count + 1), attrs[i]);
                break;
            case "as-path-segment":
            {
                int p = attrs.FindIndex(a => a[1] == 2);
                if (p < 0) { attrs.Add(Attr(0x40, 2, [(byte)_random.Next(6), (byte)_random.Next(4), .. U32(65001)])); break; }
                var a = (byte[])attrs[p].Clone();
                int header = (a[0] & 0x10) != 0 ? 4 : 3;
                // Segment type (1-4 are defined) or segment length (in ASes), or an empty segment appended.
                if (Chance(3)) a[header] = (byte)_random.Next(6);
                else if (Chance(2)) a[header + 1] = (byte)_random.Next(6);
                else a = Attr(a[0], 2, [.. a.AsSpan(header).ToArray(), (byte)_random.Next(1, 5), 0]);
                attrs[p] = a;
                break;
            }
            case "nlri-length":
            {
                if (nlri.Length == 0) nlri = V4Prefix();
                nlri = (byte[])nlri.Clone();
                nlri[0] = (byte)_random.Next(20, 40);
                break;
            }
        }
        return Serialize(withdrawn, attrs, nlri);
    }

    private byte[] FlipBits(byte[] m, int from, int? count = null)
    {
        int span = count ?? m.Length - from;
        if (span <= 0) return m;
        for (int k = _random.Next(1, 3); k > 0; k--)
            m[from + _random.Next(span)] ^= (byte)(1 << _random.Next(8));
        return m;
    }

    private byte[] SectionLength(byte[] m, int withdrawnLength)
    {
        int at = Chance(2) ? 19 : 21 + withdrawnLength;
        int value = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(at)) + (Chance(2) ? -_random.Next(1, 5) : _random.Next(1, 5));
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(at), (ushort)Math.Max(0, value));
        return m;
    }

    private byte[] Truncate(byte[] m)
    {
        int length = _random.Next(19, m.Length);
        var t = m.AsSpan(0, length).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), (ushort)length);
        return t;
    }

    private byte[] Header(byte[] m)
    {
        switch (_random.Next(3))
        {
            case 0: m[_random.Next(16)] ^= (byte)(1 << _random.Next(8)); break;   // marker
            case 1: m[18] = (byte)_random.Next(6, 256); break;                      // undefined type
            default: BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)_random.Next(0, 23)); break; // too short
        }
        return m;
    }
}
