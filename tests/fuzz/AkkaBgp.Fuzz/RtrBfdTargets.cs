using AkkaBgp.Wire.Bfd;
using AkkaBgp.Wire.Rtr;

namespace AkkaBgp.Fuzz;

/// <summary>
/// The RTR (RFC 8210/6810) and BFD (RFC 5880) decoders, which read bytes from caches and peers we do not control.
/// </summary>
public static class RtrBfdTargets
{
    /// <summary>
    /// A byte stream from a cache, decoded PDU after PDU as the client reads it: every result is one of the three
    /// statuses with what that status promises (a decoded PDU consumed 8 to the whole buffer; an error carries its
    /// Error Report code; "need more" only for a buffer shorter than the PDU it starts); a decoded PDU encodes, and
    /// that encoding decodes to a PDU that encodes to the same octets.
    /// </summary>
    public static void Rtr(byte[] input)
    {
        ReadOnlySpan<byte> rest = input;
        while (rest.Length > 0)
        {
            var r = RtrCodec.Decode(rest);
            switch (r.Status)
            {
                case RtrDecodeStatus.Pdu:
                    if (r.Pdu is null || r.Consumed < 8 || r.Consumed > rest.Length)
                        throw new FuzzCheckException($"decoded with pdu {r.Pdu} and {r.Consumed} of {rest.Length} octets consumed");
                    var encoded = RtrCodec.Encode(r.Pdu);
                    var again = RtrCodec.Decode(encoded);
                    if (again.Status != RtrDecodeStatus.Pdu || again.Consumed != encoded.Length)
                        throw new FuzzCheckException($"{r.Pdu} encodes to octets that decode as {again.Status} ({again.Error})");
                    if (!RtrCodec.Encode(again.Pdu!).AsSpan().SequenceEqual(encoded))
                        throw new FuzzCheckException($"{r.Pdu} does not survive a second round trip");
                    rest = rest[r.Consumed..];
                    break;
                case RtrDecodeStatus.Error:
                    if (r.Error is null) throw new FuzzCheckException("invalid without an error");
                    return; // the session sends the Error Report and closes
                case RtrDecodeStatus.NeedMore:
                    if (rest.Length >= 8 && rest.Length >= (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(rest[4..]))
                        throw new FuzzCheckException($"asks for more with {rest.Length} octets of a {System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(rest[4..])}-octet PDU");
                    return;
                default:
                    throw new FuzzCheckException($"unknown status {r.Status}");
            }
        }
    }

    /// <summary>
    /// One received datagram: accepted or discarded with a counted reason, never an exception; an accepted packet
    /// encodes back to its mandatory section octet for octet but the Length (flags, state and diagnostic included), and the
    /// authentication check runs against a key of each type without throwing.
    /// </summary>
    public static void Bfd(byte[] input)
    {
        if (!BfdCodec.TryDecode(input, out var packet, out var reason))
        {
            if (!Enum.IsDefined(reason)) throw new FuzzCheckException($"discarded with an unnamed reason {(int)reason}");
            return;
        }
        if (packet.Auth is null)
        {
            // The Length octet may say more than 24 without the A bit (6.8.6 discards only a Length below the
            // minimum or beyond the datagram); we send 24, so it is the one octet allowed to differ.
            var encoded = BfdCodec.ToArray(packet);
            if (encoded.Length != BfdControlPacket.MandatoryLength || !encoded.AsSpan(0, 3).SequenceEqual(input.AsSpan(0, 3))
                || !encoded.AsSpan(4).SequenceEqual(input.AsSpan(4, encoded.Length - 4)))
                throw new FuzzCheckException("an accepted packet does not encode back to the octets it came from");
        }
        foreach (var type in Enum.GetValues<BfdAuthType>())
        {
            if (type == BfdAuthType.None) continue;
            var key = new BfdAuthKey(type, 1, new byte[Math.Min(16, BfdAuthentication.MaxSecretLength(type))]);
            var sequence = new BfdReceiveSequence();
            BfdAuthentication.Verify(input, packet, [key], ref sequence);
        }
    }
}
