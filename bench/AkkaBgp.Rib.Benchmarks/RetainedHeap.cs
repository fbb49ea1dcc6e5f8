using System.Net;
using System.Runtime.CompilerServices;
using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>What one load left alive on the managed heap once its UPDATEs were gone.</summary>
public sealed record RetainedFigure(string Load, int Paths, int Prefixes, long Bytes, int AttributeSets = 0)
{
    public double BytesPerPath => (double)Bytes / Paths;
    /// <summary>MiB retained per million paths: the unit of the memory budget (a full table is ~1M paths).</summary>
    public double MiBPerMillionPaths => Bytes / 1048576.0 * 1_000_000 / Paths;
    public override string ToString() =>
        $"{Load}: {Prefixes:N0} prefixes, {Paths:N0} paths, retained {Bytes / 1048576.0:N1} MiB = {BytesPerPath:N1} bytes/path, {MiBPerMillionPaths:N1} MiB per 1M paths, {AttributeSets:N0} attribute sets";
}

/// <summary>
/// Retained heap after a load: the bytes that stay reachable once every UPDATE has been processed and dropped, which
/// is what a full table costs a running speaker for as long as it holds it. Measured as the difference of
/// <see cref="GC.GetTotalMemory(bool)"/> (after a full blocking collection) plus the tables' native memory around the load, with everything the load
/// needs but does not keep (the generated UPDATEs) created and dropped inside a non-inlined method, so no hidden local
/// of the caller keeps it alive.
///
/// One implementation for three users: the memory regression test (tests/AkkaBgp.Tests/Rib/RetainedHeapTests.cs,
/// which holds the figures to a budget on every CI run), the BenchmarkDotNet suite <see cref="RetainedHeapBenchmarks"/>
/// (the figure as a column next to time and allocations) and <c>--retained</c> on the command line.
/// </summary>
public static class RetainedHeap
{
    private static object? _keep;

    /// <summary>The managed heap after a full collection, plus what the tables hold in native memory (the IPv4 prefix
    /// index, <see cref="PrefixTable.NativeBytesInUse"/>), after the finalizers of dropped tables have given theirs back.</summary>
    private static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(true) + PrefixTable.NativeBytesInUse;
    }

    /// <summary>W1 into the table alone: one peer's prefixes through attribute interning, insertion and best path.</summary>
    public static RetainedFigure Table(int prefixes)
    {
        _keep = null;
        long before = Retained();
        int paths = LoadTable(prefixes);
        long after = Retained();
        var figure = new RetainedFigure($"table, 1 peer x {prefixes:N0}", paths, prefixes, after - before);
        _keep = null;
        return figure;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int LoadTable(int prefixes)
    {
        var updates = SyntheticTable.Updates(SyntheticTable.Prefixes(prefixes, 1), 65001, 1);
        var peers = new[] { new RibPeer { Slot = 1, Address = IPAddress.Parse("127.0.1.10"), PeerAs = 65001, LocalAs = 65000, RouterId = 1 } };
        var (table, _) = TableLoad.Into(updates, peers, expected: prefixes);
        _keep = table;
        return table.PathCount;
    }

    /// <summary>
    /// The service's shape: <paramref name="peers"/> sessions each announcing the same <paramref name="prefixes"/>
    /// (with different attributes) as PeerUpdate messages into <see cref="RibActor"/> with
    /// <paramref name="partitions"/> Loc-RIB partitions, import all, export none (as the shared bench configures
    /// every daemon). Adj-RIB-In, Loc-RIB, per-peer and per-partition state are all in the figure; the actor
    /// system's own heap is not (it is in the baseline).
    /// </summary>
    public static RetainedFigure ThroughRibActor(int peers, int prefixes, int partitions)
    {
        using var system = ActorSystem.Create("retained-heap", "akka.loglevel = WARNING");
        var done = new AckCompletion();
        var connections = Enumerable.Range(0, peers)
            .Select(i => system.ActorOf(Props.Create(() => new AckCounter(done)), $"conn-{i}")).ToArray();
        _keep = null;
        long before = Retained();
        var rib = LoadRib(system, connections, done, prefixes, partitions);
        var (paths, prefixCount, sets) = Summary(rib);
        long after = Retained();
        GC.KeepAlive(rib);
        return new RetainedFigure($"RIB actor, {partitions} partition(s), {peers} peer(s) x {prefixes:N0}", paths, prefixCount, after - before, sets);
    }

    private static readonly PeerRibSettings ExportNone = new() { Export = new RouteFilter([], FilterVerdict.Reject) };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IActorRef LoadRib(ActorSystem system, IActorRef[] connections, AckCompletion done, int prefixes, int partitions)
    {
        var settings = new RibSettings { LocalAs = 65000, RouterId = 0x7F000101, Partitions = partitions };
        var rib = system.ActorOf(RibActor.Props(settings, _ => new NeighborRibConfig(IPAddress.Parse("127.0.1.1"), null, ExportNone)), "rib");
        var table = SyntheticTable.Prefixes(prefixes, 2);
        for (int i = 0; i < connections.Length; i++)
        {
            var address = IPAddress.Parse($"127.0.1.{10 + i}");
            var session = new NegotiatedSession(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast },
                true, true, false, false, (uint)(65001 + i), (uint)(0x7F00010A + i), null, []);
            rib.Tell(new PeerUp(address, session, connections[i]), ActorRefs.NoSender);
            // One peer's UPDATEs at a time, each peer's dropped before the next is generated: the retained figure
            // must not depend on how many UPDATEs were alive at once.
            var updates = SyntheticTable.Updates(table, (uint)(65001 + i), i + 1);
            done.Expect(updates.Count);
            foreach (var u in updates) rib.Tell(new PeerUpdate(address, u, u.Errors, connections[i]), ActorRefs.NoSender);
            done.Task.GetAwaiter().GetResult();
        }
        return rib;
    }

    private static (int Paths, int Prefixes, int AttributeSets) Summary(IActorRef rib)
    {
        var summary = rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        var v4 = summary.Families["ipv4-unicast"];
        return ((int)v4.Paths, (int)v4.Prefixes, summary.AttributeSets);
    }

    /// <summary>Stands in for a session's connection: counts acknowledged UPDATEs, drops what the RIB sends.</summary>
    private sealed class AckCounter : ReceiveActor
    {
        public AckCounter(AckCompletion done)
        {
            Receive<UpdatesProcessed>(u => done.Acked(u.Count));
            ReceiveAny(_ => { });
        }
    }
}
