using Akka.Actor;
using AkkaBgp.Rpki;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Rpki;

/// <summary>Which cache's VRPs are in use (RFC 8210 section 10 preference, failover, expiry) and what the RIB is told.
/// The clients are stand-ins; the test sends their updates.</summary>
public sealed class RpkiActorTests : BgpTestKit
{
    private static readonly RtrCacheSettings A = new("127.0.0.1", 1) { Preference = 1 };
    private static readonly RtrCacheSettings B = new("127.0.0.1", 2) { Preference = 2 };

    private static VrpTable T(params (string Prefix, uint Asn)[] vrps) =>
        new(vrps.Select(v => new Vrp(Prefix.Parse(v.Prefix), (byte)Prefix.Parse(v.Prefix).Length, v.Asn)));

    private static string[] Names(VrpsChanged c) => c.Changed!.Select(p => p.ToString()).Order().ToArray();

    [Fact]
    public void Preferred_synced_cache_wins_failover_keeps_data_and_expiry_moves_on()
    {
        var rib = CreateTestProbe();
        // Listed B first: preference, not order, decides.
        var rpki = Sys.ActorOf(RpkiActor.Props([B, A], rib.Ref, (_, _) => Props.Create(() => new BlackHole())));
        var t1 = T(("10.0.0.0/8", 1), ("192.0.2.0/24", 2));
        rpki.Tell(new RtrCacheUpdate(A, RtrCacheState.Synced, t1));
        var first = rib.ExpectMsg<VrpsChanged>();
        Assert.Same(t1, first.Vrps);
        Assert.Equal(["10.0.0.0/8", "192.0.2.0/24"], Names(first));

        // B syncs the same data: A stays in use; the next thing the RIB hears is about A's own change.
        rpki.Tell(new RtrCacheUpdate(B, RtrCacheState.Synced, T(("10.0.0.0/8", 1), ("192.0.2.0/24", 2))));
        var t1b = T(("10.0.0.0/8", 1), ("192.0.2.0/24", 2), ("198.51.100.0/24", 3));
        rpki.Tell(new RtrCacheUpdate(A, RtrCacheState.Synced, t1b));
        Assert.Equal(["198.51.100.0/24"], Names(rib.ExpectMsg<VrpsChanged>()));

        // A disconnects (data kept): B, synced, takes over; the RIB hears only the difference.
        rpki.Tell(new RtrCacheUpdate(A, RtrCacheState.Disconnected, t1b));
        var switched = rib.ExpectMsg<VrpsChanged>();
        Assert.Equal(["198.51.100.0/24"], Names(switched));
        Assert.Equal(RovState.NotFound, switched.Vrps.Validate(Prefix.Parse("198.51.100.0/24"), 3));

        // B disconnects too: both hold unexpired data, so the preferred one, A, is used again.
        rpki.Tell(new RtrCacheUpdate(B, RtrCacheState.Disconnected, switched.Vrps));
        Assert.Same(t1b, rib.ExpectMsg<VrpsChanged>().Vrps);

        // A's data expires: B's remaining data is used; then B's expires: nothing is left, every route NotFound.
        rpki.Tell(new RtrCacheUpdate(A, RtrCacheState.Disconnected, null));
        Assert.Same(switched.Vrps, rib.ExpectMsg<VrpsChanged>().Vrps);
        rpki.Tell(new RtrCacheUpdate(B, RtrCacheState.Disconnected, null));
        var empty = rib.ExpectMsg<VrpsChanged>();
        Assert.Equal(0, empty.Vrps.Count);
        Assert.Equal(["10.0.0.0/8", "192.0.2.0/24"], Names(empty));
    }

    private sealed class BlackHole : ReceiveActor
    {
        public BlackHole() => ReceiveAny(_ => { });
    }
}
