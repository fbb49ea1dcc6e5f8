using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Interop;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Rib.Policy;
using AkkaBgp.Session;
using AkkaBgp.Speaker;
using AkkaBgp.Tests.Transport;
using AkkaBgp.Transport;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Attributes;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Rib;

/// <summary>
/// The routes we originate, from the full RIB behind the real speaker, as FRR and OpenBGPD show them in their own
/// RIBs (their CLIs): AS_PATH our AS, the NEXT_HOP we meant, our communities and MED; a run-time withdrawal removes
/// exactly the withdrawn route without resetting the session; and the daemon's own route is in our Loc-RIB.
/// RibInteropTests does the same for BIRD and GoBGP. One nested class per daemon, so that xunit runs the two in
/// parallel; each has its own 127.0.{Net}/24 addresses, 10.{Net}/16 prefixes and a kernel-assigned port.
/// A missing daemon fails the test (tests/run-all.sh installs both).
/// </summary>
public abstract class RibInteropFrrOpenBgpdTests : BgpTestKit
{
    private const uint OurAs = 65000;
    private const uint RunTimeMed = 47;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly ITestOutputHelper _output;

    private RibInteropFrrOpenBgpdTests(ITestOutputHelper output, string systemName) : base(virtualTime: false, systemName: systemName) =>
        _output = output;

    protected abstract string Name { get; }
    protected abstract bool Installed { get; }
    /// <summary>Third octet of the test's addresses (127.0.{Net}.1 the daemon, .2 us) and second of its prefixes.</summary>
    protected abstract int Net { get; }
    protected abstract uint DaemonAs { get; }
    protected abstract Daemon Create(Peering peering);
    /// <summary>A third-party NEXT_HOP for our routes towards this daemon; null: our session address (RFC 4271 5.1.3).</summary>
    protected abstract IPAddress? ThirdPartyNextHop { get; }

    /// <summary>Asserts on the daemon's CLI view of one of our routes.</summary>
    protected abstract void AssertShowsOurRoute(string cli, string prefix, string nextHop, string ours, string community, string otherCommunity, uint? med);

    /// <summary>True when the daemon's CLI has no entry for <paramref name="prefix"/> at all.</summary>
    protected abstract Task<bool> ShowsNoEntryAsync(Daemon daemon, string prefix);

    /// <summary>Daemon-specific evidence in its neighbor view that the session stayed up and saw our withdrawals.</summary>
    protected abstract void AssertSessionCounters(string neighborView);

    private IPAddress Ours => IPAddress.Parse($"127.0.{Net}.2");
    private IPAddress DaemonAddress => IPAddress.Parse($"127.0.{Net}.1");
    private string FromDaemon => $"10.{Net}.1.0/24";
    private string Configured => $"10.{Net}.99.0/24";
    private string RunTime => $"10.{Net}.98.0/24";
    private Community ConfiguredCommunity => new((ushort)OurAs, (ushort)Net);
    private Community RunTimeCommunity => new((ushort)OurAs, (ushort)(Net * 100 + 1));
    // How the daemons print them: ASN:value in decimal, written out rather than formatted by our code.
    private string ConfiguredCommunityText => $"65000:{Net}";
    private string RunTimeCommunityText => $"65000:{Net}01";

    /// <summary>A port the kernel hands out on our address: parallel runs of the suite never collide.</summary>
    private int FreePort() => Loopback.FreePort(Ours);

