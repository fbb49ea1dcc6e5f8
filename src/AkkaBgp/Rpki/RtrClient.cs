using Akka.Actor;
using Akka.Event;
using Akka.IO;
using AkkaBgp.Wire.Rtr;

namespace AkkaBgp.Rpki;

/// <summary>
/// The router side of the RPKI-to-Router protocol with one cache (draft-ietf-sidrops-8210bis version 2, falling back to
/// RFC 8210 version 1 and RFC 6810 version 0) over plain TCP.
/// <para>
/// Version (RFC 8210 section 7): the first query goes out in version 2; an Error Report "Unsupported Protocol
/// Version" before any other PDU makes the next connection (at once) use the next lower version (or the one the
/// report carries, if lower), and a cache answering in a lower version is followed. Once a PDU of the session's
/// version has come, another version is "Unexpected Protocol Version".
/// </para>
/// <para>
/// ASPA (version 2, 8210bis section 5.12): an announcement replaces what is held for its customer AS, a withdrawal of
/// a customer not held is "Withdrawal of Unknown Record"; applied at End of Data with the VRPs.
/// </para>
/// <para>
/// Queries (sections 5.3, 5.4, 8): Reset Query without data, Serial Query with the session id and serial of the last
/// End of Data; again at the refresh interval and on Serial Notify; Cache Reset answers with a Reset Query. The answer
/// (Cache Response ... End of Data) is applied only when complete, as one change; announcing a record already held is
/// "Duplicate Announcement Received", withdrawing one not held "Withdrawal of Unknown Record" (section 12).
/// </para>
/// <para>
/// Timers (section 6): the cache's Refresh, Retry and Expire Intervals from a version 1 End of Data, within the
/// section's ranges, else the configured ones. A lost connection is retried after the retry interval; the data stays
/// in use until the expire interval after the last End of Data, then is dropped with a log line.
/// </para>
/// <para>
/// Errors: a PDU the codec rejects, or one out of place, gets an Error Report (never for an Error Report, section
/// 5.11) and the connection closes. A received fatal Error Report closes it; "No Data Available" waits for the retry
/// interval with the connection open.
/// </para>
/// </summary>
public sealed class RtrClient : ReceiveActor, IWithTimers
{
    private ILoggingAdapter Log { get; } = Context.GetLogger();
    public ITimerScheduler Timers { get; set; } = null!;

    private readonly RtrCacheSettings _cache;
    private readonly IActorRef _report;

    private RtrCacheState _state = RtrCacheState.Disconnected;
    private IActorRef? _connection;
    private long _connectionId;
    private byte[] _buffer = new byte[4096];
    private int _buffered;

    private byte _version = RtrVersion.Highest;
    /// <summary>A PDU of <see cref="_version"/> came on this connection: from now on the version is fixed.</summary>
    private bool _versionAgreed;

    private ushort? _sessionId;
    private uint? _serial;
    private HashSet<Vrp> _data = new();
    private VrpTable? _table;
    private DateTimeOffset? _lastUpdate;
    private string? _lastError;

    /// <summary>The answer being received: null outside Cache Response ... End of Data. A reset answer starts from
    /// nothing; a serial one from <see cref="_data"/>, changed by <see cref="_added"/> and <see cref="_removed"/>.</summary>
    private bool? _resetAnswer;
    private ushort _answerSession;
    private readonly HashSet<Vrp> _added = new(), _removed = new();
    /// <summary>ASPAs held, by (customer AS, AFI flags of the earlier PDU layout; 0 in the current one).</summary>
    private Dictionary<(uint Customer, byte Afi), uint[]> _aspas = new();
    /// <summary>The ASPA changes of the answer being received: a provider set, or null for a withdrawal.</summary>
    private readonly Dictionary<(uint Customer, byte Afi), uint[]?> _aspaChanges = new();
    private bool _queryOut;

    private TimeSpan _refresh, _retry, _expire;

    private sealed record Reconnect : IDeadLetterSuppression { public static readonly Reconnect Instance = new(); }
    private sealed record RefreshDue : IDeadLetterSuppression { public static readonly RefreshDue Instance = new(); }
    private sealed record Expired : IDeadLetterSuppression { public static readonly Expired Instance = new(); }

