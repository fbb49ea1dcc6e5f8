using System.Net;
using Akka.Actor;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Rib.Engine;

/// <summary>
/// Compiles the route-receiving path before the first neighbor needs it. The service runs with tiered compilation off
/// (each method is compiled, fully optimised, on its first call), so the first full table paid for compiling the UPDATE
/// decoder, Adj-RIB-In, the Loc-RIB partitions and their tables while its routes waited: perf on a W1 load (1M
/// prefixes, 2026-12-05) showed the JIT taking one core for the first ~0.25 s of it. This sends a few synthetic
/// UPDATEs, decoded by the same codec, through a throwaway <see cref="RibActor"/> (its own partitions, never the
/// service's), withdraws them, asks for a summary and stops it: what is compiled then is shared by every RIB.
/// <para>
/// Both unicast families go through it, IPv6 as MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760): an IPv6 table has its
/// own decoder paths, its own prefix index and its own attribute-set comparer, which a 200k IPv6 load (W4) had
/// otherwise compiled in its first ~0.1 s (2026-12-06, perf: libclrjit 27 % of the load's samples). The import
/// filter is an accept-all one, so that the filter's evaluation is compiled too (a configured policy is applied by
/// the same code).
/// </para>
/// <para>
/// The announcements end with an End-of-RIB for each family (RFC 4724 2), as a full table does: it has every partition
/// sweep the peer's stale paths, and that path (the partition's batched session ends) was otherwise compiled when the
/// first real table's End-of-RIB arrived, ahead of the first summary that could show the table complete (perf on W4,
/// 2026-12-06: ~5 ms of JIT in the last ~15 ms of a ~0.1 s load).
/// </para>
/// <para>
/// The synthetic peer and routes are documentation and benchmarking numbers (192.0.2.1, AS 64496, 198.18.0.0/15,
/// 2001:db8::/32: RFC 5737, RFC 5398, RFC 2544, RFC 3849); none of it reaches a real table, a neighbor or the
/// best-path event stream.
/// </para>
/// </summary>
public static class RibWarmUp
{
    /// <summary>UPDATEs per family and pass (announce, then withdraw).</summary>
    private const int Updates = 64;
    private const int PrefixesEach = 16;
    private const int RepeatAfter = 48;
    private const uint PeerAs = 64496;
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.1");

    /// <summary>What the warm-up saw: the UPDATEs the throwaway RIB acknowledged, and the prefixes of each family it held
    /// between the announcements and the withdrawals.</summary>
    public readonly record struct Result(int Acknowledged, long Ipv4Prefixes, long Ipv6Prefixes);

