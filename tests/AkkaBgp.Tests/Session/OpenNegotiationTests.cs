using Akka.TestKit;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>OPEN validation (RFC 4271 6.2, RFC 5492, RFC 6286, RFC 6793) with the exact NOTIFICATIONs, our OPEN,
/// hold time and capability negotiation.</summary>
public sealed class OpenNegotiationTests : FsmTestKit
{
    private void ExpectOpenRejected(OpenMessage open, byte subcode, byte[] data)
    {
        var connection = ToOpenSent();
        FromPeer(connection, open);
        ExpectNotification(connection, ErrorCode.OpenMessage, subcode, data);
        var change = ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.BgpOpenMsgErr);
        Assert.Contains($"NOTIFICATION sent 2/{subcode}", change.Reason);
        AssertState(SessionState.Idle, 1);
    }

    // ---------------------------------------------------------------- errors found by the codec

    [Fact]
    public void Unsupported_version_from_the_codec_is_2_1_with_our_version_as_data()
    {
        CreateFsm();
        var connection = ToOpenSent();
        // What the codec reports for an OPEN with version 3.
        var bytes = PeerOpen().ToArray();
        bytes[19] = 3;
        Assert.False(BgpMessageCodec.TryDecode(bytes, default, out _, out var error));
        Tell(new ReceiveFailed(error!, MessageType.Open, connection.Ref));
        ExpectNotification(connection, ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersionNumber, [0, 4]);
        ExpectTransition(SessionState.OpenSent, SessionState.Idle, BgpEvent.BgpOpenMsgErr);
    }

    [Fact]
    public void Unsupported_optional_parameter_from_the_codec_is_2_4()
    {
        CreateFsm();
        var connection = ToOpenSent();
        // OPEN with one optional parameter of type 1 (deprecated authentication).
        byte[] body = [4, 0xFD, 0xEA, 0, 90, 10, 0, 0, 2, 3, 1, 1, 0];
        var bytes = new byte[19 + body.Length];
        BgpHeader.Write(bytes, MessageType.Open, bytes.Length);
        body.CopyTo(bytes, 19);
        Assert.False(BgpMessageCodec.TryDecode(bytes, default, out _, out var error));
        Tell(new ReceiveFailed(error!, MessageType.Open, connection.Ref));
        ExpectNotification(connection, ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, []);
    }

    [Fact]
    public void Hold_time_2_from_the_codec_is_2_6()
    {
        CreateFsm();
        var connection = ToOpenSent();
        var bytes = PeerOpen().ToArray();
        bytes[22] = 0;
        bytes[23] = 2;
        Assert.False(BgpMessageCodec.TryDecode(bytes, default, out _, out var error));
        Tell(new ReceiveFailed(error!, MessageType.Open, connection.Ref));
        ExpectNotification(connection, ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime, []);
    }

    // ---------------------------------------------------------------- errors found by the FSM

    [Fact]
    public void Wrong_peer_AS_is_2_2()
    {
        CreateFsm();
        ExpectOpenRejected(PeerOpen(asn: 65003), OpenSubcode.BadPeerAs, []);
    }

    [Fact]
    public void Wrong_4_octet_peer_AS_in_the_capability_is_2_2()
    {
        CreateFsm(s => s with { PeerAs = 4200000001 });
        ExpectOpenRejected(PeerOpen(asn: 4200000002), OpenSubcode.BadPeerAs, []);
    }

    [Fact]
    public void Two_octet_peer_claiming_AS_TRANS_for_a_2_octet_configured_AS_is_2_2()
    {
        CreateFsm();
        ExpectOpenRejected(new OpenMessage(4, OpenMessage.AsTrans, 90, HigherPeerId, [RouteRefreshCapability.Standard]),
            OpenSubcode.BadPeerAs, []);
    }

    [Fact]
    public void Zero_identifier_is_2_3()
    {
        CreateFsm();
        ExpectOpenRejected(PeerOpen(identifier: 0), OpenSubcode.BadBgpIdentifier, []);
    }

    [Fact]
    public void Our_own_identifier_on_an_iBGP_session_is_2_3()
    {
        CreateFsm(s => s with { PeerAs = LocalAs });
        ExpectOpenRejected(PeerOpen(identifier: LocalId, asn: LocalAs), OpenSubcode.BadBgpIdentifier, []);
    }

    [Fact]
    public void Our_own_identifier_on_an_eBGP_session_is_accepted()
    {
        // RFC 6286 section 2.2: the identifier must be unique within an AS only.
        CreateFsm();
        ToOpenConfirm(PeerOpen(identifier: LocalId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Hold_time_1_or_2_is_2_6_without_data(ushort hold)
    {
        CreateFsm();
        ExpectOpenRejected(PeerOpen(holdTime: hold), OpenSubcode.UnacceptableHoldTime, []);
    }

    [Fact]
    public void Hold_time_under_the_configured_minimum_is_2_6()
    {
        CreateFsm(s => s with { MinHoldTime = TimeSpan.FromSeconds(10) });
        ExpectOpenRejected(PeerOpen(holdTime: 9), OpenSubcode.UnacceptableHoldTime, []);
    }

    [Fact]
    public void Missing_required_capability_is_2_7_with_that_capability_as_data()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Required = new HashSet<byte> { CapabilityCode.FourOctetAs, CapabilityCode.RouteRefresh } } });
        // The data lists each missing capability as we would encode it: route refresh (2, 0), then 4-octet AS (65, 4, our AS).
        ExpectOpenRejected(new OpenMessage(4, (ushort)RemoteAs, 90, HigherPeerId, [new MultiprotocolCapability(AfiSafi.Ipv4Unicast)]),
            OpenSubcode.UnsupportedCapability, [2, 0, 65, 4, 0x00, 0x00, 0xFD, 0xE9]);
    }

    [Fact]
    public void Missing_required_family_is_2_7_with_the_multiprotocol_capability_as_data()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { RequiredFamilies = new HashSet<AfiSafi> { AfiSafi.Ipv6Unicast } } });
        ExpectOpenRejected(PeerOpen(capabilities: [new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new FourOctetAsCapability(RemoteAs)]),
            OpenSubcode.UnsupportedCapability, [1, 4, 0, 2, 0, 1]);
    }

    [Fact]
    public void Pre_standard_route_refresh_satisfies_a_required_route_refresh()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Required = new HashSet<byte> { CapabilityCode.RouteRefresh } } });
        ToOpenConfirm(PeerOpen(capabilities: [RouteRefreshCapability.PreStandard, new FourOctetAsCapability(RemoteAs)]));
        Assert.True(Fsm.StateData.Session!.RouteRefresh);
    }

    // ---------------------------------------------------------------- our OPEN

    [Fact]
    public void Our_OPEN_advertises_what_the_settings_enable()
    {
        CreateFsm();
        var connect = Start();
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        connection.ExpectMsg<Register>();
        var open = ExpectSent<OpenMessage>(connection);
        Assert.Equal(
        [
            new MultiprotocolCapability(AfiSafi.Ipv4Unicast),
            new MultiprotocolCapability(AfiSafi.Ipv6Unicast),
            RouteRefreshCapability.Standard,
            EnhancedRouteRefreshCapability.Instance,
            new FourOctetAsCapability(LocalAs),
            GracefulRestartCapability.Create(120, restarting: false, notification: true),
            ExtendedMessageCapability.Instance,
        ], open.Capabilities.ToArray());
        Assert.Empty(open.Get<GracefulRestartCapability>()!.Families);
    }

    [Fact]
    public void Our_OPEN_with_a_4_octet_AS_carries_AS_TRANS_and_the_real_AS_in_the_capability()
    {
        CreateFsm(s => s with { LocalAs = 4200000000 });
        var connection = ToOpenSentCapturingOpen(out var open);
        Assert.Equal(OpenMessage.AsTrans, open.MyAs);
        Assert.Equal(4200000000u, open.Get<FourOctetAsCapability>()!.Asn);
        connection.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void Our_OPEN_leaves_out_disabled_capabilities()
    {
        CreateFsm(s => s with
        {
            HoldTime = TimeSpan.FromSeconds(30),
            Capabilities = new CapabilitySettings { Ipv6Unicast = false, EnhancedRouteRefresh = false, GracefulRestartHelper = false, ExtendedMessages = false },
        });
        ToOpenSentCapturingOpen(out var open);
        Assert.Equal((ushort)30, open.HoldTime);
        Assert.Equal(
            [CapabilityCode.Multiprotocol, CapabilityCode.RouteRefresh, CapabilityCode.FourOctetAs],
            open.Capabilities.Select(c => c.Code).ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void As_a_restarting_speaker_our_OPEN_lists_our_families_with_the_F_bit_and_after_a_restart_the_R_bit(bool restarted)
    {
        // RFC 4724 section 3: the families a helper should keep our routes for while we restart; R only after a restart.
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Ipv6Unicast = false, GracefulRestartRestartingSpeaker = true, Restarted = restarted } });
        ToOpenSentCapturingOpen(out var open);
        var gr = open.Get<GracefulRestartCapability>()!;
        Assert.Equal(restarted, gr.RestartState);
        Assert.Equal([new GracefulRestartFamily(AfiSafi.Ipv4Unicast, forwardingPreserved: true)], gr.Families.ToArray());
    }

    private TestProbe ToOpenSentCapturingOpen(out OpenMessage open)
    {
        var connect = Start();
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        connection.ExpectMsg<Register>();
        open = ExpectSent<OpenMessage>(connection);
        return connection;
    }

    // ---------------------------------------------------------------- negotiation

    [Fact]
    public void Full_peer_negotiates_everything_and_the_connection_decodes_accordingly()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(holdTime: 180, capabilities: [.. FullCapabilities(RemoteAs), GracefulRestartCapability.Create(90, false, false)]));
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        Assert.True(reconfigure.Decode.ExtendedMessages);
        Assert.True(reconfigure.UpdateDecode.FourOctetAs);
        Assert.Equal(PeerKind.External, reconfigure.UpdateDecode.Peer);
        Assert.Equal(RemoteAs, reconfigure.UpdateDecode.PeerAs);
        Assert.Equal(reconfigure.UpdateDecode, reconfigure.Decode.Update);
        var s = Fsm.StateData.Session!;
        Assert.Equal(TimeSpan.FromSeconds(90), s.HoldTime); // ours is smaller
        Assert.Equal(TimeSpan.FromSeconds(30), s.KeepaliveTime);
        Assert.Equal(new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast }, s.Families);
        Assert.True(s.FourOctetAs && s.RouteRefresh && s.EnhancedRouteRefresh && s.ExtendedMessages);
        Assert.Equal((ushort)90, s.PeerGracefulRestart!.RestartTime);
        Assert.Equal(HigherPeerId, s.PeerIdentifier);
    }

    [Fact]
    public void Session_uses_the_intersection_of_capabilities()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Ipv6Unicast = false } });
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(capabilities:
        [
            new MultiprotocolCapability(AfiSafi.Ipv6Unicast),
            new MultiprotocolCapability(AfiSafi.Ipv4Unicast),
            RouteRefreshCapability.Standard,
        ]));
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        // RFC 8654: we advertised Extended Messages so we accept them (section 3), but the peer did not, so we
        // send at most 4096 octets (section 4).
        Assert.True(reconfigure.Decode.ExtendedMessages);
        Assert.Equal(BgpHeader.MaxMessageLength, reconfigure.MaxSendLength);
        Assert.False(reconfigure.UpdateDecode.FourOctetAs);
        var s = Fsm.StateData.Session!;
        Assert.Equal(new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast }, s.Families);
        Assert.True(s.RouteRefresh);
        Assert.False(s.EnhancedRouteRefresh || s.ExtendedMessages || s.FourOctetAs);
    }

    [Fact]
    public void Peer_without_multiprotocol_capability_does_IPv4_unicast()
    {
        CreateFsm();
        ToOpenConfirm(PeerOpen(capabilities: [new FourOctetAsCapability(RemoteAs)]));
        Assert.Equal(new HashSet<AfiSafi> { AfiSafi.Ipv4Unicast }, Fsm.StateData.Session!.Families);
    }

    [Fact]
    public void Two_octet_peer_with_a_4_octet_configured_AS_is_accepted_through_AS_TRANS()
    {
        CreateFsm(s => s with { PeerAs = 4200000001 });
        var connection = ToOpenSent();
        FromPeer(connection, new OpenMessage(4, OpenMessage.AsTrans, 90, HigherPeerId, [RouteRefreshCapability.Standard]));
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        Assert.False(reconfigure.UpdateDecode.FourOctetAs);
        ExpectSent<KeepaliveMessage>(connection);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        Assert.Equal(4200000001u, Fsm.StateData.Session!.PeerAs);
    }

    [Fact]
    public void Two_octet_peer_is_accepted_when_we_do_not_speak_4_octet_AS()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { FourOctetAs = false } });
        ToOpenConfirm(PeerOpen(capabilities: [RouteRefreshCapability.Standard]));
        Assert.False(Fsm.StateData.Session!.FourOctetAs);
    }

    [Fact]
    public void Four_octet_peer_AS_through_the_capability_is_accepted()
    {
        CreateFsm(s => s with { PeerAs = 4200000001 });
        ToOpenConfirm(PeerOpen(asn: 4200000001));
        Assert.True(Fsm.StateData.Session!.FourOctetAs);
        Assert.Equal(4200000001u, Fsm.StateData.Session.PeerAs);
    }

    [Fact]
    public void iBGP_session_decodes_as_internal()
    {
        CreateFsm(s => s with { PeerAs = LocalAs });
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(asn: LocalAs));
        Assert.Equal(PeerKind.Internal, connection.ExpectMsg<Reconfigure>().UpdateDecode.Peer);
    }

    [Theory]
    [InlineData(300, 90, 30)]   // ours smaller
    [InlineData(30, 30, 10)]    // peer's smaller
    [InlineData(3, 3, 1)]       // the smallest allowed
    public void Hold_time_is_the_smaller_one_and_keepalive_a_third(ushort peerHold, int hold, int keepalive)
    {
        CreateFsm();
        ToOpenConfirm(PeerOpen(holdTime: peerHold));
        Assert.Equal(TimeSpan.FromSeconds(hold), Fsm.StateData.Session!.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(keepalive), Fsm.StateData.Session.KeepaliveTime);
    }

    [Fact]
    public void Send_hold_time_follows_the_negotiated_hold_time()
    {
        // RFC 9687: max(8 minutes, 2 x hold time).
        CreateFsm(s => s with { HoldTime = TimeSpan.FromSeconds(600) });
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen(holdTime: 300));
        Assert.Equal(TimeSpan.FromMinutes(10), connection.ExpectMsg<Reconfigure>().SendHoldTime);
    }

    [Fact]
    public void Configured_send_hold_time_wins()
    {
        CreateFsm(s => s with { SendHoldTime = TimeSpan.FromSeconds(45) });
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen());
        Assert.Equal(TimeSpan.FromSeconds(45), connection.ExpectMsg<Reconfigure>().SendHoldTime);
    }

    // ---------------------------------------------------------------- RFC 8654: send and receive limits apart

    [Fact]
    public void Extended_Messages_we_advertised_are_received_even_when_the_peer_did_not_advertise_them()
    {
        CreateFsm();
        var connection = ToOpenSent();
        var withoutExtended = FullCapabilities(RemoteAs).Where(c => c is not ExtendedMessageCapability).ToList();
        FromPeer(connection, PeerOpen(capabilities: withoutExtended));
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        // RFC 8654 section 3: having advertised it, we accept up to 65535 octets; section 4: we send at most 4096.
        Assert.True(reconfigure.Decode.ExtendedMessages);
        Assert.Equal(BgpHeader.MaxMessageLength, reconfigure.MaxSendLength);
        var s = Fsm.StateData.Session!;
        Assert.True(s.ReceiveExtendedMessages);
        Assert.False(s.SendExtendedMessages);
        Assert.False(s.ExtendedMessages);
        Assert.Equal((65535, 4096), (s.MaxReceiveLength, s.MaxSendLength));
    }

    [Fact]
    public void Extended_Messages_are_sent_when_both_advertised_them()
    {
        CreateFsm();
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen());
        Assert.Equal(BgpHeader.ExtendedMaxMessageLength, connection.ExpectMsg<Reconfigure>().MaxSendLength);
    }

    [Fact]
    public void Extended_Messages_are_neither_sent_nor_received_when_we_did_not_advertise_them()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { ExtendedMessages = false } });
        var connection = ToOpenSent();
        FromPeer(connection, PeerOpen());
        var reconfigure = connection.ExpectMsg<Reconfigure>();
        Assert.False(reconfigure.Decode.ExtendedMessages);
        Assert.Equal(BgpHeader.MaxMessageLength, reconfigure.MaxSendLength);
    }

    // ---------------------------------------------------------------- RFC 9234 BGP Role

    [Theory]
    [InlineData(BgpRole.Provider, BgpRole.Customer, true)]
    [InlineData(BgpRole.Customer, BgpRole.Provider, true)]
    [InlineData(BgpRole.RouteServer, BgpRole.RouteServerClient, true)]
    [InlineData(BgpRole.RouteServerClient, BgpRole.RouteServer, true)]
    [InlineData(BgpRole.Peer, BgpRole.Peer, true)]
    [InlineData(BgpRole.Provider, BgpRole.Provider, false)]
    [InlineData(BgpRole.Customer, BgpRole.Peer, false)]
    [InlineData(BgpRole.Peer, (BgpRole)9, false)]
    public void Role_pairs_outside_RFC_9234_section_4_2_are_2_11(BgpRole ours, BgpRole theirs, bool ok)
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Role = ours } });
        var open = PeerOpen(capabilities: [.. FullCapabilities(RemoteAs), new RoleCapability(theirs)]);
        if (!ok)
        {
            ExpectOpenRejected(open, OpenSubcode.RoleMismatch, []);
            return;
        }
        var connection = ToOpenSent();
        FromPeer(connection, open);
        connection.ExpectMsg<Reconfigure>();
        Assert.Equal(theirs, Fsm.StateData.Session!.PeerRole);
    }

    [Fact]
    public void Our_OPEN_carries_our_role_on_eBGP_only()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Role = BgpRole.Customer } });
        Assert.Equal(BgpRole.Customer, OpenExchange.BuildOpen(Settings).Get<RoleCapability>()!.Role);
        var internalSettings = Settings with { PeerAs = LocalAs };
        Assert.Null(OpenExchange.BuildOpen(internalSettings).Get<RoleCapability>());
    }

    [Fact]
    public void Strict_role_rejects_a_peer_without_one_and_lenient_accepts_it()
    {
        CreateFsm(s => s with { Capabilities = s.Capabilities with { Role = BgpRole.Customer, StrictRole = true } });
        ExpectOpenRejected(PeerOpen(), OpenSubcode.RoleMismatch, []);

        var lenient = DefaultSettings with { Capabilities = DefaultSettings.Capabilities with { Role = BgpRole.Customer } };
        Assert.True(OpenExchange.TryNegotiate(lenient, PeerOpen(), out var session, out _, out _));
        Assert.Null(session!.PeerRole);
    }

    [Fact]
    public void Conflicting_roles_are_2_11_and_a_repeated_one_is_fine()
    {
        var settings = DefaultSettings with { Capabilities = DefaultSettings.Capabilities with { Role = BgpRole.Customer } };
        var twice = PeerOpen(capabilities: [.. FullCapabilities(RemoteAs), new RoleCapability(BgpRole.Provider), new RoleCapability(BgpRole.Provider)]);
        Assert.True(OpenExchange.TryNegotiate(settings, twice, out var session, out _, out _));
        Assert.Equal(BgpRole.Provider, session!.PeerRole);

        var conflicting = PeerOpen(capabilities: [.. FullCapabilities(RemoteAs), new RoleCapability(BgpRole.Provider), new RoleCapability(BgpRole.Peer)]);
        Assert.False(OpenExchange.TryNegotiate(settings, conflicting, out _, out var error, out var why));
        Assert.Equal((ErrorCode.OpenMessage, OpenSubcode.RoleMismatch), (error!.Code, error.Subcode));
        Assert.Contains("conflicting", why);
    }

    [Fact]
    public void Without_a_role_of_ours_the_peers_role_is_only_recorded()
    {
        var open = PeerOpen(capabilities: [.. FullCapabilities(RemoteAs), new RoleCapability(BgpRole.Provider), new RoleCapability(BgpRole.Peer)]);
        Assert.True(OpenExchange.TryNegotiate(DefaultSettings, open, out _, out _, out _));
        open = PeerOpen(capabilities: [.. FullCapabilities(RemoteAs), new RoleCapability(BgpRole.Provider)]);
        Assert.True(OpenExchange.TryNegotiate(DefaultSettings, open, out var session, out _, out _));
        Assert.Equal(BgpRole.Provider, session!.PeerRole);
    }

    // ---------------------------------------------------------------- dynamic neighbors with an AS range

    [Fact]
    public void An_AS_range_accepts_any_AS_in_it_and_the_session_takes_the_peers_AS()
    {
        var settings = DefaultSettings with { PeerAs = 64512, PeerAsRange = (64512, 65534) };
        Assert.True(OpenExchange.TryNegotiate(settings, PeerOpen(asn: 65010), out var session, out _, out _));
        Assert.Equal(65010u, session!.PeerAs);
        Assert.Equal(PeerKind.External, session.UpdateDecode(settings).Peer);
        Assert.Equal(65010u, session.UpdateDecode(settings).PeerAs);

        // A 2-octet peer (no 4-octet AS capability): its My AS.
        Assert.True(OpenExchange.TryNegotiate(settings, PeerOpen(asn: 65020, capabilities: [new MultiprotocolCapability(AfiSafi.Ipv4Unicast)]),
            out session, out _, out _));
        Assert.Equal(65020u, session!.PeerAs);
    }

    [Fact]
    public void An_AS_outside_the_range_is_2_2()
    {
        var settings = DefaultSettings with { PeerAs = 64512, PeerAsRange = (64512, 65000) };
        Assert.False(OpenExchange.TryNegotiate(settings, PeerOpen(asn: 65002), out _, out var error, out var why));
        Assert.Equal((ErrorCode.OpenMessage, OpenSubcode.BadPeerAs), (error!.Code, error.Subcode));
        Assert.Contains("64512-65000", why);
    }

    [Fact]
    public void An_AS_range_that_includes_ours_makes_that_peer_internal()
    {
        var settings = DefaultSettings with { PeerAs = 64512, PeerAsRange = (64512, 65534) };
        Assert.True(OpenExchange.TryNegotiate(settings, PeerOpen(asn: LocalAs), out var session, out _, out _));
        Assert.Equal(PeerKind.Internal, session!.UpdateDecode(settings).Peer);
        // RFC 6286 2.1: and then our own identifier is refused.
        Assert.False(OpenExchange.TryNegotiate(settings, PeerOpen(asn: LocalAs, identifier: LocalId), out _, out var error, out _));
        Assert.Equal(OpenSubcode.BadBgpIdentifier, error!.Subcode);
    }
}
