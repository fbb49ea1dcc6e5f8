using System.Net;
using Akka.TestKit;
using Akka.Actor;
using AkkaBgp.Session;
using AkkaBgp.Transport;
using AkkaBgp.Wire;

namespace AkkaBgp.Tests.Session;

/// <summary>
/// One FSM per test on virtual time, with probes standing in for the connector, the connections and the RIB,
/// and a probe subscribed to <see cref="SessionStateChanged"/> on the EventStream.
/// </summary>
public abstract class FsmTestKit : BgpTestKit
{
    protected static readonly IPAddress PeerAddress = IPAddress.Parse("192.0.2.2");
    protected static readonly IPEndPoint PeerEndPoint = new(PeerAddress, 179);
    protected static readonly IPEndPoint LocalEndPoint = new(IPAddress.Parse("192.0.2.1"), 40000);
    protected const uint LocalAs = 65001;
    protected const uint RemoteAs = 65002;
    /// <summary>10.0.0.1</summary>
    protected const uint LocalId = 0x0A000001;
    /// <summary>10.0.0.2: higher than ours.</summary>
    protected const uint HigherPeerId = 0x0A000002;
    /// <summary>9.0.0.1: lower than ours.</summary>
    protected const uint LowerPeerId = 0x09000001;

    protected readonly TestProbe Connector;
    protected readonly TestProbe Rib;
    protected readonly TestProbe Events;
    private int _connections;

    protected FsmTestKit()
    {
        Connector = CreateTestProbe("connector");
        Rib = CreateTestProbe("rib");
        Events = CreateTestProbe("events");
        Sys.EventStream.Subscribe(Events.Ref, typeof(SessionStateChanged));
    }

    protected NeighborSettings Settings { get; private set; } = DefaultSettings;

    protected TestFSMRef<BgpFsm, SessionState, SessionData> Fsm { get; private set; } = null!;

    protected static NeighborSettings DefaultSettings => new()
    {
        PeerAddress = PeerAddress,
        PeerAs = RemoteAs,
        LocalAs = LocalAs,
        RouterId = LocalId,
    };

    protected TestFSMRef<BgpFsm, SessionState, SessionData> CreateFsm(Func<NeighborSettings, NeighborSettings>? tweak = null)
    {
        Settings = tweak is null ? DefaultSettings : tweak(DefaultSettings);
        var settings = Settings;
        Fsm = ActorOfAsTestFSMRef<BgpFsm, SessionState, SessionData>(
            () => new BgpFsm(settings, Connector.Ref, Rib.Ref), "fsm-" + PeerAddress);
        return Fsm;
    }

    protected TestProbe NewConnection() => CreateTestProbe("connection-" + ++_connections);

    // ---- messages from the peer ------------------------------------------------------------

    protected static IReadOnlyList<Capability> FullCapabilities(uint asn) =>
    [
        new MultiprotocolCapability(AfiSafi.Ipv4Unicast),
        new MultiprotocolCapability(AfiSafi.Ipv6Unicast),
        RouteRefreshCapability.Standard,
        EnhancedRouteRefreshCapability.Instance,
        new FourOctetAsCapability(asn),
        ExtendedMessageCapability.Instance,
    ];

    protected static OpenMessage PeerOpen(ushort holdTime = 90, uint identifier = HigherPeerId, uint asn = RemoteAs,
        IReadOnlyList<Capability>? capabilities = null) =>
        new(4, asn > ushort.MaxValue ? OpenMessage.AsTrans : (ushort)asn, holdTime, identifier, capabilities ?? FullCapabilities(asn));

    protected static BgpUpdate EmptyUpdate()
    {
        // Withdrawn Routes Length 0, Total Path Attribute Length 0: End-of-RIB for IPv4 unicast.
        Assert.True(UpdateMessage.TryDecode(new byte[4], new UpdateDecodeContext(true), out var update, out _));
        return new BgpUpdate(update, new UpdateEncodeContext(true));
    }

    /// <summary>Tell the FSM, from no sender (TestFSMRef's own Tell needs one).</summary>
    protected void Tell(object message, IActorRef? sender = null) => Fsm.Tell(message, sender);

    protected void FromPeer(TestProbe connection, BgpMessage message) => Tell(new Received(message, connection.Ref), connection.Ref);

    // ---- driving the FSM through the states ---------------------------------------------------

    /// <summary>ManualStart: returns the dial the connector was asked for.</summary>
    protected Connect Start()
    {
        Tell(new ManualStart());
        var connect = Connector.ExpectMsg<Connect>();
        Assert.Equal(PeerEndPoint, connect.Remote);
        return connect;
    }

    /// <summary>Our dial succeeds: the connection is registered and gets our OPEN.</summary>
    protected TestProbe ToOpenSent()
    {
        var connect = Start();
        var connection = NewConnection();
        Tell(new Connected(connection.Ref, LocalEndPoint, PeerEndPoint, connect.Attempt));
        connection.ExpectMsg<Register>();
        ExpectSent<OpenMessage>(connection);
        Assert.Equal(SessionState.OpenSent, Fsm.StateName);
        return connection;
    }

    protected TestProbe ToOpenConfirm(OpenMessage? open = null)
    {
        var connection = ToOpenSent();
        FromPeer(connection, open ?? PeerOpen());
        connection.ExpectMsg<Reconfigure>();
        ExpectSent<KeepaliveMessage>(connection);
        Assert.Equal(SessionState.OpenConfirm, Fsm.StateName);
        return connection;
    }

    protected TestProbe ToEstablished(OpenMessage? open = null)
    {
        var connection = ToOpenConfirm(open);
        FromPeer(connection, KeepaliveMessage.Instance);
        Rib.ExpectMsg<PeerUp>();
        Assert.Equal(SessionState.Established, Fsm.StateName);
        return connection;
    }

    // ---- expectations ---------------------------------------------------------------------------

    protected static T ExpectSent<T>(TestProbe connection) where T : BgpMessage =>
        (T)connection.ExpectMsg<Send>(s => s.Message is T).Message;

    /// <summary>The next thing the connection gets is this exact NOTIFICATION, then a Close.</summary>
    protected static NotificationMessage ExpectNotification(TestProbe connection, byte code, byte subcode, byte[]? data = null)
    {
        var sent = connection.ExpectMsg<Send>();
        var notification = Assert.IsType<NotificationMessage>(sent.Message);
        Assert.Equal((code, subcode), (notification.Code, notification.Subcode));
        if (data is not null) Assert.Equal(Convert.ToHexString(data), Convert.ToHexString(notification.Data));
        connection.ExpectMsg<Close>();
        return notification;
    }

    /// <summary>The connection is closed without a NOTIFICATION.</summary>
    protected static void ExpectClosedSilently(TestProbe connection) => connection.ExpectMsg<Close>();

    /// <summary>Skips earlier transitions; returns the first one into <paramref name="to"/>.</summary>
    protected SessionStateChanged ExpectTransition(SessionState from, SessionState to, int eventNumber)
    {
        var change = Events.FishForMessage<SessionStateChanged>(c => c.To == to && c.From == from);
        Assert.Equal(eventNumber, change.EventNumber);
        Assert.Equal(BgpEvent.Name(eventNumber), change.EventName);
        return change;
    }

    protected void AssertState(SessionState state, int connectRetryCounter)
    {
        Assert.Equal(state, Fsm.StateName);
        Assert.Equal(connectRetryCounter, Fsm.StateData.ConnectRetryCounter);
    }

    protected NeighborStatus Status()
    {
        Tell(GetNeighborStatus.Instance, TestActor);
        return ExpectMsg<NeighborStatus>();
    }
}
