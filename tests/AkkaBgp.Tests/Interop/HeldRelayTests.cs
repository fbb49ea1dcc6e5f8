using System.Net;
using System.Net.Sockets;
using AkkaBgp.Interop;
using AkkaBgp.Tests.Transport;

namespace AkkaBgp.Tests.Interop;

/// <summary>
/// The collision tests (<see cref="CollisionInteropTests"/>) tell a refused dial from a collision by what the relay
/// saw; a relay that got this wrong would count a round without a collision, or retry a real one.
/// </summary>
public sealed class HeldRelayTests
{
    // A KEEPALIVE: the smallest whole BGP message (RFC 4271 4.4).
    private static readonly byte[] Message = [.. Enumerable.Repeat((byte)0xff, 16), 0, 19, 4];

    [Fact]
    public async Task A_target_that_closes_a_connection_unheard_after_the_dialer_spoke_is_a_refusal()
    {
        var (relay, target, dialer) = await ConnectedAsync();
        await using var _ = relay;
        using var accepted = await target.AcceptAsync();
        await dialer.SendAsync(Message);
        accepted.Close();
        Assert.True(await HeldRelay.TryWaitAsync(() => relay.Refused, TimeSpan.FromSeconds(10)), relay.Describe());
        dialer.Dispose();
        target.Dispose();
    }

    [Fact]
    public async Task A_target_that_closes_a_connection_as_it_accepts_it_before_the_dialer_spoke_is_a_refusal()
    {
        // Our listener refuses an Idle session's peer on accept: the dialer's OPEN has not reached the relay yet.
        var (relay, target, dialer) = await ConnectedAsync();
        await using var _ = relay;
        using var accepted = await target.AcceptAsync();
        accepted.Close();
        Assert.True(await HeldRelay.TryWaitAsync(() => relay.Refused, TimeSpan.FromSeconds(10)), relay.Describe());
        dialer.Dispose();
        target.Dispose();
    }

    [Fact]
    public async Task A_dialer_that_closes_before_speaking_or_a_target_that_answered_is_no_refusal()
    {
        // The dialer gives up its own connection before its first message; the target closes only after seeing that.
        var (relay, target, dialer) = await ConnectedAsync();
        await using (relay)
        {
            using var accepted = await target.AcceptAsync();
            dialer.Close();
            Assert.True(await HeldRelay.TryWaitAsync(() => relay.Describe().Contains("closed True"), TimeSpan.FromSeconds(10)), relay.Describe());
            accepted.Close();
            Assert.True(await HeldRelay.TryWaitAsync(() => relay.AllSentBeyond(0), TimeSpan.FromSeconds(10)), relay.Describe());
            Assert.False(relay.Refused, relay.Describe());
            target.Dispose();
        }

        // The target answers, then closes: an ordinary close, not a refusal.
        (relay, target, dialer) = await ConnectedAsync();
        await using (relay)
        {
            using var accepted = await target.AcceptAsync();
            await dialer.SendAsync(Message);
            await accepted.SendAsync(Message);
            relay.PassMessages(1);
            accepted.Close();
            Assert.True(await HeldRelay.TryWaitAsync(() => relay.AllSentBeyond(0) && relay.Describe().Contains("closed True"), TimeSpan.FromSeconds(10)), relay.Describe());
            Assert.False(relay.Refused, relay.Describe());
            dialer.Dispose();
            target.Dispose();
        }
    }

    private static async Task<(HeldRelay Relay, Socket Target, Socket Dialer)> ConnectedAsync()
    {
        var address = Loopback.NextAddress();
        var target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        target.Bind(new IPEndPoint(address, 0));
        target.Listen(4);
        var relay = new HeldRelay(new IPEndPoint(address, 0), (IPEndPoint)target.LocalEndPoint!, address);
        relay.Arm();
        var dialer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await dialer.ConnectAsync(relay.Listen);
        Assert.True(await HeldRelay.TryWaitAsync(() => relay.Connections == 1, TimeSpan.FromSeconds(10)), relay.Describe());
        return (relay, target, dialer);
    }
}
