using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using AkkaBgp.Session;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Fuzz;

/// <summary>
/// The wire codec targets. Every input starts with one context octet, so a single target covers every session
/// shape the decoders know (the seeds in tests/fuzz/corpus carry the octet their message is valid for):
/// <list type="bullet">
/// <item>bit 0: 4-octet AS negotiated (RFC 6793); clear: the peer is an OLD speaker (2-octet AS, AS4_PATH merging)</item>
/// <item>bit 1: Extended Messages negotiated (RFC 8654): 65535-octet limit instead of 4096</item>
/// <item>bits 2-3: peer kind: 0 eBGP, 1 iBGP, 2 confederation eBGP, 3 eBGP whose AS is 65001 (first-AS check on)</item>
/// <item>bits 4-7: ADD-PATH receive for IPv4 unicast, IPv6 unicast, IPv4 multicast, IPv6 multicast (RFC 7911)</item>
/// </list>
/// The per-message targets take the message body after the context octet and put the 19-octet header in front
/// (with the right length), so mutations reach the body decoder instead of dying at the length check; the
/// framer target takes a raw byte stream, headers and all.
/// </summary>
public static class WireTargets
{
    public const uint ContextPeerAs = 65001;

    public static DecodeContext Context(byte flags)
    {
        var addPath = AddPathFamilies.None;
        if ((flags & 0x10) != 0) addPath |= AddPathFamilies.IPv4Unicast;
        if ((flags & 0x20) != 0) addPath |= AddPathFamilies.IPv6Unicast;
        if ((flags & 0x40) != 0) addPath |= AddPathFamilies.IPv4Multicast;
        if ((flags & 0x80) != 0) addPath |= AddPathFamilies.IPv6Multicast;
        int kind = (flags >> 2) & 3;
        return new DecodeContext
        {
            ExtendedMessages = (flags & 2) != 0,
            Update = new UpdateDecodeContext(
                fourOctetAs: (flags & 1) != 0,
                peer: kind == 3 ? PeerKind.External : (PeerKind)kind,
                addPathReceive: addPath,
                peerAs: kind == 3 ? ContextPeerAs : 0),
        };
    }

