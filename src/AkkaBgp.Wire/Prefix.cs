using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;

namespace AkkaBgp.Wire;

/// <summary>
/// An IPv4 or IPv6 prefix as a plain value: 128 address bits, a length and a family, no heap.
/// IPv4 addresses sit in the top 32 bits of <c>_hi</c> so that both families compare and
/// mask the same way. Bits beyond <see cref="Length"/> are always zero: RFC 4271 4.3 says trailing
/// bits of an NLRI prefix are irrelevant, and normalising them makes equal routes equal RIB keys.
/// </summary>
public readonly struct Prefix : IEquatable<Prefix>, IComparable<Prefix>
{
    private readonly ulong _hi;
    private readonly ulong _lo;
    private readonly byte _length;
    private readonly bool _v6;

    private Prefix(ulong hi, ulong lo, int length, bool v6)
    {
        _hi = hi;
        _lo = lo;
        _length = (byte)length;
        _v6 = v6;
    }

    public bool IsIPv6 => _v6;
    public bool IsIPv4 => !_v6;
    public int Length => _length;
    public int MaxLength => _v6 ? 128 : 32;
    /// <summary>The AFI (RFC 4760 / IANA address family number): 1 for IPv4, 2 for IPv6.</summary>
    public ushort Afi => _v6 ? (ushort)2 : (ushort)1;
    /// <summary>Octets the prefix occupies in an NLRI field after its length octet.</summary>
    public int AddressOctets => (_length + 7) >> 3;
    /// <summary>Octets in an NLRI field: length octet + address octets (no ADD-PATH identifier).</summary>
    public int WireSize => 1 + ((_length + 7) >> 3);

    /// <summary>IPv4 address bits (network order as an integer). Zero for IPv6.</summary>
    public uint IPv4Bits => _v6 ? 0 : (uint)(_hi >> 32);
    public UInt128 IPv6Bits => _v6 ? new UInt128(_hi, _lo) : UInt128.Zero;

    public static Prefix IPv4(uint address, int length)
    {
        if ((uint)length > 32) throw new ArgumentOutOfRangeException(nameof(length));
        ulong hi = (ulong)address << 32;
        return new Prefix(hi & MaskHi(length), 0, length, false);
    }

    public static Prefix IPv6(UInt128 address, int length)
    {
        if ((uint)length > 128) throw new ArgumentOutOfRangeException(nameof(length));
        ulong hi = (ulong)(address >> 64), lo = (ulong)address;
        return new Prefix(hi & MaskHi(length), lo & MaskLo(length), length, true);
    }

    public static Prefix Create(IPAddress address, int length)
    {
        Span<byte> b = stackalloc byte[16];
        if (!address.TryWriteBytes(b, out int n)) throw new ArgumentException("bad address", nameof(address));
        return n == 4
            ? IPv4(BinaryPrimitives.ReadUInt32BigEndian(b), length)
            : IPv6(BinaryPrimitives.ReadUInt128BigEndian(b), length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MaskHi(int length) => length >= 64 ? ulong.MaxValue : length == 0 ? 0 : ulong.MaxValue << (64 - length);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MaskLo(int length) => length <= 64 ? 0 : length >= 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);

    public IPAddress Address
    {
        get
        {
            Span<byte> b = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(b, _hi);
            BinaryPrimitives.WriteUInt64BigEndian(b[8..], _lo);
            return new IPAddress(_v6 ? b : b[..4]);
        }
    }

    /// <summary>
    /// Reads one NLRI prefix (length octet + minimal address octets, RFC 4271 4.3 / RFC 4760 5).
    /// Returns the octets consumed, or -1 when the length exceeds the family maximum or the
    /// address overruns <paramref name="src"/> (both are "Invalid Network Field", RFC 4271 6.3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryRead(ReadOnlySpan<byte> src, bool v6, out Prefix prefix)
    {
        prefix = default;
        if (src.IsEmpty) return -1;
        int len = src[0];
        if (len > (v6 ? 128 : 32)) return -1;
        int n = (len + 7) >> 3;
        if (src.Length < 1 + n) return -1;
        ulong hi = 0, lo = 0;
        var a = src.Slice(1, n);
        if (n <= 8)
        {
            for (int i = 0; i < n; i++) hi |= (ulong)a[i] << (56 - 8 * i);
        }
        else
        {
            hi = BinaryPrimitives.ReadUInt64BigEndian(a);
            for (int i = 8; i < n; i++) lo |= (ulong)a[i] << (56 - 8 * (i - 8));
        }
        prefix = new Prefix(hi & MaskHi(len), lo & MaskLo(len), len, v6);
        return 1 + n;
    }

    /// <summary>Writes length octet + address octets; returns octets written.</summary>
    public int WriteTo(Span<byte> dst)
    {
        int n = AddressOctets;
        dst[0] = _length;
        for (int i = 0; i < n; i++)
            dst[1 + i] = i < 8 ? (byte)(_hi >> (56 - 8 * i)) : (byte)(_lo >> (56 - 8 * (i - 8)));
        return 1 + n;
    }

    public bool Contains(Prefix other)
        => other._v6 == _v6 && other._length >= _length
           && (other._hi & MaskHi(_length)) == _hi && (other._lo & MaskLo(_length)) == _lo;

    public bool Equals(Prefix other) => _hi == other._hi && _lo == other._lo && _length == other._length && _v6 == other._v6;
    public override bool Equals(object? obj) => obj is Prefix p && Equals(p);
    public override int GetHashCode() => HashCode.Combine(_hi, _lo, _length, _v6);
    public static bool operator ==(Prefix a, Prefix b) => a.Equals(b);
    public static bool operator !=(Prefix a, Prefix b) => !a.Equals(b);

    /// <summary>IPv4 before IPv6, then address bits, then shorter first.</summary>
    public int CompareTo(Prefix other)
    {
        int c = _v6.CompareTo(other._v6);
        if (c != 0) return c;
        c = _hi.CompareTo(other._hi);
        if (c != 0) return c;
        c = _lo.CompareTo(other._lo);
        return c != 0 ? c : _length.CompareTo(other._length);
    }

    public override string ToString() => $"{Address}/{_length.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string s, out Prefix prefix)
    {
        prefix = default;
        int slash = s.IndexOf('/');
        if (slash < 0) return false;
        if (!IPAddress.TryParse(s.AsSpan(0, slash), out var addr)) return false;
        if (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int len)) return false;
        bool v6 = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (len > (v6 ? 128 : 32)) return false;
        prefix = Create(addr, len);
        return true;
    }

    public static Prefix Parse(string s) => TryParse(s, out var p) ? p : throw new FormatException($"not a prefix: {s}");
}

/// <summary>One NLRI entry: a prefix and its ADD-PATH path identifier (RFC 7911; 0 without ADD-PATH).</summary>
public readonly record struct NlriEntry(Prefix Prefix, uint PathId = 0)
{
    public static implicit operator NlriEntry(Prefix p) => new(p, 0);
    public int WireSize(bool addPath) => (addPath ? 4 : 0) + Prefix.WireSize;

    /// <summary>Writes the entry as it stands in an NLRI field: the 4-octet path identifier first when
    /// <paramref name="addPath"/> (RFC 7911 3), then the prefix; returns octets written.</summary>
    internal int WriteTo(Span<byte> dst, bool addPath)
    {
        if (!addPath) return Prefix.WriteTo(dst);
        BinaryPrimitives.WriteUInt32BigEndian(dst, PathId);
        return 4 + Prefix.WriteTo(dst[4..]);
    }
    public override string ToString() => PathId == 0 ? Prefix.ToString() : $"{Prefix} path-id {PathId}";
}