    [Fact]
    public async Task Our_routes_reach_the_daemon_rib_and_a_withdraw_removes_them()
    {
        Assert.True(Installed, $"{Name} is not installed (tests/run-all.sh installs it)");
        var peering = new Peering(DaemonAddress, DaemonAs, Ours, OurAs, FreePort(), HoldTimeSeconds: 9)
        {
            DaemonPassive = true,
            AnnounceV4 = [FromDaemon],
        };
        await using var daemon = Create(peering);
        await daemon.StartAsync();

        // Towards eBGP our NEXT_HOP is the session's local address (RFC 4271 5.1.3); NeighborRibConfig's address is
        // only a fallback since the RIB takes the address from PeerUp. A daemon that needs another NEXT_HOP gets a
        // third-party one (5.1.3 (2)): our local routes carry it and the neighbor passes next hops on unchanged.
        var thirdParty = ThirdPartyNextHop;
        var rib = thirdParty is null ? PeerRibSettings.Default : PeerRibSettings.Default with { NextHop = NextHopMode.Unchanged };
        var ribConfig = new Dictionary<IPAddress, NeighborRibConfig> { [DaemonAddress] = new(Ours, null, rib) };
        string nextHop = (thirdParty ?? Ours).ToString();
        var settings = new RibSettings { LocalAs = OurAs, RouterId = OpenMessage.IdentifierFrom(Ours), Partitions = 2 };
        var configured = new LocalRoute { Prefix = Prefix.Parse(Configured), NextHop = thirdParty, Communities = [ConfiguredCommunity] };
        var speaker = SpeakerHost.Start(Sys, new SpeakerSettings
        {
            Neighbors = [new NeighborSettings
            {
                PeerAddress = DaemonAddress,
                PeerAs = DaemonAs,
                LocalAs = OurAs,
                RouterId = OpenMessage.IdentifierFrom(Ours),
                PeerPort = peering.Port,
                LocalAddress = Ours,
                HoldTime = TimeSpan.FromSeconds(peering.HoldTimeSeconds),
                ConnectRetryTime = TimeSpan.FromSeconds(2),
                IdleHoldTime = TimeSpan.FromSeconds(1),
                DampPeerOscillations = false,
            }],
            Listener = new ListenerSettings { Endpoints = [new IPEndPoint(Ours, peering.Port)] },
            RibProps = RibActor.Props(settings, ribConfig, [configured]),
        }, $"ribinterop{Net}");

        var up = await daemon.WaitForPeerAsync(v => v.IsEstablished, Wait);
        var established = Stopwatch.StartNew();
        _output.WriteLine($"{Name} neighbor:\n{up.Raw}");

        // 1. The route configured at start, in the daemon's RIB from us.
        await daemon.WaitForRoutesAsync(4, r => r.Contains(Configured), Wait);
        var cli = await ShowsOurRouteAsync(daemon, Configured, nextHop, ConfiguredCommunityText, RunTimeCommunityText, med: null);
        _output.WriteLine($"{Name} {Configured}:\n{cli}");

        // 2. The daemon's route in our Loc-RIB: learned from it, AS_PATH its AS alone, its NEXT_HOP, best.
        var learned = await EventuallyAsync(async () =>
        {
            var r = await speaker.Rib.Ask<RouteLookupResult>(new LookupRoutes(Prefix.Parse(FromDaemon)), TimeSpan.FromSeconds(3));
            return Assert.Single(r.Routes);
        });
        _output.WriteLine($"our RIB: {FromDaemon} from {learned.Peer} AS{learned.PeerAs} next hop {learned.NextHop}: {learned.Attributes}");
        Assert.Equal(DaemonAddress, learned.Peer);
        Assert.Equal(DaemonAs, learned.PeerAs);
        Assert.True(learned.Best, $"{FromDaemon} from {Name} is not best: {learned.Ineligibility}");
        Assert.Equal(AsPath.Sequence(DaemonAs), learned.Attributes.AsPath);
        Assert.Equal(IPAddress.Parse(peering.NextHopV4), learned.NextHop);

        // 3. A run-time announcement with its own community and a MED.
        var ack = await speaker.Rib.Ask<LocalRouteAck>(new AnnounceLocalRoute(new LocalRoute
        {
            Prefix = Prefix.Parse(RunTime), NextHop = thirdParty, Communities = [RunTimeCommunity], Med = RunTimeMed,
        }), TimeSpan.FromSeconds(5));
        Assert.True(ack.Announced);
        await daemon.WaitForRoutesAsync(4, r => r.Contains(RunTime) && r.Contains(Configured), Wait);
        cli = await ShowsOurRouteAsync(daemon, RunTime, nextHop, RunTimeCommunityText, ConfiguredCommunityText, RunTimeMed);
        _output.WriteLine($"{Name} {RunTime}:\n{cli}");

        // 4. Withdrawn at run time: gone from the daemon's RIB; the configured route stays as it was.
        ack = await speaker.Rib.Ask<LocalRouteAck>(new WithdrawLocalRoute(Prefix.Parse(RunTime)), TimeSpan.FromSeconds(5));
        Assert.False(ack.Announced);
        var left = await daemon.WaitForRoutesAsync(4, r => !r.Contains(RunTime), Wait);
        Assert.Equal(new[] { Configured }, left);
        await ShowsNoEntryEventuallyAsync(daemon, RunTime);
        await ShowsOurRouteAsync(daemon, Configured, nextHop, ConfiguredCommunityText, RunTimeCommunityText, med: null);

        // 5. The configured route withdrawn too: nothing from us is left.
        ack = await speaker.Rib.Ask<LocalRouteAck>(new WithdrawLocalRoute(Prefix.Parse(Configured)), TimeSpan.FromSeconds(5));
        Assert.False(ack.Announced);
        await daemon.WaitForRoutesAsync(4, r => r.Count == 0, Wait);
        await ShowsNoEntryEventuallyAsync(daemon, Configured);

        // The withdrawals were UPDATEs, not a reset: the daemon's session has been up since step 1.
        var after = await daemon.GetPeerAsync();
        _output.WriteLine($"{Name} neighbor at the end:\n{after.Raw}");
        Assert.True(after.IsEstablished, $"{Name} left Established:\n{after.Raw}");
        var uptime = Regex.Match(after.Raw, @"BGP state = Established, up for (\d\d):(\d\d):(\d\d)");
        Assert.True(uptime.Success, $"no uptime in {Name}'s neighbor view:\n{after.Raw}");
        var upFor = new TimeSpan(int.Parse(uptime.Groups[1].Value), int.Parse(uptime.Groups[2].Value), int.Parse(uptime.Groups[3].Value));
        Assert.True(upFor >= established.Elapsed - TimeSpan.FromSeconds(2), $"{Name} up for {upFor} only, {established.Elapsed} since Established");
        AssertSessionCounters(after.Raw);

        // Our Loc-RIB is left with the daemon's route only (FRR also withdraws the copies of ours it sent back).
        await EventuallyAsync(async () =>
        {
            var summary = await speaker.Rib.Ask<RibSummary>(GetRibSummary.Instance, TimeSpan.FromSeconds(3));
            Assert.Equal(1, summary.EstablishedPeers);
            Assert.Equal(1, summary.Families["ipv4-unicast"].Prefixes);
            return summary;
        });
    }