    /// <summary>Header + body; null when the body cannot fit in a message at all (the framer target covers lengths).</summary>
    public static byte[]? WithHeader(MessageType type, ReadOnlySpan<byte> body)
    {
        int length = BgpHeader.Size + body.Length;
        if (length > BgpHeader.ExtendedMaxMessageLength) return null;
        var message = new byte[length];
        message.AsSpan(0, BgpHeader.MarkerSize).Fill(0xFF);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(BgpHeader.MarkerSize), (ushort)length);
        message[18] = (byte)type;
        body.CopyTo(message.AsSpan(BgpHeader.Size));
        return message;
    }

    private static void Body(byte[] input, MessageType type)
    {
        if (input.Length == 0) return;
        var ctx = Context(input[0]);
        var message = WithHeader(type, input.AsSpan(1));
        if (message is null) return;
        DecodeAndCheck(message, ctx);
    }

    public static void Open(byte[] input) => Body(input, MessageType.Open);
    public static void Update(byte[] input) => Body(input, MessageType.Update);
    public static void Notification(byte[] input) => Body(input, MessageType.Notification);
    public static void RouteRefresh(byte[] input) => Body(input, MessageType.RouteRefresh);

    /// <summary>
    /// What the session does with a whole message: decode it, and either use every part of the result or send
    /// the NOTIFICATION the error names. Checks: nothing throws; success and failure are exclusive; the error is a
    /// NOTIFICATION we can send on this session; a decoded message encodes again and (apart from UPDATE, which
    /// normalises) decodes back to itself.
    /// </summary>
    public static void DecodeAndCheck(byte[] message, in DecodeContext ctx)
    {
        bool ok = BgpMessageCodec.TryDecode(message, ctx, out BgpMessage? msg, out WireError? error);
        if (!ok)
        {
            if (error is null || msg is not null) throw new FuzzCheckException("failure without an error, or with a message");
            CheckError(error, message.Length, ctx);
            return;
        }
        if (msg is null || error is not null) throw new FuzzCheckException("success without a message, or with an error");
        switch (msg)
        {
            case BgpUpdate u:
                UseUpdate(u.Update, ctx);
                break;
            case OpenMessage o:
                UseOpen(o);
                RoundTrip(msg, ctx);
                break;
            case NotificationMessage n:
                _ = n.Describe();
                _ = n.ToString();
                RoundTrip(msg, ctx);
                break;
            default:
                _ = msg.ToString();
                RoundTrip(msg, ctx);
                break;
        }
    }

    private static void CheckError(WireError error, int messageLength, in DecodeContext ctx)
    {
        if (error.Action is not (ErrorAction.SessionReset or ErrorAction.AfiSafiDisable))
            throw new FuzzCheckException($"a failed decode must reset the session or disable the family, not {error.Action}");
        if (error.Code is < ErrorCode.MessageHeader or > ErrorCode.RouteRefreshMessage)
            throw new FuzzCheckException($"error code {error.Code} is not one a decoder sends: {error}");
        if (error.Data.Length > messageLength)
            throw new FuzzCheckException($"error data of {error.Data.Length} octets from a {messageLength}-octet message");
        _ = error.ToString();
        // The NOTIFICATION must go out on this very session, within its message size limit.
        _ = NotificationMessage.From(error).ToArray(ctx.MaxMessageLength);
    }

    private static void RoundTrip(BgpMessage msg, in DecodeContext ctx)
    {
        byte[] again = msg.ToArray(ctx.MaxMessageLength);
        if (!BgpMessageCodec.TryDecode(again, ctx, out BgpMessage? back, out WireError? error))
            throw new FuzzCheckException($"re-encoded {msg.Type} does not decode: {error}");
        if (!Equals(back, msg))
            throw new FuzzCheckException($"re-encoded {msg.Type} decodes differently: {msg} vs {back}");
    }

    private static void UseOpen(OpenMessage open)
    {
        _ = open.ToString();
        _ = open.AsNumber;
        _ = open.BgpIdentifierAddress;
        _ = open.Families.Count();
        foreach (var cap in open.Capabilities) _ = cap.ToString();
        // What the FSM does next (RFC 4271 8.2.2 OpenSent, Event 19): check the OPEN against a neighbor's
        // configuration and negotiate. Once with the AS the OPEN claims (so negotiation gets past the AS check),
        // once with a neighbor that wants every capability.
        uint claimed = open.AsNumber == 0 ? 1 : open.AsNumber;
        foreach (var settings in new[] { Neighbor(claimed, required: false), Neighbor(claimed, required: true) })
        {
            if (OpenExchange.TryNegotiate(settings, open, out var session, out var notification, out _))
            {
                if (session is null) throw new FuzzCheckException("negotiation succeeded without a session");
                _ = session.ToString();
            }
            else
            {
                if (notification is null) throw new FuzzCheckException("negotiation failed without a NOTIFICATION");
                _ = notification.ToArray(BgpHeader.MaxMessageLength);
            }
        }
    }

    private static NeighborSettings Neighbor(uint peerAs, bool required) => new()
    {
        PeerAddress = IPAddress.Parse("192.0.2.2"),
        PeerAs = peerAs,
        LocalAs = 65000,
        RouterId = 0xC0000201,
        Capabilities = required
            ? new CapabilitySettings
            {
                Required = new HashSet<byte> { CapabilityCode.FourOctetAs, CapabilityCode.Multiprotocol, CapabilityCode.RouteRefresh },
                RequiredFamilies = new HashSet<AfiSafi> { AfiSafi.Ipv6Unicast },
                Role = BgpRole.Customer,
                StrictRole = true,
            }
            : new CapabilitySettings(),
    };

    /// <summary>What the RIB and the logs read from an UPDATE: every prefix, every attribute getter, the
    /// End-of-RIB test; then the encoders the Adj-RIB-Out uses, for every kind of peer it may go to.</summary>
    private static void UseUpdate(UpdateMessage update, in DecodeContext ctx)
    {
        _ = update.ToString();
        _ = update.IsEndOfRib;
        foreach (var e in update.Withdrawn) _ = e.Prefix.ToString();
        foreach (var e in update.Nlri) _ = e.Prefix.ToString();
        if (update.MpReach is { } reach)
        {
            _ = reach.GlobalNextHop;
            _ = reach.LinkLocalNextHop;
            foreach (var e in reach.Nlri) _ = e.Prefix.ToString();
        }
        if (update.MpUnreach is { } unreach)
            foreach (var e in unreach.Withdrawn) _ = e.Prefix.ToString();
        foreach (var e in update.Errors)
        {
            if (e.Action is ErrorAction.SessionReset)
                throw new FuzzCheckException($"a decoded UPDATE carries a session reset: {e}");
            _ = e.ToString();
        }

        PathAttributes a = update.Attributes;
        _ = a.ToString();
        foreach (var raw in a) _ = raw.TypeCode;
        _ = a.Origin; _ = a.AsPath?.ToString(); _ = a.AsPath?.Length; _ = a.AsPath?.LeftmostAs; _ = a.NextHop; _ = a.NextHopAddress;
        _ = a.MultiExitDisc; _ = a.LocalPref; _ = a.AtomicAggregate; _ = a.Aggregator; _ = a.Communities.Count;
        _ = a.ExtendedCommunities.Count; _ = a.LargeCommunities.Count; _ = a.OriginatorId; _ = a.ClusterList.Count;
        _ = a.OnlyToCustomer; _ = a.Unrecognized.Count(); _ = a.GetHashCode();
        _ = a.ToBuilder().Build();

        UpdateDecodeContext u = ctx.Update;
        byte[]? first = null;
        foreach (bool four in new[] { u.FourOctetAs, !u.FourOctetAs })
            foreach (bool readvertise in new[] { false, true })
            {
                var enc = new UpdateEncodeContext(four, u.AddPathReceive, readvertise, ctx.MaxMessageLength);
                byte[] bytes;
                try
                {
                    bytes = update.ToArray(enc);
                }
                catch (WireException) when (update.GetEncodedLength(enc) > ctx.MaxMessageLength)
                {
                    continue; // documented: an UPDATE over the session's limit is refused, the packer splits
                }
                if (four == u.FourOctetAs && !readvertise) first = bytes;
            }

        // A clean UPDATE, encoded as it arrived, must decode again cleanly and encode to the same octets:
        // otherwise what we send on is not what we received.
        if (update.Errors.Count == 0 && first is not null)
        {
            if (!UpdateMessage.TryDecode(first.AsSpan(BgpHeader.Size), u, out var back, out var error))
                throw new FuzzCheckException($"re-encoded UPDATE does not decode: {error}");
            if (back.Errors.Count > 0)
                throw new FuzzCheckException($"re-encoded UPDATE decodes with errors: {string.Join("; ", back.Errors)}");
            byte[] second = back.ToArray(new UpdateEncodeContext(u.FourOctetAs, u.AddPathReceive, false, ctx.MaxMessageLength));
            if (!second.AsSpan().SequenceEqual(first))
                throw new FuzzCheckException($"UPDATE re-encodes differently the second time:\n {Convert.ToHexString(first)}\n {Convert.ToHexString(second)}");
        }
    }

    /// <summary>
    /// The framer target: octet 0 is the context (only bit 1, Extended Messages, matters to the framer) and seeds
    /// how the stream is cut into TCP-like segments; the rest is the stream. The same stream goes through the span
    /// framer, the sequence framer over those segments and <see cref="BgpMessageReader"/> over a pipe fed those
    /// segments; all three must cut the same messages and stop at the same error, and each message is decoded.
    /// </summary>
    public static void Framer(byte[] input)
    {
        if (input.Length == 0) return;
        var ctx = Context(input[0]);
        byte[] stream = input[1..];
        int max = ctx.MaxMessageLength;
        var segments = Segments(stream, input[0]);

        // 1. Span framer, as the connection's read loop uses it.
        var expected = new List<byte[]>();
        WireError? spanError = null;
        int offset = 0;
        while (true)
        {
            int n = BgpFramer.TryReadMessage(stream.AsSpan(offset), max, out WireError? error);
            if (n < 0) { spanError = error ?? throw new FuzzCheckException("-1 without an error"); break; }
            if (n == 0) break;
            if (n < BgpHeader.Size) throw new FuzzCheckException($"framed a message of {n} octets");
            expected.Add(stream[offset..(offset + n)]);
            offset += n;
        }
        int trailing = spanError is null ? stream.Length - offset : 0;

        // 2. Sequence framer over the segments.
        var seq = Sequence(segments);
        int k = 0;
        WireError? seqError = null;
        while (true)
        {
            if (!BgpFramer.TryReadMessage(ref seq, max, out var message, out var error))
            {
                seqError = error;
                break;
            }
            if (k >= expected.Count || !message.ToArray().AsSpan().SequenceEqual(expected[k]))
                throw new FuzzCheckException($"sequence framer disagrees with span framer at message {k}");
            var decoded = BgpMessageCodec.TryDecode(message, ctx, out var viaSequence, out var seqDecodeError);
            var direct = BgpMessageCodec.TryDecode(expected[k], ctx, out var viaSpan, out var spanDecodeError);
            if (decoded != direct || (decoded && viaSequence is not BgpUpdate && !Equals(viaSequence, viaSpan))
                || (!decoded && (seqDecodeError!.Code, seqDecodeError.Subcode) != (spanDecodeError!.Code, spanDecodeError.Subcode)))
                throw new FuzzCheckException($"message {k} decodes differently from a sequence and from a span");
            k++;
        }
        if (k != expected.Count) throw new FuzzCheckException($"sequence framer cut {k} messages, span framer {expected.Count}");
        SameError(spanError, seqError, "sequence framer");

        // 3. The pipe reader, as the connection actor runs it.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 64, useSynchronizationContext: false));
        foreach (var segment in segments)
        {
            pipe.Writer.Write(segment.Span);
            pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }
        pipe.Writer.Complete();
        var reader = new BgpMessageReader(pipe.Reader, max);
        k = 0;
        while (true)
        {
            BgpFrame frame = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            if (frame.Status == FrameStatus.Message)
            {
                if (k >= expected.Count || !frame.Message.Span.SequenceEqual(expected[k]))
                    throw new FuzzCheckException($"pipe reader disagrees with span framer at message {k}");
                DecodeAndCheck(frame.Message.ToArray(), ctx);
                k++;
                continue;
            }
            if (k != expected.Count) throw new FuzzCheckException($"pipe reader cut {k} messages, span framer {expected.Count}");
            if (frame.Status == FrameStatus.Error)
            {
                SameError(spanError, frame.Error, "pipe reader");
                if (frame.Error is { } e) CheckError(e, stream.Length, ctx);
            }
            else if (frame.Status == FrameStatus.EndOfStream)
            {
                if (spanError is not null) throw new FuzzCheckException($"pipe reader ended cleanly where the span framer found {spanError}");
                if (frame.TrailingBytes != trailing)
                    throw new FuzzCheckException($"pipe reader left {frame.TrailingBytes} trailing octets, span framer {trailing}");
            }
            else throw new FuzzCheckException($"pipe reader returned {frame.Status}");
            break;
        }
        reader.Complete();
    }

    private static void SameError(WireError? a, WireError? b, string who)
    {
        if ((a is null) != (b is null) || (a is not null && (a.Code, a.Subcode) != (b!.Code, b.Subcode)))
            throw new FuzzCheckException($"{who} stops with {b?.ToString() ?? "no error"}, span framer with {a?.ToString() ?? "no error"}");
    }

    /// <summary>Cuts the stream into 1..4096-octet pieces with a small generator seeded by the context octet,
    /// so the same input always gives the same segments.</summary>
    private static List<ReadOnlyMemory<byte>> Segments(byte[] stream, byte seed)
    {
        var result = new List<ReadOnlyMemory<byte>>();
        uint state = 0x9E3779B9u ^ seed;
        int at = 0;
        while (at < stream.Length)
        {
            state ^= state << 13; state ^= state >> 17; state ^= state << 5;
            int size = (state % 4) switch { 0 => 1 + (int)(state >> 8) % 7, 1 => 1 + (int)(state >> 8) % 40, 2 => 1 + (int)(state >> 8) % 600, _ => 4096 };
            size = Math.Min(size, stream.Length - at);
            result.Add(stream.AsMemory(at, size));
            at += size;
        }
        return result;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    private static ReadOnlySequence<byte> Sequence(List<ReadOnlyMemory<byte>> segments)
    {
        if (segments.Count == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(segments[0], 0);
        var last = first;
        foreach (var s in segments.Skip(1)) last = last.Append(s);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
