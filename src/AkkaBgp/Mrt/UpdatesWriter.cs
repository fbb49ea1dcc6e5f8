using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using AkkaBgp.Session;
using AkkaBgp.Wire.Mrt;

namespace AkkaBgp.Mrt;

/// <summary>Where and how the MRT updates files go.</summary>
/// <param name="Buffer">Records that may wait for the disk; beyond it records are dropped and counted.</param>
public sealed record UpdatesFileSettings(string Directory, uint LocalAs, TimeSpan RotateInterval, long RotateSize, bool Gzip, int Buffer = 100_000);

/// <summary>Ask the writer how it is doing.</summary>
public sealed record GetUpdatesFileStatus
{
    public static readonly GetUpdatesFileStatus Instance = new();
}

public sealed record UpdatesFileStatus(string? CurrentFile, long Written, long Dropped, IReadOnlyList<string> Closed);

/// <summary>
/// The MRT updates file (RFC 6396 4.4): every message received from every Established peer as BGP4MP_MESSAGE_AS4,
/// and every FSM transition as BGP4MP_STATE_CHANGE_AS4, as route collectors record them (RIPE RIS's
/// <c>updates.YYYYMMDD.HHMM</c>). Messages come from the <see cref="MessageTap"/>, which this actor turns on.
/// <para>
/// The speaker must never wait for the disk: records go into a bounded channel that a writer task empties into the
/// file; when the disk falls behind by <see cref="UpdatesFileSettings.Buffer"/> records, new ones are dropped and
/// counted (logged once per file), never blocking a session. The file rotates when it reaches
/// <see cref="UpdatesFileSettings.RotateSize"/> octets or <see cref="UpdatesFileSettings.RotateInterval"/>; it is
/// written plain and flushed every second (readable while open), and compressed to <c>.gz</c> once closed when
/// <see cref="UpdatesFileSettings.Gzip"/>.
/// </para>
/// </summary>
public sealed class UpdatesWriter : ReceiveActor
{
    private readonly UpdatesFileSettings _settings;
    private readonly Channel<byte[]> _records;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<IPAddress, IPAddress> _localAddress = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IDisposable? _tap;
    private Task? _writer;
    private long _dropped;
    private long _written;
    private volatile string? _current;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _closed = new();

    public UpdatesWriter(UpdatesFileSettings settings)
    {
        _settings = settings;
        _records = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(settings.Buffer)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        Receive<TappedMessage>(m =>
        {
            if (m.Direction != TapDirection.Received) return;
            var s = m.Session;
            var (peer, local) = (Plain(s.Remote.Address), Plain(s.Local.Address));
            _localAddress[peer] = local;
            // RFC 8050 section 3: a reader needs the subtype to know that the NLRI carry path identifiers.
            Write(m.At, s.Negotiated.AddPathReceive.IsEmpty ? MrtType.Bgp4mpMessageAs4 : MrtType.Bgp4mpMessageAs4AddPath, MrtCodec.Bgp4mpMessageAs4(s.Negotiated.PeerAs, s.LocalAs, peer, local, m.Message));
        });
        Receive<SessionStateChanged>(c =>
        {
            var peer = Plain(c.Peer);
            var local = _localAddress.TryGetValue(peer, out var known) ? known
                : peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            // RFC 6396 4.4.4: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.
            Write(c.At, MrtType.Bgp4mpStateChangeAs4,
                MrtCodec.Bgp4mpStateChangeAs4(c.PeerAs, settings.LocalAs, peer, local, (ushort)(c.From + 1), (ushort)(c.To + 1)));
        });
        Receive<GetUpdatesFileStatus>(_ =>
        {
            Sender.Tell(new UpdatesFileStatus(_current, Interlocked.Read(ref _written), Interlocked.Read(ref _dropped), _closed.ToArray()));
        });
    }

    public static Props Props(UpdatesFileSettings settings) => Akka.Actor.Props.Create(() => new UpdatesWriter(settings));

    private static IPAddress Plain(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private void Write(DateTimeOffset at, ushort subtype, byte[] body)
    {
        var record = new ArrayBufferWriter<byte>(MrtCodec.HeaderLength + body.Length);
        MrtCodec.WriteRecord(record, (uint)at.ToUnixTimeSeconds(), MrtType.Bgp4mp, subtype, body);
        if (_records.Writer.TryWrite(record.WrittenSpan.ToArray())) return;
        if (Interlocked.Increment(ref _dropped) % 10_000 == 1)
            _log.Warning("MRT updates file: the disk is behind by {Buffer} records; {Dropped} dropped so far", _settings.Buffer, Interlocked.Read(ref _dropped));
    }

    protected override void PreStart()
    {
        System.IO.Directory.CreateDirectory(_settings.Directory);
        _tap = MessageTap.Get(Context.System).Enable();
        Context.System.EventStream.Subscribe(Self, typeof(TappedMessage));
        Context.System.EventStream.Subscribe(Self, typeof(SessionStateChanged));
        var log = _log;
        _writer = Task.Run(() => WriteFilesAsync(log, _stop.Token));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _tap?.Dispose();
        _records.Writer.TryComplete();
        // What is buffered is written and the file closed; the task ends on its own once the channel is empty.
        _writer?.ContinueWith(_ => _stop.Dispose(), TaskScheduler.Default);
    }

    private async Task WriteFilesAsync(ILoggingAdapter log, CancellationToken ct)
    {
        var reader = _records.Reader;
        FileStream? file = null;
        DateTime opened = default;
        try
        {
            while (true)
            {
                // Wake at least every second to flush and to rotate on time even when nothing arrives.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                tick.CancelAfter(TimeSpan.FromSeconds(1));
                bool more;
                try { more = await reader.WaitToReadAsync(tick.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { more = true; }
                if (!more) break;
                while (reader.TryRead(out var record))
                {
                    if (file is null)
                    {
                        opened = DateTime.UtcNow;
                        string path = Path.Combine(_settings.Directory, $"updates.{opened:yyyyMMdd.HHmmss}");
                        file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16, useAsync: true);
                        _current = path;
                    }
                    await file.WriteAsync(record, ct);
                    Interlocked.Increment(ref _written);
                }
                if (file is null) continue;
                await file.FlushAsync(ct);
                if (file.Length >= _settings.RotateSize || DateTime.UtcNow - opened >= _settings.RotateInterval)
                {
                    await CloseAsync(file, log);
                    file = null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full or failing disk ends the updates file, not the speaker.
            log.Error(e, "MRT updates file: writing failed; no more updates are recorded until the service restarts");
        }
        catch (OperationCanceledException) { }
        finally
        {
            if (file is not null) await CloseAsync(file, log);
        }
    }

    private async Task CloseAsync(FileStream file, ILoggingAdapter log)
    {
        string path = file.Name;
        await file.DisposeAsync();
        _current = null;
        if (_settings.Gzip)
        {
            try
            {
                await using (var input = File.OpenRead(path))
                await using (var output = new GZipStream(File.Create(path + ".gz"), CompressionLevel.Fastest))
                    await input.CopyToAsync(output);
                File.Delete(path);
                path += ".gz";
            }
            catch (IOException e) { log.Error(e, "MRT updates file: could not compress {Path}; left as is", path); }
        }
        _closed.Enqueue(path);
    }
}
