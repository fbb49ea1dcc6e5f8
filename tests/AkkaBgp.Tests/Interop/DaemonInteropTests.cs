using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Interop;
using AkkaBgp.Session;
using Xunit.Abstractions;

namespace AkkaBgp.Tests.Interop;

/// <summary>
/// The same checks against each daemon; one test class per daemon so that xunit runs the four
/// daemons in parallel (tests inside a class run one after the other). Each test has its own
/// loopback addresses and port. A missing daemon fails the test: CI installs all four.
/// </summary>
public abstract class DaemonInteropTests : BgpTestKit
{
    private readonly ITestOutputHelper _output;

    protected DaemonInteropTests(ITestOutputHelper output) : base(virtualTime: false, systemName: "interop") => _output = output;

    protected abstract string Name { get; }
    protected abstract bool Installed { get; }
    protected abstract Daemon Create(AkkaBgp.Interop.Peering peering);
    /// <summary>127.0.2x: one /24 per daemon.</summary>
    protected abstract int Net { get; }

    private static readonly TimeSpan Up = TimeSpan.FromSeconds(40);

    private InteropSession NewSession(bool daemonPassive, string? password = null)
    {
        Assert.True(Installed, $"{Name} is not installed (tests/run-all.sh installs it)");
        int host = password is not null ? 5 : daemonPassive ? 1 : 3;
        int port = AkkaBgp.Tests.Transport.Loopback.FreePort(System.Net.IPAddress.Parse($"127.0.{Net}.{host + 1}"));
        var peering = InteropSession.PeeringFor($"127.0.{Net}.{host}", $"127.0.{Net}.{host + 1}", port, daemonPassive) with { Password = password };
        return new InteropSession(Sys, peering, Create);
    }

    /// <summary>
    /// The daemon dials us: Established on both sides, its routes (IPv4 and IPv6) in our Adj-RIB-In,
    /// still Established after three hold periods with no flap, and our ManualStop's shutdown
    /// communication (RFC 9003) visible in the daemon's own CLI.
    /// </summary>
    [Fact]
    public async Task We_are_passive()
    {
        await using var s = NewSession(daemonPassive: false);
        await s.StartAsync();
        await RunAsync(s, holdPeriods: 3);
    }

    /// <summary>We dial the daemon: Established on both sides, routes arrive, shutdown communication shown.</summary>
    [Fact]
    public async Task We_are_active()
    {
        await using var s = NewSession(daemonPassive: true);
        await s.StartAsync();
        await RunAsync(s, holdPeriods: 1);
    }

