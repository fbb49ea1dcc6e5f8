using System.Net;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rib;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Transport;

public sealed class AdjRibInTests : BgpTestKit
{
    private static readonly IPAddress PeerA = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress PeerB = IPAddress.Parse("192.0.2.2");

    private static UpdateMessage Decode(byte[] message)
    {
        Assert.True(UpdateMessage.TryDecode(message.AsSpan(19), new UpdateDecodeContext(false), out var u, out var e), e?.ToString());
        return u!;
    }

    /// <summary>UPDATE with the given withdrawn and announced IPv4 /24s (10.0.n.0/24); optionally a malformed ORIGIN (treat-as-withdraw).</summary>
    private static UpdateMessage Update(int[] withdrawn, int[] announced, bool badOrigin = false)
    {
        var w = withdrawn.SelectMany(n => new byte[] { 24, 10, 0, (byte)n }).ToArray();
        byte[] attrs = announced.Length == 0 ? [] :
            [0x40, 1, 1, (byte)(badOrigin ? 7 : 0), 0x40, 2, 4, 2, 1, 0xFD, 0xE9, 0x40, 3, 4, 192, 0, 2, 1];
        var nlri = announced.SelectMany(n => new byte[] { 24, 10, 0, (byte)n }).ToArray();
        var body = new List<byte>();
        body.AddRange([(byte)(w.Length >> 8), (byte)w.Length]);
        body.AddRange(w);
        body.AddRange([(byte)(attrs.Length >> 8), (byte)attrs.Length]);
        body.AddRange(attrs);
        body.AddRange(nlri);
        return Decode([.. new byte[19], .. body]);
    }

    private AdjRibInSnapshot Query(IActorRef rib, IPAddress? peer = null)
    {
        rib.Tell(new GetAdjRibIn(peer), TestActor);
        return ExpectMsg<AdjRibInSnapshot>();
    }

    [Fact]
    public void Stores_announcements_applies_withdrawals_and_treat_as_withdraw_and_acknowledges_each_update()
    {
        var rib = Sys.ActorOf(AdjRibIn.Props());
        var connection = CreateTestProbe();
        rib.Tell(new PeerUpdate(PeerA, Update([], [1, 2, 3]), [], connection.Ref));
        connection.ExpectMsg(new UpdatesProcessed(1));
        rib.Tell(new PeerUpdate(PeerA, Update([2], []), [], connection.Ref));
        connection.ExpectMsg(new UpdatesProcessed(1));
        var taw = Update([], [3], badOrigin: true);
        Assert.True(taw.IsTreatAsWithdraw);
        rib.Tell(new PeerUpdate(PeerA, taw, taw.Errors, connection.Ref));
        connection.ExpectMsg(new UpdatesProcessed(1));
        rib.Tell(new PeerUpdate(PeerB, Update([], [9]), [], connection.Ref));
        connection.ExpectMsg(new UpdatesProcessed(1));

        var all = Query(rib);
        Assert.Equal(2, all.TotalIpv4);
        var a = all.For(PeerA)!;
        Assert.Equal(["10.0.1.0/24"], a.Ipv4.Select(p => p.ToString()));
        Assert.Equal(3, a.UpdatesReceived);
        Assert.Equal(1, a.TreatAsWithdrawCount);
        Assert.Equal(["10.0.9.0/24"], Query(rib, PeerB).For(PeerB)!.Ipv4.Select(p => p.ToString()));
        Assert.Single(Query(rib, PeerB).Neighbors);
    }

    [Fact]
    public void PeerDown_drops_only_that_neighbors_routes()
    {
        var rib = Sys.ActorOf(AdjRibIn.Props());
        var connection = CreateTestProbe();
        rib.Tell(new PeerUpdate(PeerA, Update([], [1, 2]), [], connection.Ref));
        rib.Tell(new PeerUpdate(PeerB, Update([], [3]), [], connection.Ref));
        rib.Tell(new PeerDown(PeerA, "hold timer expired", BgpEvent.HoldTimerExpires, EndedByNotification: true));
        var all = Query(rib);
        Assert.Equal(0, all.For(PeerA)!.Ipv4Count);
        Assert.False(all.For(PeerA)!.Up);
        Assert.Equal(1, all.For(PeerB)!.Ipv4Count);
        Assert.Equal(1, all.TotalIpv4);
    }
}
