using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;

namespace AkkaBgp.Tests.Rib;

/// <summary>The start-up warm-up (<see cref="RibWarmUp"/>): it must really drive the UPDATE path, and leave neither
/// actors nor routes behind in the service's RIB.</summary>
public sealed class RibWarmUpTests : BgpTestKit
{
    public RibWarmUpTests() : base(virtualTime: false) { }

    [Fact]
    public async Task Every_synthetic_UPDATE_is_applied_by_a_throwaway_RIB_that_then_stops_and_the_real_RIB_stays_empty()
    {
        var settings = new RibSettings { LocalAs = 65000, RouterId = 0x0A000001, Partitions = 2 };
        var real = Sys.ActorOf(RibActor.Props(settings, _ => NeighborRibConfig.Default), "rib");

        var result = await RibWarmUp.RunAsync(Sys, settings, TimeSpan.FromSeconds(20));

        // 64 announcements and 64 withdrawals per family, each acknowledged only after both partitions applied it, and
        // the announcements' End-of-RIB for each family (which has the partitions sweep stale paths, RFC 4724 4.2);
        // between the two passes the throwaway RIB held 64 x 16 prefixes of each family (IPv6 through MP_REACH_NLRI).
        Assert.Equal(258, result.Acknowledged);
        Assert.Equal(1024, result.Ipv4Prefixes);
        Assert.Equal(1024, result.Ipv6Prefixes);
        await AwaitAssertAsync(async () =>
        {
            await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/rib-warm-up").ResolveOne(TimeSpan.FromSeconds(1)));
            await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/rib-warm-up-connection").ResolveOne(TimeSpan.FromSeconds(1)));
        }, TimeSpan.FromSeconds(10));
        var summary = await real.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(0, summary.Families["ipv4-unicast"].Prefixes);
        Assert.Equal(0, summary.Families.TryGetValue("ipv6-unicast", out var ipv6) ? ipv6.Prefixes : 0);
        Assert.Empty(summary.Neighbors);
    }
}

/// <summary>A partition stopped with a session's end still to apply (the warm-up's throwaway RIB stops right after its
/// synthetic session ends) leaves its note to self behind; that must not be logged as a dead letter on every start.</summary>
public sealed class PartitionStopTests : BgpTestKit
{
    public PartitionStopTests() : base(virtualTime: false) { }

    [Fact]
    public void A_partition_stopped_before_applying_an_ended_session_leaves_no_logged_dead_letter()
    {
        var settings = new RibSettings { LocalAs = 65000, RouterId = 0x0A000001, Partitions = 1 };
        var partition = Sys.ActorOf(LocRibPartition.Props(0, settings, AkkaBgp.Rib.Tables.RibPeer.Local(65000, 0x0A000001)), "loc-rib-stopped");
        var letters = CreateTestProbe();
        Sys.EventStream.Subscribe(letters.Ref, typeof(Akka.Event.AllDeadLetters));

        // Both in the mailbox before the partition runs, so the down is collected into a run and the note that applies
        // the run is queued behind the PoisonPill. Sent while the partition is suspended: otherwise it may take the down
        // before the PoisonPill is queued (a fresh clone's run did, 2026-12-06), and the note then runs first. Suspend is
        // a system message, handled before any user message, and it is queued before these two.
        var cell = (IInternalActorRef)partition;
        cell.Suspend();
        partition.Tell(new PartitionPeerDown(3), TestActor);
        partition.Tell(PoisonPill.Instance);
        cell.Resume();

        var note = letters.FishForMessage<Akka.Event.AllDeadLetters>(l => l.Message.GetType().Name == "ApplySessionsEnded", TimeSpan.FromSeconds(10));
        Assert.IsType<Akka.Event.SuppressedDeadLetter>(note);
    }
}
