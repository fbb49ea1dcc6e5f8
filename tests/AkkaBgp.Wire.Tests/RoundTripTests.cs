using Xunit.Abstractions;
using System.Buffers;
using AkkaBgp.Wire.Tests.Generators;

namespace AkkaBgp.Wire.Tests;

/// <summary>Seeded random valid messages: encode, decode, compare; and decode, encode, compare octets.</summary>
public class RoundTripTests(ITestOutputHelper output)
{
    private const int Count = 5000;

    private static void RoundTrip(BgpMessage m)
    {
        byte[] bytes = m.ToArray();
        Assert.Equal(m.EncodedLength, bytes.Length);
        bool extended = bytes.Length > BgpHeader.MaxMessageLength;
        BgpMessage back = Decode.Ok(bytes, extended);
        Assert.Equal(m, back);
        Assert.Equal(m.GetHashCode(), back.GetHashCode());
        // And the octets survive decode -> encode unchanged.
        Assert.Equal(bytes, back.ToArray());

        // Both encoders write the same octets.
        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(bytes.Length, BgpMessageCodec.Encode(m, writer, BgpHeader.ExtendedMaxMessageLength));
        Assert.Equal(bytes, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Opens()
    {
        var gen = new MessageGenerator(1001);
        int extended = 0;
        for (int i = 0; i < Count; i++)
        {
            OpenMessage open = gen.Open();
            RoundTrip(open);
            var back = (OpenMessage)Decode.Ok(open.ToArray(), open.EncodedLength > 4096);
            int capsLength = open.Capabilities.Sum(c => c.EncodedLength);
            Assert.Equal(open.UseExtendedOptionalParameters || capsLength > 253, back.UseExtendedOptionalParameters);
            if (back.UseExtendedOptionalParameters) extended++;
        }
        output.WriteLine($"{Count} OPENs, {extended} in the RFC 9072 format");
        Assert.True(extended > Count / 10);
    }

    [Fact]
    public void Notifications()
    {
        var gen = new MessageGenerator(1002);
        int shutdown = 0;
        for (int i = 0; i < Count; i++)
        {
            NotificationMessage n = gen.Notification();
            RoundTrip(n);
            if (n.ShutdownCommunication is { Length: > 0 }) shutdown++;
            Assert.False(string.IsNullOrEmpty(n.Describe()));
        }
        Assert.True(shutdown > Count / 10);
    }

    [Fact]
    public void Route_refreshes_and_keepalives()
    {
        var gen = new MessageGenerator(1003);
        for (int i = 0; i < Count; i++)
            RoundTrip(gen.RouteRefresh());
        RoundTrip(KeepaliveMessage.Instance);
    }

    [Fact]
    public void Capabilities_one_by_one()
    {
        var gen = new MessageGenerator(1004);
        for (int i = 0; i < Count; i++)
        {
            Capability c = gen.Capability();
            var buf = new byte[c.EncodedLength];
            c.Encode(buf);
            Assert.True(Capability.TryDecode(buf[0], buf.AsSpan(2, buf[1]), out var back, out var error), error?.ToString());
            Assert.Equal(c, back);
        }
    }
}
