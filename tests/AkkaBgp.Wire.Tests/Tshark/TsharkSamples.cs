namespace AkkaBgp.Wire.Tests.Tshark;

/// <summary>One encoder output for the tshark cross-check, with text the tshark decode must contain.</summary>
public sealed record TsharkSample(string Name, byte[] Message, params string[] Expect);

/// <summary>
/// A provider of tshark samples. Every implementation in this assembly with a parameterless constructor
/// is written into the capture, so UPDATE samples join by adding a class.
/// </summary>
public interface ITsharkSampleSource
{
    IEnumerable<TsharkSample> Samples();
}

/// <summary>Everything this codec's session-message encoders produce.</summary>
public sealed class SessionMessageSamples : ITsharkSampleSource
{
    private static OpenMessage Open(params Capability[] caps) => OpenMessage.Create(65001, 90, 0xC0000201, caps);

    public IEnumerable<TsharkSample> Samples()
    {
        yield return new("keepalive", KeepaliveMessage.Instance.ToArray(), "KEEPALIVE Message");

        yield return new("open-none", new OpenMessage(4, 65001, 180, 0x0A000001, []).ToArray(), "OPEN Message", "My AS: 65001", "Hold Time: 180");
        var each = new (string, Capability, string)[]
        {
            ("mp-ipv4", new MultiprotocolCapability(AfiSafi.Ipv4Unicast), "AFI: IPv4 (1)"),
            ("mp-ipv6", new MultiprotocolCapability(AfiSafi.Ipv6Unicast), "AFI: IPv6 (2)"),
            ("route-refresh", RouteRefreshCapability.Standard, "Route refresh capability (2)"),
            ("route-refresh-cisco", RouteRefreshCapability.PreStandard, "(128)"),
            ("enhanced-route-refresh", EnhancedRouteRefreshCapability.Instance, "(70)"),
            ("extended-message", ExtendedMessageCapability.Instance, "Type: BGP-Extended Message (6)"),
            ("four-octet-as", new FourOctetAsCapability(4200000001), "AS Number: 4200000001"),
            ("graceful-restart", GracefulRestartCapability.Create(120, restarting: true, notification: true,
                new GracefulRestartFamily(AfiSafi.Ipv4Unicast, true), new GracefulRestartFamily(AfiSafi.Ipv6Unicast, false)), "Restart state: Yes"),
            ("graceful-restart-helper", GracefulRestartCapability.Create(0, false, false), "Restart state: No"),
            ("add-path", new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Both), new AddPathFamily(AfiSafi.Ipv6Unicast, AddPathMode.Receive)), "Send/Receive: Both (3)"),
            ("role", new RoleCapability(BgpRole.Customer), "Type: BGP Role (9)"),
            ("fqdn", FqdnCapability.Create("router1", "example.net"), "Domain Name: example.net"),
            ("extended-next-hop", new ExtendedNextHopCapability(new ExtendedNextHopFamily(1, 1, 2)), "Next hop AFI: IPv6 (2)"),
            ("unknown-llgr", new UnknownCapability(71, [0, 1, 1, 0x80, 0, 0x0E, 0x10]), "(71)"),
        };
        foreach (var (name, cap, expect) in each)
            yield return new($"open-{name}", Open(cap).ToArray(), "OPEN Message", "My AS: 65001", expect);

        OpenMessage all = Open(each.Select(e => e.Item2).ToArray());
        yield return new("open-all", all.ToArray(), "OPEN Message");
        // RFC 9072 format. Not the small "all" OPEN forced into that format: tshark 4.0 takes the extended
        // format only when the message is longer than a classic OPEN can be (about 284 octets) and
        // reports a 130-octet extended OPEN as malformed, though RFC 9072 section 2 allows it.
        var many = Enumerable.Range(1, 70).Select(i => (Capability)new MultiprotocolCapability(new AfiSafi((ushort)(i % 2 + 1), (byte)i))).ToArray();
        yield return new("open-rfc9072-large", Open(many).ToArray(), "OPEN Message", "Optional Parameters Length: 255");

        for (byte code = 1; code <= 8; code++)
        {
            int max = code switch { 1 => 3, 2 => 11, 3 => 11, 5 => 3, 6 => 10, 7 => 1, _ => 0 };
            for (byte sub = 0; sub <= max; sub++)
            {
                if (code == 6 && sub is 2 or 4) continue; // with a Shutdown Communication below
                byte[] data = (code, sub) switch
                {
                    (1, 2) => [0x10, 0x01],
                    (1, 3) => [0x07],
                    (2, 1) => [0, 4],
                    _ => [],
                };
                yield return new($"notification-{code}-{sub}", new NotificationMessage(code, sub, data).ToArray(), "NOTIFICATION Message");
            }
        }
        yield return new("notification-shutdown", NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "planned maintenance, back at 14:00").ToArray(),
            "NOTIFICATION Message", "planned maintenance, back at 14:00");
        yield return new("notification-reset-utf8", NotificationMessage.Shutdown(CeaseSubcode.AdministrativeReset, "Wartung für Router 中").ToArray(),
            "NOTIFICATION Message", "Wartung");
        yield return new("notification-shutdown-empty", NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "").ToArray(), "NOTIFICATION Message");

        foreach (AfiSafi family in new[] { AfiSafi.Ipv4Unicast, AfiSafi.Ipv6Unicast })
            foreach (RouteRefreshSubtype subtype in Enum.GetValues<RouteRefreshSubtype>())
                yield return new($"route-refresh-{family}-{subtype}", new RouteRefreshMessage(family, subtype).ToArray(), "ROUTE-REFRESH Message",
                    $"Subtype: {(subtype switch { RouteRefreshSubtype.Normal => "Normal route refresh", RouteRefreshSubtype.BeginningOfRouteRefresh => "Demarcation of the beginning", _ => "Demarcation of the ending" })}");

        // End-of-RIB markers from the UPDATE encoder (RFC 4724 section 2).
        yield return new("update-eor-ipv4", UpdateEncoder.EndOfRib(Afi.Ipv4, Safi.Unicast), "UPDATE Message");
        yield return new("update-eor-ipv6", UpdateEncoder.EndOfRib(Afi.Ipv6, Safi.Unicast), "UPDATE Message");

        // A plain IPv4 and an MP_REACH IPv6 UPDATE from the UPDATE encoder (its own samples can be added in another source).
        var attrs = new AkkaBgp.Wire.Attributes.PathAttributesBuilder
        {
            Origin = AkkaBgp.Wire.Attributes.Origin.Igp,
            AsPath = AkkaBgp.Wire.Attributes.AsPath.Sequence(65001, 4200000001, 65003),
            NextHop = 0xC0000201,
            MultiExitDisc = 10,
        };
        attrs.Communities.Add(AkkaBgp.Wire.Attributes.Community.NoExport);
        var v4 = attrs.Build();
        var ctx = new UpdateEncodeContext(fourOctetAs: true);
        yield return new("update-ipv4", UpdateEncoder.EncodeIPv4(ctx, [Prefix.Parse("198.51.100.0/24")], v4,
            [Prefix.Parse("203.0.113.0/24"), Prefix.Parse("10.0.0.0/8"), Prefix.Parse("192.0.2.128/25")]),
            "UPDATE Message", "203.0.113.0/24", "4200000001", "NO_EXPORT");
        attrs.NextHop = null;
        byte[] nextHop = System.Net.IPAddress.Parse("2001:db8::1").GetAddressBytes();
        yield return new("update-ipv6-mp-reach", UpdateEncoder.EncodeMp(ctx, Afi.Ipv6, Safi.Unicast, [], attrs.Build(), nextHop,
            [Prefix.Parse("2001:db8:1::/48"), Prefix.Parse("2001:db8:2::/64")]), "UPDATE Message", "MP_REACH_NLRI", "2001:db8:1::/48");
        yield return new("update-ipv6-mp-unreach", UpdateEncoder.EncodeMp(ctx, Afi.Ipv6, Safi.Unicast, [Prefix.Parse("2001:db8:3::/48")], null, default, []),
            "UPDATE Message", "MP_UNREACH_NLRI", "2001:db8:3::/48");
    }
}