    /// <summary>Runs the warm-up under <paramref name="name"/>; completes when the throwaway RIB has applied everything
    /// and stopped, or when <paramref name="timeout"/> has passed (then it is stopped anyway).</summary>
    public static async Task<Result> RunAsync(ActorSystem system, RibSettings settings, TimeSpan timeout, string name = "rib-warm-up")
    {
        var announced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var withdrawn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Every UPDATE is acknowledged, End-of-RIBs too: two families, and the announcements' two End-of-RIBs.
        int announcements = Updates * 2 + 2, withdrawals = Updates * 2;
        var connection = system.ActorOf(Props.Create(() => new Connection(announcements, withdrawals, announced, withdrawn)), name + "-connection");
        var policy = new NeighborRibConfig(null, null, PeerRibSettings.Default with { Import = RouteFilter.AcceptAll });
        var rib = system.ActorOf(RibActor.Props(settings with { LogSessions = false }, _ => policy), name);
        try
        {
            var session = new NegotiatedSession(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast },
                FourOctetAs: true, RouteRefresh: true, EnhancedRouteRefresh: false, ExtendedMessages: false, PeerAs, 0xC0000201, null, []);
            rib.Tell(new PeerUp(Peer, session, connection), ActorRefs.NoSender);
            var context = new DecodeContext { Update = new UpdateDecodeContext(true, PeerKind.External, default, peerAs: PeerAs) };
            int acknowledged = 0;
            long ipv4 = 0, ipv6 = 0;
            for (int pass = 0; pass < 2; pass++)
            {
                // In batches, as the FSM passes on what one receive brought (PeerUpdates).
                var batch = new List<BgpUpdate>();
                foreach (var message in Messages(withdraw: pass == 1))
                {
                    if (!BgpMessageCodec.TryDecode(message, context, out var decoded, out _) || decoded is not BgpUpdate update) continue;
                    batch.Add(update);
                    if (batch.Count < 16) continue;
                    rib.Tell(new PeerUpdates(Peer, batch.ToArray(), connection), ActorRefs.NoSender);
                    batch.Clear();
                }
                if (batch.Count > 0) rib.Tell(new PeerUpdates(Peer, batch.ToArray(), connection), ActorRefs.NoSender);
                var done = pass == 0 ? announced.Task : withdrawn.Task;
                if (await Task.WhenAny(done, Task.Delay(timeout)).ConfigureAwait(false) != done) break;
                acknowledged += pass == 0 ? announcements : withdrawals;
                if (pass == 0)
                {
                    // The summary is also compiled here, as the management API's first poll would.
                    var summary = await rib.Ask<RibSummary>(GetRibSummary.Instance, timeout).ConfigureAwait(false);
                    ipv4 = summary.Families.TryGetValue("ipv4-unicast", out var f4) ? f4.Prefixes : 0;
                    ipv6 = summary.Families.TryGetValue("ipv6-unicast", out var f6) ? f6.Prefixes : 0;
                }
            }
            rib.Tell(new PeerDown(Peer, "warm-up done", 0, false), ActorRefs.NoSender);
            return new Result(acknowledged, ipv4, ipv6);
        }
        finally
        {
            await rib.GracefulStop(timeout).ConfigureAwait(false);
            connection.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>Each UPDATE announces <see cref="PrefixesEach"/> /25s of 198.18.0.0/15 (1,024 fit), or /48s of
    /// 2001:db8::/32, then each is withdrawn again; the two families alternate. The announcements end with both
    /// families' End-of-RIB. The attribute sets (MED, and communities on every other one) repeat after
    /// <see cref="RepeatAfter"/> UPDATEs: a set the partition already holds is looked up by other code than a new one
    /// (W4, 2026-12-06: the interner's lookup and comparer were compiled during the load), and reading communities runs
    /// their type's static constructor.</summary>
    private static IEnumerable<byte[]> Messages(bool withdraw)
    {
        var encode = new UpdateEncodeContext { FourOctetAs = true };
        var buffer = new byte[BgpHeader.MaxMessageLength];
        byte[] ipv6NextHop = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        for (int u = 0; u < Updates; u++)
        {
            var ipv4 = new NlriEntry[PrefixesEach];
            var ipv6 = new NlriEntry[PrefixesEach];
            for (int i = 0; i < PrefixesEach; i++)
            {
                uint block = (uint)(u * PrefixesEach + i);
                ipv4[i] = new NlriEntry(Prefix.IPv4((198u << 24) | (18u << 16) | (block << 7), 25));
                ipv6[i] = new NlriEntry(Prefix.IPv6(((UInt128)0x20010db8 << 96) | ((UInt128)block << 80), 48));
            }
            var builder = new PathAttributesBuilder
            {
                Origin = Origin.Igp,
                AsPath = AsPath.Sequence(PeerAs, 64497 + (uint)(u % 4)),
                NextHop = 0xC0000201,
                MultiExitDisc = (uint)(u % RepeatAfter),
            };
            if (u % 2 == 0) builder.Communities.Add(new Community((ushort)PeerAs, (ushort)(u % RepeatAfter)));
            var attributes = builder.Build();
            int length = withdraw
                ? UpdateEncoder.WriteIPv4(buffer, encode, ipv4, null, [])
                : UpdateEncoder.WriteIPv4(buffer, encode, [], attributes, ipv4);
            yield return buffer.AsSpan(0, length).ToArray();
            length = withdraw
                ? UpdateEncoder.WriteMp(buffer, encode, Afi.Ipv6, Safi.Unicast, ipv6, null, default, [])
                : UpdateEncoder.WriteMp(buffer, encode, Afi.Ipv6, Safi.Unicast, [], attributes, ipv6NextHop, ipv6);
            yield return buffer.AsSpan(0, length).ToArray();
        }
        if (!withdraw)
        {
            yield return UpdateEncoder.EndOfRib(Afi.Ipv4, Safi.Unicast);
            yield return UpdateEncoder.EndOfRib(Afi.Ipv6, Safi.Unicast);
        }
    }

    /// <summary>Stands in for the session's connection: counts acknowledged UPDATEs, drops what the RIB sends it.</summary>
    private sealed class Connection : ReceiveActor
    {
        public Connection(int announcements, int withdrawals, TaskCompletionSource announced, TaskCompletionSource withdrawn)
        {
            int count = 0;
            Receive<UpdatesProcessed>(u =>
            {
                count += u.Count;
                if (count >= announcements) announced.TrySetResult();
                if (count >= announcements + withdrawals) withdrawn.TrySetResult();
            });
            ReceiveAny(_ => { });
        }
    }
}
