using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace AkkaBgp.Wire;

/// <summary>
/// A validated NLRI field (IPv4 withdrawn/NLRI, or the NLRI part of MP_REACH/MP_UNREACH for
/// IPv4/IPv6 unicast/multicast) read lazily. The decoder validated every prefix once, so
/// enumeration cannot fail and yields values without allocating: the session iterates this
/// straight into the RIB.
/// </summary>
public readonly struct NlriList
{
    private readonly ReadOnlyMemory<byte> _data;

    internal NlriList(ReadOnlyMemory<byte> data, bool v6, bool addPath, int count)
    {
        _data = data;
        IsIPv6 = v6;
        HasPathIds = addPath;
        Count = count;
    }

    public static NlriList Empty => default;

    public bool IsIPv6 { get; }
    /// <summary>Each entry carries a 4-octet ADD-PATH path identifier (RFC 7911 section 3).</summary>
    public bool HasPathIds { get; }
    public int Count { get; }
    public bool IsEmpty => Count == 0;
    /// <summary>The field's wire bytes.</summary>
    public ReadOnlyMemory<byte> Encoded => _data;

    public Enumerator GetEnumerator() => new(_data.Span, IsIPv6, HasPathIds);

    public NlriEntry[] ToArray()
    {
        var r = new NlriEntry[Count];
        int i = 0;
        foreach (var e in this) r[i++] = e;
        return r;
    }

    public Prefix[] ToPrefixArray()
    {
        var r = new Prefix[Count];
        int i = 0;
        foreach (var e in this) r[i++] = e.Prefix;
        return r;
    }

    /// <summary>
    /// Checks a whole NLRI field: every prefix length within the family maximum and no overrun
    /// (RFC 4271 6.3 / RFC 7606 5.3). Returns the number of entries, or -1 when invalid.
    /// </summary>
    public static int Validate(ReadOnlySpan<byte> field, bool v6, bool addPath)
    {
        int max = v6 ? 128 : 32;
        int count = 0, i = 0;
        int step = addPath ? 4 : 0;
        while (i < field.Length)
        {
            i += step;
            if (i >= field.Length) return -1;
            int len = field[i];
            if (len > max) return -1;
            i += 1 + ((len + 7) >> 3);
            if (i > field.Length) return -1;
            count++;
        }
        return count;
    }

    /// <summary>Allocation-free reader over a validated NLRI field.</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<byte> _s;
        private readonly bool _v6;
        private readonly bool _addPath;
        private int _pos;
        private NlriEntry _current;

        internal Enumerator(ReadOnlySpan<byte> s, bool v6, bool addPath)
        {
            _s = s;
            _v6 = v6;
            _addPath = addPath;
            _pos = 0;
            _current = default;
        }

        public readonly NlriEntry Current => _current;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext()
        {
            if (_pos >= _s.Length) return false;
            uint pathId = 0;
            if (_addPath)
            {
                pathId = BinaryPrimitives.ReadUInt32BigEndian(_s.Slice(_pos, 4));
                _pos += 4;
            }
            Prefix p;
            if (!_v6)
            {
                // IPv4 fast path: at most 4 address octets, assembled directly.
                int len = _s[_pos];
                int n = (len + 7) >> 3;
                uint a = 0;
                var b = _s.Slice(_pos + 1, n);
                for (int i = 0; i < b.Length; i++) a |= (uint)b[i] << (24 - 8 * i);
                p = Prefix.IPv4(a & (len == 0 ? 0u : uint.MaxValue << (32 - len)), len);
                _pos += 1 + n;
            }
            else
            {
                _pos += Prefix.TryRead(_s[_pos..], true, out p);
            }
            _current = new NlriEntry(p, pathId);
            return true;
        }
    }
}
