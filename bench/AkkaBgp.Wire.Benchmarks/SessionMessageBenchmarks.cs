using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Wire.Benchmarks;

/// <summary>Decode and encode of the non-UPDATE messages: rare on the wire, but KEEPALIVE decode is on every session's hot path.</summary>
[MemoryDiagnoser]
public class SessionMessageBenchmarks
{
    private byte[] _open = null!, _keepalive = null!, _notification = null!, _routeRefresh = null!;
    private OpenMessage _openMessage = null!;
    private readonly byte[] _buffer = new byte[4096];

    [GlobalSetup]
    public void Setup()
    {
        _openMessage = OpenMessage.Create(4200000001, 90, 0xC0000201,
        [
            new MultiprotocolCapability(AfiSafi.Ipv4Unicast), new MultiprotocolCapability(AfiSafi.Ipv6Unicast),
            RouteRefreshCapability.Standard, EnhancedRouteRefreshCapability.Instance, ExtendedMessageCapability.Instance,
            GracefulRestartCapability.Create(120, false, true, new GracefulRestartFamily(AfiSafi.Ipv4Unicast, true)),
            new AddPathCapability(new AddPathFamily(AfiSafi.Ipv4Unicast, AddPathMode.Both)),
            FqdnCapability.Create("router1", "example.net"),
        ]);
        _open = _openMessage.ToArray();
        _keepalive = KeepaliveMessage.Instance.ToArray();
        _notification = NotificationMessage.Shutdown(CeaseSubcode.AdministrativeShutdown, "maintenance").ToArray();
        _routeRefresh = new RouteRefreshMessage(AfiSafi.Ipv4Unicast).ToArray();
    }

    [Benchmark] public bool Decode_keepalive() => BgpMessageCodec.TryDecode(_keepalive, default, out _, out _);
    [Benchmark] public bool Decode_route_refresh() => BgpMessageCodec.TryDecode(_routeRefresh, default, out _, out _);
    [Benchmark] public bool Decode_notification() => BgpMessageCodec.TryDecode(_notification, default, out _, out _);
    [Benchmark] public bool Decode_open_8_capabilities() => BgpMessageCodec.TryDecode(_open, default, out _, out _);
    [Benchmark] public int Encode_open_8_capabilities() => _openMessage.Encode(_buffer);
}