    /// <summary>RFC 2385 TCP MD5 signatures on both sides, the daemon dialling us (our key sits on the listening socket).</summary>
    [Fact]
    public async Task Tcp_md5_session()
    {
        await using var s = NewSession(daemonPassive: false, password: "akka-md5-secret");
        await s.StartAsync();
        await s.WaitForOurStateAsync(SessionState.Established, Up);
        await s.Daemon.WaitForPeerAsync(p => p.IsEstablished, TimeSpan.FromSeconds(15));
        await s.WaitForRoutesAsync(1, 1, TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// IPv6 transport on a shared link (a veth pair into a network namespace the daemon runs in, ULA addresses):
    /// Established both sides, the daemon's IPv4 and IPv6 routes arrive over the one IPv6 session, and our IPv6
    /// route reaches the daemon with our global and link-local next hop (RFC 2545 section 3: we share the link).
    /// </summary>
    [Fact]
    public async Task Ipv6_transport_on_a_link()
    {
        Assert.True(Installed, $"{Name} is not installed (tests/run-all.sh installs it)");
        await using var link = await VethLink.CreateAsync(Net - 20);
        int port = AkkaBgp.Tests.Transport.Loopback.FreePort(link.OurAddress);
        var peering = InteropSession.PeeringFor(link.DaemonAddress.ToString(), link.OurAddress.ToString(), port, daemonPassive: false)
            with { NetworkNamespace = link.Namespace };
        const string ours = "2001:db8:a6::/48";
        // The full RIB: it originates our route and takes the session's local address as our next hop.
        var rib = AkkaBgp.Rib.Engine.RibActor.Props(
            new AkkaBgp.Rib.Policy.RibSettings { LocalAs = InteropSession.OurAs, RouterId = AkkaBgp.Wire.OpenMessage.IdentifierFrom(System.Net.IPAddress.Parse(peering.OurRouterId)) },
            new Dictionary<System.Net.IPAddress, AkkaBgp.Rib.Engine.NeighborRibConfig> { [peering.DaemonAddress] = new(null, null, AkkaBgp.Rib.Policy.PeerRibSettings.Default) },
            [new AkkaBgp.Rib.Engine.LocalRoute { Prefix = AkkaBgp.Wire.Prefix.Parse(ours) }]);
        await using var s = new InteropSession(Sys, peering, Create) { RibProps = rib };
        await s.StartAsync();
        await s.WaitForOurStateAsync(SessionState.Established, Up);
        await s.Daemon.WaitForPeerAsync(p => p.IsEstablished, TimeSpan.FromSeconds(15));
        // The daemon's IPv4 and IPv6 routes, both over the one IPv6 session.
        foreach (var prefix in new[] { InteropSession.V4, InteropSession.V6 })
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            AkkaBgp.Rib.Engine.RouteLookupResult found;
            while ((found = await s.Speaker!.Rib.Ask<AkkaBgp.Rib.Engine.RouteLookupResult>(new AkkaBgp.Rib.Engine.LookupRoutes(AkkaBgp.Wire.Prefix.Parse(prefix)))).Routes.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{prefix} from {Name} not in our RIB\n{s.History}");
                await Task.Delay(200);
            }
            Assert.Equal(peering.DaemonAddress, found.Routes[0].Peer);
        }

        await s.Daemon.WaitForRoutesAsync(6, r => r.Contains(ours), TimeSpan.FromSeconds(20));
        var shown = await s.Daemon.ShowRouteAsync(ours);
        _output.WriteLine($"{Name}: {shown}");
        Assert.Contains(link.OurAddress.ToString(), shown);
        if (ShowsLinkLocalNextHop) Assert.Contains(link.OurLinkLocal.ToString(), shown);
    }

    private async Task RunAsync(InteropSession s, int holdPeriods)
    {
        var ours = await s.WaitForOurStateAsync(SessionState.Established, Up);
        _output.WriteLine($"our side: {ours.Session}");
        var theirs = await s.Daemon.WaitForPeerAsync(p => p.IsEstablished, TimeSpan.FromSeconds(15));
        _output.WriteLine($"{Name} side:\n{theirs.Raw}");

        var routes = await s.WaitForRoutesAsync(1, 1, TimeSpan.FromSeconds(20));
        Assert.Contains(InteropSession.V4, routes.Ipv4.Select(p => p.ToString()));
        Assert.Contains(InteropSession.V6, routes.Ipv6.Select(p => p.ToString()));

        // RFC 4271 4.4: KEEPALIVEs every hold/3 keep both hold timers from expiring.
        await Task.Delay(TimeSpan.FromSeconds(s.Peering.HoldTimeSeconds * holdPeriods + 1));
        var after = await s.StatusAsync();
        Assert.True(after.State == SessionState.Established && after.FlapCount == 0,
            $"session did not stay up: {after.State}, flaps {after.FlapCount}, {after.LastError}\n{s.History}");
        Assert.True((await s.Daemon.GetPeerAsync()).IsEstablished, $"{Name} left Established\n{(await s.Daemon.GetPeerAsync()).Raw}");
        Assert.Single(s.Transitions, t => t.To == SessionState.Established);

        string text = $"interop maintenance {Name} {Guid.NewGuid():N}"[..40];
        s.Stop(text);
        await s.WaitForOurStateAsync(SessionState.Idle, TimeSpan.FromSeconds(10));
        var view = await s.Daemon.WaitForPeerAsync(p => !p.IsEstablished && ShowsCommunication(s.Daemon, p, text), TimeSpan.FromSeconds(15));
        _output.WriteLine($"{Name} after our ManualStop:\n{view.Raw}");
    }

    /// <summary>Whether the daemon's CLI prints the link-local half of an IPv6 next hop.</summary>
    protected virtual bool ShowsLinkLocalNextHop => true;

    /// <summary>Where the daemon shows the RFC 9003 shutdown communication it received: its CLI's neighbor view.</summary>
    protected virtual bool ShowsCommunication(Daemon daemon, DaemonPeerView view, string text) => view.Raw.Contains(text);
}

public sealed class BirdInteropTests(ITestOutputHelper output) : DaemonInteropTests(output)
{
    protected override string Name => "BIRD";
    protected override bool Installed => Bird.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new Bird(p);
    protected override int Net => 21;
}

public sealed class GoBgpInteropTests(ITestOutputHelper output) : DaemonInteropTests(output)
{
    protected override string Name => "GoBGP";
    protected override bool Installed => GoBgp.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new GoBgp(p);
    protected override int Net => 22;

