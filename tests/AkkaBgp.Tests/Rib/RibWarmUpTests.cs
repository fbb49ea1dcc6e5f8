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

        int applied = await RibWarmUp.RunAsync(Sys, settings, TimeSpan.FromSeconds(20));

        // 64 announcements and 64 withdrawals, each acknowledged only after both partitions applied it.
        Assert.Equal(128, applied);
        await AwaitAssertAsync(async () =>
        {
            await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/rib-warm-up").ResolveOne(TimeSpan.FromSeconds(1)));
            await Assert.ThrowsAsync<ActorNotFoundException>(() => Sys.ActorSelection("/user/rib-warm-up-connection").ResolveOne(TimeSpan.FromSeconds(1)));
        }, TimeSpan.FromSeconds(10));
        var summary = await real.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(5));
        Assert.Equal(0, summary.Families["ipv4-unicast"].Prefixes);
        Assert.Empty(summary.Neighbors);
    }
}