    /// <summary>The daemon's CLI view of our route once it satisfies <see cref="AssertShowsOurRoute"/>: a daemon may
    /// list a path it received (its Adj-RIB-In) before its decision process has run on it (FRR under load printed
    /// "Paths: (1 available, no best path)" right after the path appeared), so the view is polled; on timeout the
    /// last mismatch is the failure.</summary>
    private Task<string> ShowsOurRouteAsync(Daemon daemon, string prefix, string nextHop, string community, string otherCommunity, uint? med) =>
        EventuallyAsync(async () =>
        {
            var cli = await daemon.ShowRouteAsync(prefix);
            AssertShowsOurRoute(cli, prefix, nextHop, Ours.ToString(), community, otherCommunity, med);
            return cli;
        });

    private Task ShowsNoEntryEventuallyAsync(Daemon daemon, string prefix) =>
        EventuallyAsync(async () =>
        {
            Assert.True(await ShowsNoEntryAsync(daemon, prefix), $"{Name} still shows {prefix}:\n{await ShowOrErrorAsync(daemon, prefix)}");
            return true;
        });

    private static async Task<string> ShowOrErrorAsync(Daemon d, string prefix)
    {
        try { return await d.ShowRouteAsync(prefix); } catch (Exception e) { return e.Message; }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            try { return await probe(); }
            catch (Exception) when (DateTime.UtcNow < deadline) { await Task.Delay(200); }
        }
    }

    private static void AssertLine(string pattern, string cli, string what) =>
        Assert.True(Regex.IsMatch(cli, pattern, RegexOptions.Multiline), $"{what}: no line matching /{pattern}/ in\n{cli}");

    private static void AssertNoLine(string pattern, string cli, string what) =>
        Assert.False(Regex.IsMatch(cli, pattern, RegexOptions.Multiline), $"{what}: unexpected /{pattern}/ in\n{cli}");

    /// <summary>
    /// FRR 8.4 bgpd, without zebra. Our routes carry the third-party NEXT_HOP 192.0.2.47 (RFC 5737) because FRR
    /// treats a 127/8 NEXT_HOP as a martian, and not the RFC way: with our session address 127.0.47.2 as NEXT_HOP,
    /// FRR 8.4.4 answered our first UPDATE with NOTIFICATION 3/8 (UPDATE Message Error / Invalid NEXT_HOP Attribute,
    /// "Last reset ... Notification sent (UPDATE Message Error/Invalid NEXT_HOP Attribute)") and closed the session,
    /// again on every reconnect (18 times in 20 s). RFC 4271 6.3 says a semantically incorrect NEXT_HOP is logged
    /// and the route ignored, with no NOTIFICATION and the session kept; RFC 7606 7.3 makes even a malformed
    /// NEXT_HOP treat-as-withdraw. FRR also sends our routes back to us (AS_PATH 65047 65000; "Advertised to
    /// non peer-group peers: 127.0.47.2"), which our RIB rejects as a loop: allowed, merely wasteful.
    /// </summary>
    public sealed class WithFrr(ITestOutputHelper output) : RibInteropFrrOpenBgpdTests(output, "rib-interop-frr")
    {
        protected override string Name => "FRR";
        protected override bool Installed => Frr.Installed;
        protected override int Net => 47;
        protected override uint DaemonAs => 65047;
        protected override Daemon Create(Peering peering) => new Frr(peering);
        protected override IPAddress? ThirdPartyNextHop => IPAddress.Parse("192.0.2.47");

        // show bgp ipv4 unicast 10.47.98.0/24 (FRR 8.4.4):
        //   BGP routing table entry for 10.47.98.0/24, version 3
        //   Paths: (1 available, best #1, table default)
        //     Advertised to non peer-group peers:
        //     127.0.47.2
        //     65000
        //       192.0.2.47 from 127.0.47.2 (127.0.47.2)
        //         Origin IGP, metric 47, valid, external, best (First path received)
        //         Community: 65000:4701
        protected override void AssertShowsOurRoute(string cli, string prefix, string nextHop, string ours, string community, string otherCommunity, uint? med)
        {
            string what = $"FRR {prefix}";
            AssertLine($@"^BGP routing table entry for {Regex.Escape(prefix)},", cli, what);
            AssertLine(@"^Paths: \(1 available, best #1,", cli, what);
            AssertLine(@"^\s+65000\s*$", cli, what); // AS_PATH: our AS alone, as we originate the route
            AssertLine($@"^\s+{Regex.Escape(nextHop)} from {Regex.Escape(ours)} \({Regex.Escape(ours)}\)\s*$", cli, what);
            AssertLine(med is { } m ? $@"^\s+Origin IGP, metric {m}, valid, external, best\b" : @"^\s+Origin IGP, valid, external, best\b", cli, what);
            AssertLine($@"^\s+Community: {Regex.Escape(community)}\s*$", cli, what);
            AssertNoLine($@"\b{Regex.Escape(otherCommunity)}\b", cli, what);
        }

        // With no path left vtysh prints "% Network not in table" (and exits 1 on some builds).
        protected override async Task<bool> ShowsNoEntryAsync(Daemon daemon, string prefix)
        {
            try { return (await daemon.ShowRouteAsync(prefix)).Contains("% Network not in table"); }
            catch (InvalidOperationException e) { return e.Message.Contains("% Network not in table"); }
        }

        protected override void AssertSessionCounters(string neighborView)
        {
            AssertLine(@"^\s+Connections established 1; dropped 0\s*$", neighborView, "FRR neighbor");
            AssertLine(@"^\s+Notifications:\s+0\s+0\s*$", neighborView, "FRR neighbor");
        }
    }

    /// <summary>
    /// OpenBGPD 7.7 portable. Our session address (loopback, so connected) is the NEXT_HOP here: OpenBGPD resolves it
    /// ("via 127.0.0.1") and takes the route. Its own side announces a documentation NEXT_HOP only because the fixture
    /// runs the session as multihop with "set nexthop no-modify": OpenBGPD ignores "set nexthop" towards a directly
    /// connected eBGP peer.
    /// </summary>
    public sealed class WithOpenBgpd(ITestOutputHelper output) : RibInteropFrrOpenBgpdTests(output, "rib-interop-openbgpd")
    {
        protected override string Name => "OpenBGPD";
        protected override bool Installed => OpenBgpd.Installed;
        protected override int Net => 48;
        protected override uint DaemonAs => 65048;
        protected override Daemon Create(Peering peering) => new OpenBgpd(peering);
        protected override IPAddress? ThirdPartyNextHop => null;

        // bgpctl show rib detail 10.48.98.0/24 (OpenBGPD 7.7):
        //   BGP routing table entry for 10.48.98.0/24
        //       65000
        //       Nexthop 127.0.48.2 (via 127.0.0.1) Neighbor 127.0.48.2 (127.0.48.2)
        //       Origin IGP, metric 47, localpref 100, weight 0, ovs not-found, external, valid, best
        //       Last update: 00:00:00 ago
        //       Communities: 65000:4801
        // With no MED OpenBGPD prints "metric 0", so the MED check only tells 47 from not 47.
        protected override void AssertShowsOurRoute(string cli, string prefix, string nextHop, string ours, string community, string otherCommunity, uint? med)
        {
            string what = $"OpenBGPD {prefix}";
            AssertLine($@"^BGP routing table entry for {Regex.Escape(prefix)}\s*$", cli, what);
            Assert.Single(Regex.Matches(cli, "^BGP routing table entry", RegexOptions.Multiline));
            AssertLine(@"^\s+65000\s*$", cli, what);
            AssertLine($@"^\s+Nexthop {Regex.Escape(nextHop)} \(via [0-9.]+\) Neighbor {Regex.Escape(ours)} \({Regex.Escape(ours)}\)\s*$", cli, what);
            AssertLine($@"^\s+Origin IGP, metric {med ?? 0}, .*\bexternal, valid, best\s*$", cli, what);
            AssertLine($@"^\s+Communities: {Regex.Escape(community)}\s*$", cli, what);
            AssertNoLine($@"\b{Regex.Escape(otherCommunity)}\b", cli, what);
        }

        protected override async Task<bool> ShowsNoEntryAsync(Daemon daemon, string prefix) =>
            !(await daemon.ShowRouteAsync(prefix)).Contains("BGP routing table entry");

        // Message statistics (Sent / Received): no NOTIFICATION either way, one OPEN each; update statistics: our two
        // withdrawn prefixes, and nothing pending.
        protected override void AssertSessionCounters(string neighborView)
        {
            AssertLine(@"^\s+Opens\s+1\s+1\s*$", neighborView, "OpenBGPD neighbor");
            AssertLine(@"^\s+Notifications\s+0\s+0\s*$", neighborView, "OpenBGPD neighbor");
            AssertLine(@"^\s+Withdraws\s+\d+\s+2\s+0\s*$", neighborView, "OpenBGPD neighbor");
        }
    }
}