    /// <summary>GoBGP 3.x's RIB JSON shows the MP_REACH_NLRI next hop as the global address only; the link-local
    /// half is checked with BIRD, FRR and ExaBGP.</summary>
    protected override bool ShowsLinkLocalNextHop => false;

    /// <summary>GoBGP's CLI ("gobgp neighbor") does not show received NOTIFICATIONs at all; gobgpd logs the
    /// communication ("Communicated-Reason") instead.</summary>
    protected override bool ShowsCommunication(Daemon daemon, DaemonPeerView view, string text) =>
        daemon.Output.Contains($"\"Communicated-Reason\":\"{text}\"");
}

public sealed class FrrInteropTests(ITestOutputHelper output) : DaemonInteropTests(output)
{
    protected override string Name => "FRR";
    protected override bool Installed => Frr.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new Frr(p);
    protected override int Net => 23;

    /// <summary>FRR 8.4's "show bgp neighbors" names the NOTIFICATION but not its text; bgpd logs the text (with
    /// log-neighbor-changes): %NOTIFICATION: received from neighbor ... 6/2 (Cease/Administrative Shutdown) "text".
    /// FRR sets RFC 8538's N bit, as we do, so our Cease/2 arrives inside a Hard Reset: "Notification received
    /// (Cease/Administrative Shutdown/Hard Reset)".</summary>
    protected override bool ShowsCommunication(Daemon daemon, DaemonPeerView view, string text)
    {
        var log = Path.Combine(daemon.WorkDir, "bgpd.log");
        return view.Raw.Contains("Notification received (Cease/Administrative Shutdown/Hard Reset)")
            && File.Exists(log) && File.ReadAllText(log).Contains($"\"{text}\"");

    }
}

public sealed class OpenBgpdInteropTests(ITestOutputHelper output) : DaemonInteropTests(output)
{
    protected override string Name => "OpenBGPD";
    protected override bool Installed => OpenBgpd.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new OpenBgpd(p);
    protected override int Net => 24;

    /// <summary>bgpctl's "show rib detail" prints the global next hop and the gateway it resolved, not the link-local
    /// half; BIRD, FRR and ExaBGP show that the same UPDATE carries it.</summary>
    protected override bool ShowsLinkLocalNextHop => false;
}

public sealed class ExaBgpInteropTests(ITestOutputHelper output) : DaemonInteropTests(output)
{
    protected override string Name => "ExaBGP";
    protected override bool Installed => ExaBgp.Installed;
    protected override Daemon Create(AkkaBgp.Interop.Peering p) => new ExaBgp(p);
    protected override int Net => 25;

    /// <summary>ExaBGP hands the received NOTIFICATION to its API process: Cease/2 with the RFC 9003 data (a length
    /// octet, then the UTF-8 text).</summary>
    protected override bool ShowsCommunication(Daemon daemon, DaemonPeerView view, string text) =>
        ((ExaBgp)daemon).NotificationsReceived().Any(n => n.Code == 6 && n.Subcode == 2
            && n.Data.Length > 0 && System.Text.Encoding.UTF8.GetString(n.Data, 1, n.Data.Length - 1) == text);
}
