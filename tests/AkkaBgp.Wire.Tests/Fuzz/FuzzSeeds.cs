using AkkaBgp.Wire.Tests.Generators;

namespace AkkaBgp.Wire.Tests.Fuzz;

/// <summary>A whole, valid message to mutate, and the session context to decode its mutants with.</summary>
public sealed record FuzzSeed(string Name, byte[] Message, DecodeContext Context = default);

/// <summary>
/// A provider of fuzz seeds. Every non-abstract implementation in this assembly with a parameterless
/// constructor is picked up by <see cref="MutationFuzzer.DiscoverSeeds"/>, so a new message type joins
/// the fuzz run by adding a class, without touching the fuzzer.
/// </summary>
public interface IFuzzSeedSource
{
    IEnumerable<FuzzSeed> Seeds();
}

/// <summary>OPEN (every capability, both optional-parameter formats), NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.</summary>
public sealed class SessionMessageSeeds : IFuzzSeedSource
{
    public IEnumerable<FuzzSeed> Seeds()
    {
        yield return new("keepalive", KeepaliveMessage.Instance.ToArray());
        yield return new("open-typical", Hex.Parse("M 002D 01 04 FDE8 00B4 C0000201 10 02 0E 01 04 0001 00 01 02 00 41 04 0000FDE8"));
        yield return new("open-rfc9072", Hex.Parse("M 0031 01 04 FDE8 00B4 C0000201 FF FF 0011 02 000E 01 04 0001 00 01 02 00 41 04 0000FDE8"));
        yield return new("open-params-split", OpenTests.Open("0C 02 06 01 04 0001 00 01 02 02 02 00"));
        yield return new("open-all-caps", OpenTests.WithCaps(
            "01 04 0001 00 01 01 04 0002 00 01 02 00 80 00 46 00 41 04 FA56EA01 40 0A 8078 0001 01 80 0002 01 00" +
            "45 08 0001 01 03 0002 01 01 06 00 09 01 03 49 0A 05 686F737431 03 6C6162 05 06 0001 0001 0002 47 07 0001 01 80 000E10"));
        yield return new("notification-shutdown", NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "maintenance window").ToArray());
        yield return new("notification-reset", NotificationMessage.Shutdown(CeaseSubcode.AdministrativeReset, "é中").ToArray());
        yield return new("notification-header", Hex.Parse("M 0017 03 01 02 1001"));
        yield return new("route-refresh", new RouteRefreshMessage(AfiSafi.Ipv4Unicast).ToArray());
        yield return new("borr", new RouteRefreshMessage(AfiSafi.Ipv6Unicast, RouteRefreshSubtype.BeginningOfRouteRefresh).ToArray());
        yield return new("eorr", new RouteRefreshMessage(AfiSafi.Ipv4Unicast, RouteRefreshSubtype.EndOfRouteRefresh).ToArray());

        var gen = new MessageGenerator(77);
        for (int i = 0; i < 60; i++)
            yield return new($"open-random-{i}", gen.Open().ToArray(), new DecodeContext { ExtendedMessages = true });
        for (int i = 0; i < 20; i++)
            yield return new($"notification-random-{i}", gen.Notification().ToArray());
    }
}
