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

        // 64 announcements and 64 withdrawals per family, each acknowledged only after both partitions applied it;
        // between the two passes the throwaway RIB held 64 x 16 prefixes of each family (IPv6 through MP_REACH_NLRI).
        Assert.Equal(256, result.Acknowledged);
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
