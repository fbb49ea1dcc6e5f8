using System.Buffers.Binary;
using AkkaBgp.Wire;

namespace AkkaBgp.Reliability.Tests.Support;

/// <summary>Mutated OPENs (RFC 4271 4.2, RFC 5492, RFC 6793, RFC 9072): a valid OPEN from AS <paramref name="peerAs"/> with
/// a random set of capabilities, then one mutation of a field, a capability, the parameter lengths, a bit, or the header.</summary>
public sealed class OpenMutator(int seed, uint peerAs)
{
    private readonly Random _random = new(seed);

    public (byte[] Bytes, string Operator) Next()
    {
        var caps = new List<byte[]>();
        if (Chance(2)) caps.Add([1, 4, 0, 1, 0, 1]);                     // MP IPv4 unicast
        if (Chance(2)) caps.Add([1, 4, 0, 2, 0, 1]);                     // MP IPv6 unicast
        if (Chance(2)) caps.Add([2, 0]);                                  // route refresh
        if (Chance(2)) caps.Add([65, 4, .. U32(peerAs)]);                 // four-octet AS
        if (Chance(3)) caps.Add([64, 2, 0, 120]);                         // graceful restart, 120 s, no families
        if (Chance(3)) caps.Add([6, 0]);                                  // extended messages
        if (Chance(4)) caps.Add([(byte)_random.Next(128, 255), 2, 1, 2]); // unknown capability
        string op = _random.Next(12) switch
        {
            0 => "version", 1 => "my-as", 2 => "hold-time", 3 => "identifier", 4 => "capability-code",
            5 => "capability-length", 6 => "four-octet-as", 7 => "parameter-type", 8 => "parameter-length",
            9 => "bit-flip", 10 => "header", _ => "none",
        };
        byte version = 4;
        ushort myAs = (ushort)peerAs, hold = (ushort)_random.Next(3, 240);
        uint id = 0xC0000200u | (uint)_random.Next(1, 255);
        byte paramType = 2;
        switch (op)
        {
            case "version": version = (byte)_random.Next(0, 8); break;
            case "my-as": myAs = (ushort)(Chance(2) ? _random.Next(65536) : 23456); break;
            case "hold-time": hold = (ushort)_random.Next(0, 5); break;
            case "identifier": id = Chance(2) ? 0 : (uint)_random.NextInt64(uint.MaxValue); break;
            case "capability-code" when caps.Count > 0: caps[_random.Next(caps.Count)][0] = (byte)_random.Next(256); break;
            case "capability-length" when caps.Count > 0:
            {
                var c = caps[_random.Next(caps.Count)];
                c[1] = (byte)Math.Max(0, c[1] + (Chance(2) ? -1 : 1));
                break;
            }
            case "four-octet-as": caps.Add([65, 4, .. U32(Chance(2) ? 0 : (uint)_random.NextInt64(uint.MaxValue))]); break;
            case "parameter-type": paramType = (byte)_random.Next(0, 4); break;
        }
        var capBytes = caps.SelectMany(c => c).ToArray();
        byte[] parameters = capBytes.Length == 0 ? [] : [paramType, (byte)capBytes.Length, .. capBytes];
        int length = 19 + 10 + parameters.Length;
        var m = new byte[length];
        m.AsSpan(0, 16).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)length);
        m[18] = (byte)MessageType.Open;
        m[19] = version;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(20), myAs);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(22), hold);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(24), id);
        m[28] = (byte)parameters.Length;
        parameters.CopyTo(m, 29);
        switch (op)
        {
            case "parameter-length": m[28] = (byte)Math.Max(0, m[28] + _random.Next(-3, 4)); break;
            case "bit-flip": m[19 + _random.Next(length - 19)] ^= (byte)(1 << _random.Next(8)); break;
            case "header":
                if (Chance(2)) m[_random.Next(16)] ^= 1;
                else BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(16), (ushort)_random.Next(0, 29));
                break;
        }
        return (m, op);
    }

    private bool Chance(int oneIn) => _random.Next(oneIn) == 0;

    private static byte[] U32(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }
}
