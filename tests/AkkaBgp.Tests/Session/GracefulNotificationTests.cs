using AkkaBgp.Session;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>
/// RFC 8538, Notification Message Support for BGP Graceful Restart, on the FSM in virtual time: the N bit in our
/// Graceful Restart capability, Cease / Hard Reset for the NOTIFICATIONs meant to flush routes (section 5), and which
/// ends of a session let the RIB keep the peer's routes (section 4).
/// </summary>
public sealed class GracefulNotificationTests : FsmTestKit
{
    private static OpenMessage PeerOpenWithN(bool n = true) => PeerOpen(capabilities:
        [.. FullCapabilities(RemoteAs), GracefulRestartCapability.Create(120, restarting: false, notification: n,
            [new GracefulRestartFamily(AfiSafi.Ipv4Unicast, forwardingPreserved: true)])]);

    private static byte[] Communication(string text) => [(byte)text.Length, .. System.Text.Encoding.UTF8.GetBytes(text)];

    [Fact]
    public void Our_OPEN_sets_the_N_bit_and_both_sides_setting_it_is_negotiated()
    {
        CreateFsm();
        var connection = ToOpenSent();
        // ToOpenSent consumed our OPEN: look at what the settings make of it.
        var ours = OpenExchange.BuildOpen(Settings, restarted: false);
        Assert.True(ours.Get<GracefulRestartCapability>()!.NotificationSupport);
        FromPeer(connection, PeerOpenWithN());
        connection.ExpectMsg<AkkaBgp.Transport.Reconfigure>();
        Assert.True(Fsm.StateData.Session!.GracefulNotification);
    }

    [Fact]
    public void ManualStop_goes_out_as_Hard_Reset_carrying_the_administrative_shutdown_and_the_RIB_drops_the_routes()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN());
        Tell(new ManualStop("maintenance"));
        // RFC 8538 section 3: Cease / Hard Reset (6/9), its data the inner code, subcode and data.
        var sent = ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.HardReset,
            [ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, .. Communication("maintenance")]);
        Assert.Equal("maintenance", sent.ShutdownCommunication);
        var down = Rib.ExpectMsg<PeerDown>();
        Assert.True(down.EndedByNotification);
        Assert.False(down.GracefulNotification);
    }

    [Fact]
    public void Without_the_peers_N_bit_ManualStop_is_a_plain_Cease_2()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN(n: false));
        Tell(new ManualStop("maintenance"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, Communication("maintenance"));
        Assert.False(Rib.ExpectMsg<PeerDown>().GracefulNotification);
    }

    [Fact]
    public void With_the_N_bit_turned_off_here_nothing_changes()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { GracefulRestartNotification = false } });
        Assert.False(OpenExchange.BuildOpen(Settings, restarted: false).Get<GracefulRestartCapability>()!.NotificationSupport);
        var connection = ToEstablished(PeerOpenWithN());
        Tell(new ManualStop());
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeShutdown, [0]);
        Assert.False(Rib.ExpectMsg<PeerDown>().GracefulNotification);
    }

    [Fact]
    public void Hold_timer_expiry_sends_4_0_as_is_and_the_RIB_may_keep_the_routes()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN());
        Advance(TimeSpan.FromSeconds(91));
        // KEEPALIVEs went out meanwhile (the KeepaliveTimer); the NOTIFICATION follows them.
        var sent = (NotificationMessage)connection.FishForMessage<AkkaBgp.Transport.Send>(m => m.Message is NotificationMessage).Message;
        Assert.Equal((ErrorCode.HoldTimerExpired, (byte)0), (sent.Code, sent.Subcode));
        var down = Rib.ExpectMsg<PeerDown>();
        Assert.True(down.EndedByNotification);
        // RFC 8538 section 4: not a Hard Reset, so the graceful restart procedures apply.
        Assert.True(down.GracefulNotification);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.HoldTimerExpires);
    }

    [Fact]
    public void A_received_Administrative_Reset_keeps_the_routes()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN());
        FromPeer(connection, NotificationMessage.Shutdown(CeaseSubcode.AdministrativeReset, "soft"));
        Assert.True(Rib.ExpectMsg<PeerDown>().GracefulNotification);
        ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.NotifMsg);
    }

    [Fact]
    public void A_received_Hard_Reset_drops_the_routes()
    {
        CreateFsm();
        var again = ToEstablished(PeerOpenWithN());
        var hard = NotificationMessage.HardReset(NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "flush"));
        FromPeer(again, hard);
        var down = Rib.ExpectMsg<PeerDown>();
        Assert.True(down.EndedByNotification);
        Assert.False(down.GracefulNotification);
        var change = ExpectTransition(SessionState.Established, SessionState.Idle, BgpEvent.NotifMsg);
        Assert.Contains("6/9 (Hard Reset) 6/2 \"flush\"", change.Reason);
    }

    [Fact]
    public void Administrative_Reset_is_a_Hard_Reset_by_default_and_as_is_when_configured_so()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN());
        Tell(new AdministrativeReset("new policy"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.HardReset,
            [ErrorCode.Cease, CeaseSubcode.AdministrativeReset, .. Communication("new policy")]);
        Assert.False(Rib.ExpectMsg<PeerDown>().GracefulNotification);
    }

    [Fact]
    public void Administrative_Reset_without_hard_reset_configured_lets_both_sides_keep_the_routes()
    {
        CreateFsm(s => s with { HardAdministrativeReset = false });
        var connection = ToEstablished(PeerOpenWithN());
        Tell(new AdministrativeReset("new policy"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.AdministrativeReset, Communication("new policy"));
        Assert.True(Rib.ExpectMsg<PeerDown>().GracefulNotification);
    }

    [Fact]
    public void Maximum_prefixes_goes_out_as_Hard_Reset()
    {
        CreateFsm();
        var connection = ToEstablished(PeerOpenWithN());
        Tell(new AutomaticStop(CeaseSubcode.MaximumPrefixesReached, "prefix limit 10 reached"));
        ExpectNotification(connection, ErrorCode.Cease, CeaseSubcode.HardReset, [ErrorCode.Cease, CeaseSubcode.MaximumPrefixesReached]);
        Assert.False(Rib.ExpectMsg<PeerDown>().GracefulNotification);
    }
}
