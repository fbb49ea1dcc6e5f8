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
/// The synthetic peer and routes are documentation and benchmarking numbers (192.0.2.1, AS 64496, 198.18.0.0/15:
/// RFC 5737, RFC 5398, RFC 2544); none of it reaches a real table, a neighbor or the best-path event stream.
/// </para>
/// </summary>
public static class RibWarmUp
{
    private const int Updates = 64;
    private const int PrefixesEach = 16;
    private const uint PeerAs = 64496;
    private static readonly IPAddress Peer = IPAddress.Parse("192.0.2.1");

    /// <summary>Runs the warm-up under <paramref name="name"/>; completes when the throwaway RIB has applied everything
    /// and stopped, or when <paramref name="timeout"/> has passed (then it is stopped anyway). Returns the UPDATEs it
    /// saw acknowledged.</summary>
    public static async Task<int> RunAsync(ActorSystem system, RibSettings settings, TimeSpan timeout, string name = "rib-warm-up")
    {
        var acked = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        int expected = Updates * 2;
        var connection = system.ActorOf(Props.Create(() => new Connection(expected, acked)), name + "-connection");
        var rib = system.ActorOf(RibActor.Props(settings with { LogSessions = false }, _ => NeighborRibConfig.Default), name);
        try
        {
            var session = new NegotiatedSession(TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(30), new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast },
                FourOctetAs: true, RouteRefresh: true, EnhancedRouteRefresh: false, ExtendedMessages: false, PeerAs, 0xC0000201, null, []);
            rib.Tell(new PeerUp(Peer, session, connection), ActorRefs.NoSender);
            var context = new DecodeContext { Update = new UpdateDecodeContext(true, PeerKind.External, default, peerAs: PeerAs) };
            foreach (var message in Messages())
            {
                if (!BgpMessageCodec.TryDecode(message, context, out var decoded, out _) || decoded is not BgpUpdate update) continue;
                rib.Tell(new PeerUpdate(Peer, update.Update, update.Update.Errors, connection), ActorRefs.NoSender);
            }
            var finished = await Task.WhenAny(acked.Task, Task.Delay(timeout)).ConfigureAwait(false);
            if (finished == acked.Task)
                await rib.Ask<RibSummary>(GetRibSummary.Instance, timeout).ConfigureAwait(false);
            rib.Tell(new PeerDown(Peer, "warm-up done", 0, false), ActorRefs.NoSender);
            return acked.Task.IsCompleted ? await acked.Task.ConfigureAwait(false) : 0;
        }
        finally
        {
            await rib.GracefulStop(timeout).ConfigureAwait(false);
            connection.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>Each UPDATE announces <see cref="PrefixesEach"/> /24s of 198.18.0.0/15 with its own MED (so each is a new
    /// attribute set), then each is withdrawn again.</summary>
    private static IEnumerable<byte[]> Messages()
    {
        var encode = new UpdateEncodeContext { FourOctetAs = true };
        var buffer = new byte[BgpHeader.MaxMessageLength];
        for (int pass = 0; pass < 2; pass++)
            for (int u = 0; u < Updates; u++)
            {
                var nlri = new NlriEntry[PrefixesEach];
                for (int i = 0; i < PrefixesEach; i++)
                {
                    uint block = (uint)(u * PrefixesEach + i);
                    nlri[i] = new NlriEntry(Prefix.IPv4((198u << 24) | (18u << 16) | (block << 8), 24));
                }
                var attributes = new PathAttributesBuilder
                {
                    Origin = Origin.Igp,
                    AsPath = AsPath.Sequence(PeerAs, 64497 + (uint)(u % 4)),
                    NextHop = 0xC0000201,
                    MultiExitDisc = (uint)u,
                }.Build();
                int length = pass == 0
                    ? UpdateEncoder.WriteIPv4(buffer, encode, [], attributes, nlri)
                    : UpdateEncoder.WriteIPv4(buffer, encode, nlri, null, []);
                yield return buffer.AsSpan(0, length).ToArray();
            }
    }

    /// <summary>Stands in for the session's connection: counts acknowledged UPDATEs, drops what the RIB sends it.</summary>
    private sealed class Connection : ReceiveActor
    {
        public Connection(int expected, TaskCompletionSource<int> acked)
        {
            int count = 0;
            Receive<UpdatesProcessed>(u =>
            {
                count += u.Count;
                if (count >= expected) acked.TrySetResult(count);
            });
            ReceiveAny(_ => { });
        }
    }
}