    public RtrClient(RtrCacheSettings cache, IActorRef report)
    {
        _cache = cache;
        _report = report;
        _refresh = cache.Refresh;
        _retry = cache.Retry;
        _expire = cache.Expire;

        Receive<Reconnect>(_ => Connect());
        Receive<RefreshDue>(_ => { if (_state == RtrCacheState.Synced) SendQuery(); });
        Receive<Expired>(_ => Expire());
        Receive<Tcp.Connected>(c => Connected(c));
        Receive<Tcp.CommandFailed>(f => f.Cmd is Tcp.Connect, f => ConnectionLost($"cannot connect: {f.CauseString}"));
        Receive<Tcp.Received>(r => { if (ReferenceEquals(Sender, _connection)) Received(r.Data); });
        Receive<Tcp.ConnectionClosed>(c => { if (ReferenceEquals(Sender, _connection)) ConnectionLost(c is Tcp.ErrorClosed e ? e.Cause ?? "connection error" : "closed by the cache"); });
        Receive<Terminated>(t => { if (ReferenceEquals(t.ActorRef, _connection)) ConnectionLost("connection actor stopped"); });
        Receive<GetCacheStatus>(_ => Sender.Tell(Status(inUse: false)));
    }

    public static Props Props(RtrCacheSettings cache, IActorRef report) => Akka.Actor.Props.Create(() => new RtrClient(cache, report));

    protected override void PreStart() => Connect();

    private RtrCacheStatus Status(bool inUse) => new(_cache.Name, _cache.Preference, _state, _version, _sessionId, _serial,
        _table?.CountV4 ?? 0, _table?.CountV6 ?? 0, _lastUpdate, inUse, _lastError) { Aspas = _table?.Aspas.Count ?? 0 };

    private void Connect()
    {
        _state = RtrCacheState.Connecting;
        _connectionId++;
        Context.System.Tcp().Tell(new Tcp.Connect(_cache.EndPoint));
    }

    private void Connected(Tcp.Connected c)
    {
        _connection = Sender;
        Context.Watch(_connection);
        _connection.Tell(new Tcp.Register(Self));
        _failedConnects = 0;
        _buffered = 0;
        _versionAgreed = false;
        Log.Info("RPKI cache {Cache}: connected from {Local}, protocol version {Version}", _cache.Name, c.LocalAddress, _version);
        SendQuery();
    }

    private void SendQuery()
    {
        _state = RtrCacheState.Syncing;
        _queryOut = true;
        // RFC 8210 8.1/8.2: a Serial Query needs the session id and serial of data we still hold.
        RtrPdu query = _sessionId is { } session && _serial is { } serial && _table is not null
            ? new SerialQuery(_version, session, serial)
            : new ResetQuery(_version);
        Write(query);
    }

    private void Write(RtrPdu pdu) => _connection?.Tell(Tcp.Write.Create(ByteString.FromBytes(RtrCodec.Encode(pdu))));

