using Akka.Actor;
using Akka.TestKit;
using AkkaBgp.Rpki;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Rtr;

namespace AkkaBgp.Tests.Rpki;

/// <summary>The RTR client against a scripted cache on loopback: the PDUs it sends, the data it reports, its timers on
/// virtual time (RFC 8210 sections 5-8 and 12, RFC 6810 for the fallback).</summary>
public sealed class RtrClientTests : BgpTestKit, IDisposable
{
    private readonly FakeCache _cache = new();
    private readonly TestProbe _reports;

    public RtrClientTests() => _reports = CreateTestProbe();

    public new void Dispose()
    {
        _cache.Dispose();
        base.Dispose();
    }

    private static PrefixPdu Announce(string prefix, int max, uint asn, byte version = 1) => new(version, true, Prefix.Parse(prefix), (byte)max, asn);
    private static PrefixPdu Withdraw(string prefix, int max, uint asn, byte version = 1) => new(version, false, Prefix.Parse(prefix), (byte)max, asn);

    private RtrCacheSettings Settings => new("127.0.0.1", _cache.Port)
    {
        Refresh = TimeSpan.FromSeconds(300), Retry = TimeSpan.FromSeconds(30), Expire = TimeSpan.FromSeconds(900),
    };

    private IActorRef Start()
    {
        var client = Sys.ActorOf(RtrClient.Props(Settings, _reports.Ref));
        _cache.Accept();
        return client;
    }

    /// <summary>The next report with data (skipping connection-state reports).</summary>
    private VrpTable? NextData(Func<RtrCacheUpdate, bool>? match = null)
    {
        var u = TryFish<RtrCacheUpdate>(_reports, x => match?.Invoke(x) ?? x.Vrps is not null, FakeCache.Deadline)
            ?? throw new Xunit.Sdk.XunitException("no report");
        return u.Vrps;
    }

    /// <summary>Reset Query (in version 2, ours), then a full answer from a version 1 cache with its timers: the client
    /// follows it to version 1 (RFC 8210 section 7).</summary>
    private VrpTable Sync(ushort session = 7, uint serial = 1, uint refresh = 120, uint retry = 20, uint expire = 1200)
    {
        Assert.Equal(new ResetQuery(2), _cache.Read());
        _cache.Send(new CacheResponse(1, session), Announce("192.0.2.0/24", 24, 64496), Announce("2001:db8::/32", 48, 64497),
            new EndOfData(1, session, serial, refresh, retry, expire));
        return NextData()!;
    }

    [Fact]
    public void Reset_query_and_full_answer()
    {
        Start();
        var table = Sync();
        Assert.Equal(1, table.CountV4);
        Assert.Equal(1, table.CountV6);
        Assert.Equal(RovState.Valid, table.Validate(Prefix.Parse("192.0.2.0/24"), 64496));
        Assert.Equal(RovState.Invalid, table.Validate(Prefix.Parse("192.0.2.0/24"), 64499));
    }

