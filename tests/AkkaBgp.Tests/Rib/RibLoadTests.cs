using System.Net;
using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Session;
using Microsoft.Extensions.Time.Testing;
using static AkkaBgp.Tests.Rib.RibActorTests;
using static AkkaBgp.Tests.Rib.RibTestData;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// The RIB's change rate, which management paging queries give way to (management.rib-query-give-way, issue 19):
/// a load is seen while it runs and forgotten within 200 ms of its end, and a query waits for the end of a load but
/// never longer than its bound. Time is a fake clock; nothing sleeps.
/// </summary>
public sealed class RibLoadTests : BgpTestKit
{
    private static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(25);

    public RibLoadTests() : base(virtualTime: false) { }

    [Fact]
    public async Task A_quiet_rib_reports_no_changes_and_a_query_does_not_wait()
    {
        var load = new RibLoad(new FakeTimeProvider());
        Assert.Equal(0, load.ChangesPerSecond());
        var wait = load.GiveWayAsync(50_000, TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(TimeSpan.Zero, await wait);
    }

    [Fact]
    public void The_rate_sums_the_partitions_and_falls_to_zero_within_200_ms_of_the_last_change()
    {
        var time = new FakeTimeProvider();
        var load = new RibLoad(time);
        // 300k changes a second split over two partitions, 25 ms at a time, for half a second.
        for (int i = 0; i < 20; i++)
        {
            load.Applied(0, 3_750);
            load.Applied(1, 3_750);
            time.Advance(Probe);
        }
        Assert.InRange(load.ChangesPerSecond(), 150_000, 300_000 * 1.01);
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(0, load.ChangesPerSecond());
        Assert.Equal(150_000, load.TotalChanges);
    }

    /// <summary>One probe interval of fake time, with <paramref name="during"/> run first (the load in that interval).</summary>
    private static Func<TimeSpan, CancellationToken, Task> Step(FakeTimeProvider time, Action during) => (d, _) =>
    {
        during();
        time.Advance(d);
        return Task.CompletedTask;
    };

    [Fact]
    public async Task A_query_during_a_load_waits_for_its_end()
    {
        var time = new FakeTimeProvider();
        var load = new RibLoad(time);
        load.Applied(0, 10_000);
        // 400k changes a second for 300 ms, then nothing: the query goes ahead once the window has no load in it.
        long loadEnds = time.GetTimestamp() + TimeSpan.FromMilliseconds(300).Ticks;
        var waited = await load.GiveWayAsync(50_000, TimeSpan.FromSeconds(1), Step(time, () =>
        {
            if (time.GetTimestamp() < loadEnds) load.Applied(0, 10_000);
        }), CancellationToken.None);
        Assert.InRange(waited.TotalMilliseconds, 300, 500);
    }

    [Fact]
    public async Task A_query_never_waits_longer_than_its_bound_even_if_the_load_goes_on()
    {
        var time = new FakeTimeProvider();
        var load = new RibLoad(time);
        load.Applied(0, 10_000);
        var waited = await load.GiveWayAsync(50_000, TimeSpan.FromMilliseconds(500), Step(time, () => load.Applied(0, 10_000)), CancellationToken.None);
        Assert.Equal(TimeSpan.FromMilliseconds(500), waited);
    }

    [Fact]
    public async Task A_load_below_the_threshold_is_not_waited_for()
    {
        // Internet churn: 2,000 changes a second.
        var time = new FakeTimeProvider();
        var load = new RibLoad(time);
        for (int i = 0; i < 10; i++)
        {
            load.Applied(0, 50);
            time.Advance(TimeSpan.FromMilliseconds(25));
        }
        Assert.Equal(TimeSpan.Zero, await load.GiveWayAsync(50_000, TimeSpan.FromSeconds(1), Step(time, () => load.Applied(0, 50)), CancellationToken.None));
    }

    [Fact]
    public async Task Zero_max_wait_never_waits()
    {
        var load = new RibLoad(new FakeTimeProvider());
        load.Applied(0, 1_000_000);
        var wait = load.GiveWayAsync(50_000, TimeSpan.Zero, CancellationToken.None);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Equal(TimeSpan.Zero, await wait);
    }

    [Fact]
    public void The_loc_rib_partitions_count_what_they_apply()
    {
        var rib = Sys.ActorOf(RibActor.Props(RibTestData.Settings with { Partitions = 2 }, new Dictionary<IPAddress, NeighborRibConfig>()));
        var peer = IPAddress.Parse("10.0.0.2");
        var fsm = CreateTestProbe();
        var conn = CreateTestProbe();
        fsm.Send(rib, new PeerUp(peer, RibActorTests.Session(65001, 1), conn.Ref));
        var view = new PeerView();
        Drain(conn, view, v => v.EndOfRib >= 1);
        var before = RibLoad.Get(Sys).TotalChanges;
        rib.Tell(new PeerUpdate(peer, Update(Attrs([65001, 7]), ["203.0.113.0/24", "203.0.112.0/24", "198.51.100.0/24"]), [], conn.Ref));
        Drain(conn, view, v => v.Acked == 1);
        Assert.Equal(3, RibLoad.Get(Sys).TotalChanges - before);
    }
}