    private void Received(ByteString data)
    {
        if (_buffered + data.Count > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _buffered + data.Count));
        data.CopyTo(_buffer, _buffered, data.Count);
        _buffered += data.Count;
        int at = 0;
        long connection = _connectionId;
        while (connection == _connectionId && _connection is not null)
        {
            var r = RtrCodec.Decode(_buffer.AsSpan(at, _buffered - at));
            if (r.Status == RtrDecodeStatus.NeedMore) break;
            if (r.Status == RtrDecodeStatus.Error)
            {
                // An Error Report that fails to decode is not answered (RFC 8210 5.11).
                bool wasReport = _buffered - at >= 2 && _buffer[at + 1] == (byte)RtrPduType.ErrorReport && _buffer[at] <= RtrVersion.Highest;
                Fail(r.Error!.Code, r.Error.ErroneousPdu, r.Error.Reason, sendReport: !wasReport);
                return;
            }
            at += r.Consumed;
            Handle(r.Pdu!);
        }
        if (connection != _connectionId || _connection is null) return;
        Array.Copy(_buffer, at, _buffer, 0, _buffered - at);
        _buffered -= at;
    }

    private void Handle(RtrPdu pdu)
    {
        if (pdu is ErrorReport report)
        {
            HandleReport(report);
            return;
        }
        if (pdu.Version != _version && !_versionAgreed && pdu is SerialNotify)
        {
            // A cache may send Serial Notify to a connection before it has read our query, in a version of its own
            // choosing (StayRTR 0.5.1 does, in version 0, when its data changes at that moment). It answers nothing; the
            // version is settled by the answer to our query (RFC 8210 section 7).
            return;
        }
        if (pdu.Version != _version)
        {
            // RFC 8210 7: a cache that speaks only an older version answers in it; we follow it on its first PDU.
            if (!_versionAgreed && pdu.Version < _version)
            {
                Log.Info("RPKI cache {Cache}: answers in protocol version {Version}; using it", _cache.Name, pdu.Version);
                _version = pdu.Version;
            }
            else
            {
                Fail(_version == RtrVersion.V0 ? RtrErrorCode.UnsupportedProtocolVersion : RtrErrorCode.UnexpectedProtocolVersion,
                    RtrCodec.Encode(pdu), $"version {pdu.Version} PDU in a version {_version} session");
                return;
            }
        }
        _versionAgreed = true;
        switch (pdu)
        {
            case SerialNotify:
                // RFC 8210 5.2: a hint; one query at a time.
                if (_state == RtrCacheState.Synced) SendQuery();
                break;
            case CacheResponse response:
                if (!_queryOut || _resetAnswer is not null)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "Cache Response without a query");
                    return;
                }
                bool serialAnswer = _sessionId is not null && _table is not null && _serial is not null;
                if (serialAnswer && response.SessionId != _sessionId)
                {
                    // RFC 8210 5.1: a new session id means the cache restarted; what we hold is of the old one.
                    var expected = _sessionId;
                    _sessionId = null;
                    _serial = null;
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), $"session id {response.SessionId}, expected {expected}; resetting");
                    return;
                }
                _resetAnswer = !serialAnswer;
                _answerSession = response.SessionId;
                _added.Clear();
                _removed.Clear();
                _aspaChanges.Clear();
                break;
            case AspaPdu aspa:
                if (_resetAnswer is not { } fresh)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "ASPA PDU outside a Cache Response");
                    return;
                }
                var key = (aspa.CustomerAsn, aspa.AfiFlags ?? (byte)0);
                uint[]? current = _aspaChanges.TryGetValue(key, out var pending) ? pending : fresh ? null : _aspas.GetValueOrDefault(key);
                if (!aspa.Announce && current is null)
                {
                    Fail(RtrErrorCode.WithdrawalOfUnknownRecord, RtrCodec.Encode(pdu), $"ASPA of AS{aspa.CustomerAsn} withdrawn but not held");
                    return;
                }
                // The earlier layout's caches (StayRTR 0.5.1) keep one record per whole set and may send a changed set
                // as the new announcement first and the old set's withdrawal after it: a withdrawal of a set that has
                // already been replaced withdraws nothing.
                if (!aspa.Announce && aspa.AfiFlags is not null && aspa.Providers.Length > 0 && !SameSet(aspa.Providers, current!))
                    break;
                // 8210bis 5.12: an announcement replaces the customer's provider set.
                _aspaChanges[key] = aspa.Announce ? aspa.Providers : null;
                break;
            case PrefixPdu prefix:
                if (_resetAnswer is not { } reset)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "Prefix PDU outside a Cache Response");
                    return;
                }
                var vrp = new Vrp(prefix.Prefix, prefix.MaxLength, prefix.Asn);
                bool held = (!reset && _data.Contains(vrp) && !_removed.Contains(vrp)) || _added.Contains(vrp);
                if (prefix.Announce)
                {
                    if (held)
                    {
                        Fail(RtrErrorCode.DuplicateAnnouncementReceived, RtrCodec.Encode(pdu), $"{vrp} announced twice");
                        return;
                    }
                    if (!_removed.Remove(vrp)) _added.Add(vrp);
                }
                else
                {
                    if (!held)
                    {
                        Fail(RtrErrorCode.WithdrawalOfUnknownRecord, RtrCodec.Encode(pdu), $"{vrp} withdrawn but not held");
                        return;
                    }
                    if (!_added.Remove(vrp)) _removed.Add(vrp);
                }
                break;
            case RouterKey:
                // BGPsec is not implemented: keys are accepted and not kept.
                if (_resetAnswer is null) Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "Router Key PDU outside a Cache Response");
                break;
            case EndOfData end:
                if (_resetAnswer is null)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "End of Data outside a Cache Response");
                    return;
                }
                if (end.SessionId != _answerSession)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), $"End of Data for session {end.SessionId} in session {_answerSession}");
                    return;
                }
                Complete(end);
                break;
            case CacheReset:
                // RFC 8210 5.9: the cache has no incremental answer for our serial.
                if (!_queryOut || _resetAnswer is not null)
                {
                    Fail(RtrErrorCode.CorruptData, RtrCodec.Encode(pdu), "Cache Reset without a Serial Query");
                    return;
                }
                _serial = null;
                _sessionId = null;
                SendQuery();
                break;
            default: // Serial Query, Reset Query: only routers send these
                Fail(RtrErrorCode.InvalidRequest, RtrCodec.Encode(pdu), $"{pdu.Type} PDU sent to a router");
                break;
        }
    }

    private void HandleReport(ErrorReport report)
    {
        _lastError = $"{report.Code}: {report.Text}";
        if (report.Code == RtrErrorCode.UnsupportedProtocolVersion && !_versionAgreed && _version > RtrVersion.V0)
        {
            // RFC 8210 7: the cache does not speak our version: downgrade and connect again at once.
            _version = (byte)Math.Min(_version - 1, report.Version);
            Log.Info("RPKI cache {Cache}: does not speak version {Old}; falling back to version {New}", _cache.Name, _version + 1, _version);
            Disconnect();
            Self.Tell(Reconnect.Instance);
            return;
        }
        if (report.Code == RtrErrorCode.NoDataAvailable)
        {
            // Not fatal (RFC 8210 12): ask again after the retry interval.
            Log.Warning("RPKI cache {Cache}: no data available yet; asking again in {Retry}", _cache.Name, _retry);
            _queryOut = false;
            _resetAnswer = null;
            _state = RtrCacheState.Synced;
            Timers.StartSingleTimer("refresh", RefreshDue.Instance, _retry);
            return;
        }
        Log.Warning("RPKI cache {Cache}: Error Report {Code}: {Text}", _cache.Name, report.Code, report.Text);
        ConnectionLost($"Error Report {report.Code}", closeFirst: true);
    }

    private void Complete(EndOfData end)
    {
        HashSet<Vrp> next;
        if (_resetAnswer == true) next = new HashSet<Vrp>(_added);
        else
        {
            next = _data;
            next.ExceptWith(_removed);
            next.UnionWith(_added);
        }
        bool changed = _resetAnswer == true || _added.Count > 0 || _removed.Count > 0 || _aspaChanges.Count > 0 || _table is null;
        var aspas = _resetAnswer == true ? new Dictionary<(uint, byte), uint[]>() : _aspas;
        foreach (var (key, providers) in _aspaChanges)
        {
            if (providers is null) aspas.Remove(key);
            else aspas[key] = providers;
        }
        _aspas = aspas;
        _aspaChanges.Clear();
        _data = next;
        _added.Clear();
        _removed.Clear();
        _resetAnswer = null;
        _queryOut = false;
        _sessionId = end.SessionId;
        _serial = end.Serial;
        _lastUpdate = Context.System.Scheduler.Now;
        _lastError = null;
        // RFC 8210 6: the cache's intervals, when within the section's ranges and with Expire longer than the other
        // two (else the data would lapse between two refreshes); otherwise the configured ones stay.
        if (end is { RefreshInterval: { } refresh and >= 1 and <= 86400, RetryInterval: { } retry and >= 1 and <= 7200, ExpireInterval: { } expire and >= 600 and <= 172800 }
            && expire > refresh && expire > retry)
        {
            _refresh = TimeSpan.FromSeconds(refresh);
            _retry = TimeSpan.FromSeconds(retry);
            _expire = TimeSpan.FromSeconds(expire);
        }
        else if (end.RefreshInterval is not null)
            Log.Warning("RPKI cache {Cache}: End of Data intervals refresh {Refresh}, retry {Retry}, expire {Expire} are outside RFC 8210 section 6; keeping {Ours}",
                _cache.Name, end.RefreshInterval, end.RetryInterval, end.ExpireInterval, $"{_refresh}/{_retry}/{_expire}");
        if (changed || _table is null) _table = new VrpTable(_data) { Aspas = AspaOf(_aspas) };
        _state = RtrCacheState.Synced;
        Timers.StartSingleTimer("refresh", RefreshDue.Instance, _refresh);
        Timers.StartSingleTimer("expire", Expired.Instance, _expire);
        Log.Info("RPKI cache {Cache}: serial {Serial} (session {Session}, version {Version}): {V4} IPv4 and {V6} IPv6 VRPs, {Aspas} ASPAs",
            new object[] { _cache.Name, end.Serial, end.SessionId, _version, _table.CountV4, _table.CountV6, _table.Aspas.Count });
        _report.Tell(new RtrCacheUpdate(_cache, _state, _table));
    }

    private static bool SameSet(uint[] a, uint[] b) => a.Order().SequenceEqual(b.Order());

    /// <summary>One provider set per customer: the earlier layout's per-family sets are merged (see <see cref="AspaTable"/>).</summary>
    private static AspaTable AspaOf(Dictionary<(uint Customer, byte Afi), uint[]> held) =>
        held.Count == 0 ? AspaTable.Empty
        : AspaTable.From(held.GroupBy(kv => kv.Key.Customer).Select(g => KeyValuePair.Create(g.Key, g.SelectMany(kv => kv.Value).ToArray())));

    private void Fail(RtrErrorCode code, byte[] pdu, string reason, bool sendReport = true)
    {
        _lastError = $"{code}: {reason}";
        Log.Warning("RPKI cache {Cache}: {Code}: {Reason}; closing", _cache.Name, code, reason);
        if (sendReport) Write(new ErrorReport(_version, code, pdu, reason));
        ConnectionLost(_lastError, closeFirst: true);
    }

    private void Disconnect()
    {
        if (_connection is { } c)
        {
            Context.Unwatch(c);
            // Close (not Abort): an Error Report written just before still goes out.
            c.Tell(Tcp.Close.Instance);
        }
        _connection = null;
        _connectionId++;
        _buffered = 0;
        _resetAnswer = null;
        _queryOut = false;
        _added.Clear();
        _removed.Clear();
        _aspaChanges.Clear();
        Timers.Cancel("refresh");
    }

    /// <summary>Connection attempts that failed in a row: only the first of a series is logged.</summary>
    private int _failedConnects;

    private void ConnectionLost(string why, bool closeFirst = false)
    {
        bool wasUp = _state != RtrCacheState.Connecting || _connection is not null;
        if (closeFirst || _connection is not null) Disconnect();
        _state = RtrCacheState.Disconnected;
        if (!wasUp && _failedConnects++ == 0)
            Log.Warning("RPKI cache {Cache}: {Why}; retrying every {Retry}", _cache.Name, why, _retry);
        if (wasUp) Log.Warning("RPKI cache {Cache}: {Why}; {Data}, reconnecting in {Retry}", _cache.Name, why,
            _table is null ? "no data" : $"keeping its data until it expires", _retry);
        // Armed before the report goes out, so whoever sees the report may already move time past it.
        Timers.StartSingleTimer("reconnect", Reconnect.Instance, _retry);
        _report.Tell(new RtrCacheUpdate(_cache, _state, _table));
    }

    private void Expire()
    {
        if (_table is null) return;
        Log.Warning("RPKI cache {Cache}: no successful update for {Expire} (expire interval): dropping its {Count} VRPs",
            _cache.Name, _expire, _table.Count);
        _table = null;
        _data = new HashSet<Vrp>();
        _aspas = new();
        _sessionId = null;
        _serial = null;
        _report.Tell(new RtrCacheUpdate(_cache, _state, null));
    }
}