    [Fact]
    public void Refresh_interval_from_end_of_data_sends_a_serial_query_and_applies_the_delta()
    {
        Start();
        Sync(refresh: 120);
        // The configured refresh is 300 s; the cache said 120 s.
        Advance(TimeSpan.FromSeconds(119));
        Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new SerialQuery(1, 7, 1), _cache.Read());
        _cache.Send(new CacheResponse(1, 7), Withdraw("192.0.2.0/24", 24, 64496), Announce("198.51.100.0/24", 24, 64498), new EndOfData(1, 7, 2, 120, 20, 1200));
        var table = NextData()!;
        Assert.Equal(RovState.NotFound, table.Validate(Prefix.Parse("192.0.2.0/24"), 64496));
        Assert.Equal(RovState.Valid, table.Validate(Prefix.Parse("198.51.100.0/24"), 64498));
        Assert.Equal(RovState.Valid, table.Validate(Prefix.Parse("2001:db8:1::/48"), 64497));
    }

    [Fact]
    public void Intervals_breaking_rfc8210_section_6_are_not_taken()
    {
        Start();
        Sync(refresh: 3600, retry: 20, expire: 1200); // expire shorter than refresh: the data would lapse between refreshes
        Advance(TimeSpan.FromSeconds(300)); // the configured refresh
        Assert.Equal(new SerialQuery(1, 7, 1), _cache.Read());
    }

    [Fact]
    public void Serial_notify_triggers_a_serial_query()
    {
        Start();
        Sync(serial: 41);
        _cache.Send(new SerialNotify(1, 7, 42));
        Assert.Equal(new SerialQuery(1, 7, 41), _cache.Read());
    }

    [Fact]
    public void Cache_reset_is_answered_with_a_reset_query_and_the_new_set_replaces_the_old()
    {
        Start();
        Sync();
        _cache.Send(new SerialNotify(1, 7, 2));
        _cache.Read<SerialQuery>();
        _cache.Send(new CacheReset(1));
        Assert.Equal(new ResetQuery(1), _cache.Read());
        _cache.Send(new CacheResponse(1, 8), Announce("203.0.113.0/24", 24, 64500), new EndOfData(1, 8, 1, 120, 20, 1200));
        var table = NextData()!;
        Assert.Equal(1, table.Count);
        Assert.Equal(RovState.Valid, table.Validate(Prefix.Parse("203.0.113.0/24"), 64500));
    }

    [Fact]
    public void Falls_back_to_version_0_when_the_cache_does_not_speak_version_1()
    {
        Start();
        Assert.Equal(new ResetQuery(2), _cache.Read());
        _cache.Send(new ErrorReport(0, RtrErrorCode.UnsupportedProtocolVersion, RtrCodec.Encode(new ResetQuery(2)), "version 0 only"));
        _cache.Accept(); // the client reconnects at once
        Assert.Equal(new ResetQuery(0), _cache.Read());
        _cache.Send(new CacheResponse(0, 3), Announce("192.0.2.0/24", 24, 64496, version: 0), new EndOfData(0, 3, 5));
        Assert.Equal(1, NextData()!.Count);
        // Version 0 has no timers in End of Data: the configured refresh (300 s) applies.
        Advance(TimeSpan.FromSeconds(300));
        Assert.Equal(new SerialQuery(0, 3, 5), _cache.Read());
    }

    [Fact]
    public void A_version_2_cache_gives_ASPAs_that_are_replaced_per_customer_and_withdrawn()
    {
        Start();
        Assert.Equal(new ResetQuery(2), _cache.Read());
        _cache.Send(new CacheResponse(2, 9), Announce("192.0.2.0/24", 24, 64496, version: 2),
            new AspaPdu(2, true, 64500, [64501, 64502]), new AspaPdu(2, true, 64510, [64511]), new EndOfData(2, 9, 1, 120, 20, 1200));
        var table = NextData()!;
        Assert.Equal(2, table.Aspas.Count);
        Assert.True(table.Aspas.TryGetProviders(64500, out var providers));
        Assert.Equal([64501u, 64502u], providers);

        // A serial answer: 64500 announced again with another set replaces its set (8210bis 5.12), 64510 is withdrawn.
        _cache.Send(new SerialNotify(2, 9, 2));
        Assert.Equal(new SerialQuery(2, 9, 1), _cache.Read());
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, true, 64500, [64503]), new AspaPdu(2, false, 64510, []), new EndOfData(2, 9, 2, 120, 20, 1200));
        table = NextData(u => u.Vrps is { } v && v.Aspas.Count == 1)!;
        Assert.True(table.Aspas.TryGetProviders(64500, out providers));
        Assert.Equal([64503u], providers);
        Assert.Equal(1, table.Count); // the VRP is untouched

        // Withdrawing a customer that is not held is an error (RFC 8210 section 12, code 6).
        _cache.Send(new SerialNotify(2, 9, 3));
        _cache.Read<SerialQuery>();
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, false, 64999, []));
        Assert.Equal(RtrErrorCode.WithdrawalOfUnknownRecord, _cache.Read<ErrorReport>().Code);
        _cache.ExpectClosed();
    }

    [Fact]
    public void Earlier_layout_ASPAs_of_both_families_are_merged_per_customer()
    {
        Start();
        _cache.Read<ResetQuery>();
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, true, 64500, [64501], AfiFlags: 1), new AspaPdu(2, true, 64500, [64502], AfiFlags: 2),
            new EndOfData(2, 9, 1, 120, 20, 1200));
        Assert.True(NextData()!.Aspas.TryGetProviders(64500, out var providers));
        Assert.Equal([64501u, 64502u], providers);
    }

    [Fact]
    public void An_earlier_layout_cache_that_announces_the_new_set_before_withdrawing_the_old_keeps_the_new_one()
    {
        // StayRTR 0.5.1 keys an ASPA by its whole set: a change comes as the new set announced and the old set withdrawn,
        // in either order (AFI 0: IPv4, as StayRTR writes it).
        Start();
        _cache.Read<ResetQuery>();
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, true, 64500, [64501], AfiFlags: 0), new EndOfData(2, 9, 1, 120, 20, 1200));
        NextData();
        _cache.Send(new SerialNotify(2, 9, 2));
        _cache.Read<SerialQuery>();
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, true, 64500, [64599], AfiFlags: 0), new AspaPdu(2, false, 64500, [64501], AfiFlags: 0),
            new EndOfData(2, 9, 2, 120, 20, 1200));
        var table = NextData(u => u.Vrps is { } v && v.Aspas.TryGetProviders(64500, out var p) && p[0] == 64599)!;
        Assert.True(table.Aspas.TryGetProviders(64500, out var providers));
        Assert.Equal([64599u], providers);
    }

    [Fact]
    public void A_serial_notify_before_the_answer_does_not_decide_the_version()
    {
        // StayRTR 0.5.1 can notify a new connection in version 0 before it has read our version 2 Reset Query.
        Start();
        Assert.Equal(new ResetQuery(2), _cache.Read());
        _cache.Send(new SerialNotify(0, 9, 1));
        _cache.Send(new CacheResponse(2, 9), new AspaPdu(2, true, 64500, [64501]), new EndOfData(2, 9, 1, 120, 20, 1200));
        Assert.Equal(1, NextData()!.Aspas.Count);
    }

    [Fact]
    public void Falls_back_to_version_1_when_the_cache_does_not_speak_version_2()
    {
        Start();
        Assert.Equal(new ResetQuery(2), _cache.Read());
        _cache.Send(new ErrorReport(1, RtrErrorCode.UnsupportedProtocolVersion, RtrCodec.Encode(new ResetQuery(2)), "version 1 at most"));
        _cache.Accept();
        Assert.Equal(new ResetQuery(1), _cache.Read());
    }

    [Fact]
    public void Follows_a_cache_that_answers_in_version_0()
    {
        Start();
        _cache.Read<ResetQuery>();
        _cache.Send(new CacheResponse(0, 3), Announce("192.0.2.0/24", 24, 64496, version: 0), new EndOfData(0, 3, 5));
        Assert.Equal(1, NextData()!.Count);
        _cache.Send(new SerialNotify(0, 3, 6));
        Assert.Equal(new SerialQuery(0, 3, 5), _cache.Read());
    }

    [Fact]
    public void Other_version_after_agreement_is_unexpected_protocol_version()
    {
        Start();
        Sync();
        _cache.Send(new SerialNotify(0, 7, 2));
        var report = _cache.Read<ErrorReport>();
        Assert.Equal(RtrErrorCode.UnexpectedProtocolVersion, report.Code);
        Assert.Equal(RtrCodec.Encode(new SerialNotify(0, 7, 2)), report.ErroneousPdu);
        _cache.ExpectClosed();
    }

    [Fact]
    public void Duplicate_announcement_is_reported_and_closes()
    {
        Start();
        Sync();
        _cache.Send(new SerialNotify(1, 7, 2));
        _cache.Read<SerialQuery>();
        _cache.Send(new CacheResponse(1, 7), Announce("192.0.2.0/24", 24, 64496));
        var report = _cache.Read<ErrorReport>();
        Assert.Equal(RtrErrorCode.DuplicateAnnouncementReceived, report.Code);
        Assert.Equal(RtrCodec.Encode(Announce("192.0.2.0/24", 24, 64496)), report.ErroneousPdu);
        _cache.ExpectClosed();
    }

    [Fact]
    public void Withdrawal_of_unknown_record_is_reported()
    {
        Start();
        Sync();
        _cache.Send(new SerialNotify(1, 7, 2));
        _cache.Read<SerialQuery>();
        _cache.Send(new CacheResponse(1, 7), Withdraw("10.0.0.0/8", 8, 1));
        Assert.Equal(RtrErrorCode.WithdrawalOfUnknownRecord, _cache.Read<ErrorReport>().Code);
        _cache.ExpectClosed();
    }

    [Fact]
    public void Corrupt_pdu_is_reported_with_the_pdu_encapsulated()
    {
        Start();
        _cache.Read<ResetQuery>();
        var bad = Hex("01 04 0000 00000014 01 19 18 00 C0000200 0000FBF0"); // prefix length 25 > max length 24
        _cache.Send(new CacheResponse(1, 1));
        _cache.SendRaw(bad);
        var report = _cache.Read<ErrorReport>();
        Assert.Equal(RtrErrorCode.CorruptData, report.Code);
        Assert.Equal(bad, report.ErroneousPdu);
        _cache.ExpectClosed();
    }

    [Fact]
    public void Prefix_outside_a_response_is_corrupt_data()
    {
        Start();
        Sync();
        _cache.Send(Announce("10.0.0.0/8", 8, 1));
        Assert.Equal(RtrErrorCode.CorruptData, _cache.Read<ErrorReport>().Code);
    }

    [Fact]
    public void Unsupported_pdu_type_from_the_cache_is_reported()
    {
        Start();
        _cache.Read<ResetQuery>();
        _cache.SendRaw(Hex("01 0B 0000 00000008"));
        Assert.Equal(RtrErrorCode.UnsupportedPduType, _cache.Read<ErrorReport>().Code);
    }

    [Fact]
    public void Bad_error_report_is_not_answered_with_an_error_report()
    {
        Start();
        _cache.Read<ResetQuery>();
        _cache.SendRaw(Hex("01 0A 0000 00000010 00000009 00000000"));
        _cache.ExpectClosed();
    }

    [Fact]
    public void Fatal_error_report_closes_and_the_retry_reconnects_with_a_serial_query_keeping_the_data()
    {
        Start();
        Sync(retry: 20);
        _reports.ReceiveWhile(Quiet, _ => true);
        _cache.Send(new ErrorReport(1, RtrErrorCode.InternalError, [], "cache trouble"));
        _cache.ExpectClosed();
        var down = TryFish<RtrCacheUpdate>(_reports, u => u.State == RtrCacheState.Disconnected, FakeCache.Deadline)!;
        Assert.NotNull(down.Vrps); // kept until expiry
        Advance(TimeSpan.FromSeconds(20));
        _cache.Accept();
        Assert.Equal(new SerialQuery(1, 7, 1), _cache.Read());
    }

    [Fact]
    public void No_data_available_waits_for_the_retry_interval_on_the_same_connection()
    {
        Start();
        _cache.Read<ResetQuery>();
        _cache.Send(new ErrorReport(2, RtrErrorCode.NoDataAvailable, [], "starting"));
        // Virtual time steps until the client, which handles the report on its own thread, has asked again.
        RtrPdu? again = null;
        for (int i = 0; i < 20 && again is null; i++)
        {
            Advance(TimeSpan.FromSeconds(30));
            again = _cache.TryRead(TimeSpan.FromMilliseconds(500));
        }
        Assert.Equal(new ResetQuery(2), again);
    }

    [Fact]
    public async Task Data_is_dropped_when_it_expires()
    {
        var client = Start();
        Sync(expire: 1200, retry: 20);
        _cache.Dispose(); // the cache is gone for good
        Assert.NotNull(TryFish<RtrCacheUpdate>(_reports, u => u.State == RtrCacheState.Disconnected && u.Vrps is not null, FakeCache.Deadline));
        Advance(TimeSpan.FromSeconds(1199));
        // The Ask is queued behind anything the timers sent during Advance: a fired expiry would show here.
        Assert.Equal(1, (await client.Ask<RtrCacheStatus>(GetCacheStatus.Instance, TimeSpan.FromSeconds(20))).VrpsV4);
        Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(TryFish<RtrCacheUpdate>(_reports, u => u.Vrps is null, FakeCache.Deadline));
    }

    private static byte[] Hex(string s) => Convert.FromHexString(new string(s.Where(c => !char.IsWhiteSpace(c)).ToArray()));
}
