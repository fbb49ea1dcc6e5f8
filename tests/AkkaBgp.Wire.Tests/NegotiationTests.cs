namespace AkkaBgp.Wire.Tests;

/// <summary>What two OPENs settle: RFC 4271 hold time, RFC 6793, RFC 8654, RFC 7911, RFC 9234, RFC 4760.</summary>
public class NegotiationTests
{
    private static OpenMessage Open(uint asn, uint id, ushort hold, params Capability[] caps) => OpenMessage.Create(asn, hold, id, caps);

    private static NegotiatedCapabilities Ok(OpenMessage local, OpenMessage remote, CapabilityNegotiationPolicy policy = default)
    {
        Assert.True(NegotiatedCapabilities.TryNegotiate(local, remote, policy, out var s, out var e), e?.ToString());
        return s!;
    }

    private static WireError Fails(OpenMessage local, OpenMessage remote, CapabilityNegotiationPolicy policy = default)
    {
        Assert.False(NegotiatedCapabilities.TryNegotiate(local, remote, policy, out _, out var e));
        return e!;
    }

    [Fact]
    public void Typical_ebgp_session()
    {
        var local = Open(65001, 1, 90, new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new MultiprotocolCapability(AfiSafi.Ipv6Unicast),
            RouteRefreshCapability.Standard, EnhancedRouteRefreshCapability.Instance, ExtendedMessageCapability.Instance,
            new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Both), new AddPathFamily(AfiSafi.Ipv6Unicast, AddPathMode.Receive)));
        var remote = Open(4200000001, 2, 180, new MultiprotocolCapability(AfiSafi.Ipv4Unicast), RouteRefreshCapability.PreStandard,
            new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Receive), new AddPathFamily(AfiSafi.Ipv6Unicast, AddPathMode.Both)),
            GracefulRestartCapability.Create(120, false, true));
        var s = Ok(local, remote, new CapabilityNegotiationPolicy { ExpectedPeerAs = 4200000001 });
        Assert.Equal(4200000001u, s.PeerAs);
        Assert.Equal(90, s.HoldTime);
        Assert.Equal(TimeSpan.FromSeconds(30), s.KeepaliveInterval);
        Assert.True(s.FourOctetAs);
        Assert.True(s.ReceiveExtendedMessages);
        Assert.False(s.SendExtendedMessages);
        Assert.Equal((65535, 4096), (s.MaxReceiveLength, s.MaxSendLength));
        Assert.True(s.RouteRefresh);
        Assert.False(s.EnhancedRouteRefresh);
        Assert.Equal([AfiSafi.Ipv4Unicast], s.Families);
        Assert.Equal([AfiSafi.Ipv4Unicast], s.AddPathSend);
        Assert.Empty(s.AddPathReceive); // IPv6 would be, but IPv6 is not a shared family
        Assert.Equal(120, s.PeerGracefulRestart!.RestartTime);

        var d = s.DecodeContext(PeerKind.External);
        Assert.True(d.ExtendedMessages);
        Assert.True(d.Update.FourOctetAs);
        Assert.Equal(4200000001u, d.Update.PeerAs);
        var enc = s.EncodeContext();
        Assert.True(enc.AddPathSend.Contains(1, 1));
        Assert.Equal(4096, enc.EffectiveMaxMessageSize);
    }

    [Fact]
    public void No_multiprotocol_capability_means_ipv4_unicast()
    {
        var s = Ok(new OpenMessage(4, 65001, 0, 1, []), new OpenMessage(4, 65002, 30, 2, []));
        Assert.Equal([AfiSafi.Ipv4Unicast], s.Families);
        Assert.False(s.FourOctetAs);
        Assert.Equal(0, s.HoldTime);
    }

    [Fact]
    public void Bad_peer_as_compares_the_4_octet_as()
    {
        var remote = Open(4200000001, 2, 90);
        Decode.Is(Fails(Open(65001, 1, 90), remote, new CapabilityNegotiationPolicy { ExpectedPeerAs = 23456 }), 2, 2);
    }

    [Fact]
    public void Same_identifier_inside_an_as_is_bad()
    {
        Decode.Is(Fails(Open(65001, 7, 90), Open(65001, 7, 90)), 2, 3);
        Ok(Open(65001, 7, 90), Open(65002, 7, 90)); // allowed between different ASes (RFC 6286 section 2.2)
    }

    [Theory]
    [InlineData(BgpRole.Provider, BgpRole.Customer, true)]
    [InlineData(BgpRole.Customer, BgpRole.Provider, true)]
    [InlineData(BgpRole.RouteServer, BgpRole.RouteServerClient, true)]
    [InlineData(BgpRole.Peer, BgpRole.Peer, true)]
    [InlineData(BgpRole.Provider, BgpRole.Provider, false)]
    [InlineData(BgpRole.Customer, BgpRole.Peer, false)]
    [InlineData(BgpRole.Peer, (BgpRole)9, false)]
    public void Roles(BgpRole local, BgpRole remote, bool ok)
    {
        var l = Open(65001, 1, 90, new RoleCapability(local));
        var r = Open(65002, 2, 90, new RoleCapability(remote));
        if (ok) Assert.Equal(remote, Ok(l, r).PeerRole);
        else Decode.Is(Fails(l, r), 2, 11);
    }

    [Fact]
    public void Role_strict_mode_and_conflicting_roles()
    {
        var l = Open(65001, 1, 90, new RoleCapability(BgpRole.Customer));
        Assert.Null(Ok(l, Open(65002, 2, 90)).PeerRole);
        Decode.Is(Fails(l, Open(65002, 2, 90), new CapabilityNegotiationPolicy { StrictRole = true }), 2, 11);
        var twice = Open(65002, 2, 90, new RoleCapability(BgpRole.Provider), new RoleCapability(BgpRole.Provider));
        Assert.Equal(BgpRole.Provider, Ok(l, twice).PeerRole);
        var conflicting = Open(65002, 2, 90, new RoleCapability(BgpRole.Provider), new RoleCapability(BgpRole.Peer));
        Decode.Is(Fails(l, conflicting), 2, 11);
    }
}
