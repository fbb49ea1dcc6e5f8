using System.Net;
using AkkaBgp.Service.Reload;
using AkkaBgp.Session;

namespace AkkaBgp.Service.Tests.Host;

public sealed class NeighborChangeTests
{
    private static readonly NeighborSettings Base = new()
    {
        PeerAddress = IPAddress.Parse("192.0.2.2"),
        PeerAs = 64496,
        LocalAs = 65000,
        RouterId = 0xC0000201,
    };

    [Fact]
    public void Equal_settings_have_no_differences()
    {
        var copy = Base with { Capabilities = new CapabilitySettings(), Import = new RoutePolicy() };
        Assert.Empty(NeighborChange.Differences(Base, copy));
    }

    [Theory]
    [InlineData(nameof(NeighborSettings.HoldTime))]
    [InlineData(nameof(NeighborSettings.PeerAs))]
    [InlineData(nameof(NeighborSettings.LocalAddress))]
    [InlineData(nameof(NeighborSettings.Capabilities))]
    [InlineData(nameof(NeighborSettings.Password))]
    [InlineData(nameof(NeighborSettings.Import))]
    [InlineData(nameof(NeighborSettings.Export))]
    [InlineData(nameof(NeighborSettings.MaxPrefix))]
    [InlineData(nameof(NeighborSettings.NextHopSelf))]
    public void Session_affecting_changes_need_a_new_session(string property)
    {
        var changed = property switch
        {
            nameof(NeighborSettings.HoldTime) => Base with { HoldTime = TimeSpan.FromSeconds(30) },
            nameof(NeighborSettings.PeerAs) => Base with { PeerAs = 64497 },
            nameof(NeighborSettings.LocalAddress) => Base with { LocalAddress = IPAddress.Parse("192.0.2.1") },
            nameof(NeighborSettings.Capabilities) => Base with { Capabilities = new CapabilitySettings { Ipv6Unicast = false } },
            nameof(NeighborSettings.Password) => Base with { Password = "secret" },
            nameof(NeighborSettings.Import) => Base with { Import = RoutePolicy.RejectAll },
            nameof(NeighborSettings.Export) => Base with { Export = RoutePolicy.RejectAll },
            nameof(NeighborSettings.MaxPrefix) => Base with { MaxPrefix = new MaxPrefixLimit { Limit = 10 } },
            _ => Base with { NextHopSelf = true },
        };
        var differences = NeighborChange.Differences(Base, changed);
        Assert.Equal([property], differences);
        Assert.True(NeighborChange.NeedsNewSession(differences));
    }

    [Fact]
    public void Timers_for_reconnecting_description_and_shutdown_text_wait_for_the_next_session()
    {
        var changed = Base with
        {
            Description = "renamed",
            ConnectRetryTime = TimeSpan.FromSeconds(5),
            IdleHoldTime = TimeSpan.FromSeconds(1),
            ShutdownCommunication = "bye",
            PassiveTcpEstablishment = true,
        };
        var differences = NeighborChange.Differences(Base, changed);
        Assert.Equal(5, differences.Count);
        Assert.False(NeighborChange.NeedsNewSession(differences));
        Assert.True(NeighborChange.NeedsNewSession([.. differences, nameof(NeighborSettings.HoldTime)]));
    }
}
