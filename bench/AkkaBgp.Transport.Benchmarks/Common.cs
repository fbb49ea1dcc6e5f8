using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.IO;
using AkkaBgp.Wire;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>Asks a counting actor to complete <paramref name="Done"/> once <paramref name="Messages"/> more have arrived.</summary>
public sealed record Expect(int Messages, TaskCompletionSource Done);

/// <summary>
/// The handler at the end of each receiver: counts what it is told (decoded messages, frames) and
/// completes the pending <see cref="Expect"/>. An Expect is told before the op's first octet is sent,
/// so it is always ahead of that op's messages in the mailbox.
/// </summary>
public sealed class CountingHandler : UntypedActor
{
    private long _count;
    private long _target = long.MaxValue;
    private TaskCompletionSource? _done;

    public static Props Props() => Akka.Actor.Props.Create(() => new CountingHandler());

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Expect e:
                _target = _count + e.Messages;
                _done = e.Done;
                break;
            case ReceivedBatch b:
                _count += b.Messages.Count;
                if (_count >= _target) { _done?.TrySetResult(); _done = null; _target = long.MaxValue; }
                break;
            case Received:
            case BgpMessage:
            case byte[]:
            case ByteString:
                if (++_count >= _target) { _done?.TrySetResult(); _done = null; _target = long.MaxValue; }
                break;
            default:
                Unhandled(message);
                break;
        }
    }
}

/// <summary>The peer's side of the read direction: a plain socket writing the stream in 64 KiB sends.</summary>
public sealed class LoopbackSender : IDisposable
{
    private readonly Socket _socket;

    private LoopbackSender(Socket socket) => _socket = socket;

    public static async Task<LoopbackSender> ConnectAsync(EndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server).ConfigureAwait(false);
        return new LoopbackSender(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        const int Chunk = 64 * 1024;
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes.Length > Chunk ? bytes[..Chunk] : bytes, SocketFlags.None).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>The peer's side of the write direction: accepts one connection and counts the octets that arrive.</summary>
public sealed class LoopbackReader : IDisposable
{
    private readonly Socket _listener;
    private Socket? _socket;
    private long _received;
    private long _target = long.MaxValue;
    private TaskCompletionSource? _done;
    private readonly object _gate = new();

    public LoopbackReader()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Accepts the transport's connection and starts draining it.</summary>
    public async Task AcceptAsync()
    {
        _socket = await _listener.AcceptAsync().ConfigureAwait(false);
        _ = Task.Run(DrainAsync);
    }

    public Task Expect(long octets)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _target = _received + octets;
            _done = done;
            Check();
        }
        return done.Task;
    }

    private void Check()
    {
        if (_received < _target) return;
        _done?.TrySetResult();
        _done = null;
        _target = long.MaxValue;
    }

    private async Task DrainAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await _socket!.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (n == 0) return;
                lock (_gate) { _received += n; Check(); }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _socket?.Dispose();
        _listener.Dispose();
    }
}

/// <summary>
/// Process CPU and wall time per operation, recorded inside the benchmark process (BenchmarkDotNet 0.14 has
/// no CPU-time diagnoser). The medians over all operations the process ran are written to a file that
/// <see cref="CpuColumn"/> reads in the host process.
/// </summary>
public sealed class CpuMeter
{
    private readonly List<double> _cpuPerMessage = new();
    private readonly List<double> _wallPerMessage = new();
    private readonly Process _process = Process.GetCurrentProcess();
    private TimeSpan _cpuStart;
    private long _wallStart;

    public static string Directory => Path.Combine(Path.GetTempPath(), "akkabgp-transport-bench");

    public void Start()
    {
        _process.Refresh();
        _cpuStart = _process.TotalProcessorTime;
        _wallStart = Stopwatch.GetTimestamp();
    }

    public void Stop(int messages)
    {
        var wall = Stopwatch.GetElapsedTime(_wallStart);
        _process.Refresh();
        var cpu = _process.TotalProcessorTime - _cpuStart;
        _cpuPerMessage.Add(cpu.TotalNanoseconds / messages);
        _wallPerMessage.Add(wall.TotalNanoseconds / messages);
    }

    public void Save(string key)
    {
        if (_cpuPerMessage.Count == 0) return;
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, key + ".txt"),
            FormattableString.Invariant($"{Median(_cpuPerMessage)} {Median(_wallPerMessage)} {_cpuPerMessage.Count}"));
    }

    public static (double CpuNs, double WallNs, int Samples)? Load(string key)
    {
        string path = Path.Combine(Directory, key + ".txt");
        if (!File.Exists(path)) return null;
        var parts = File.ReadAllText(path).Split(' ');
        return (double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

public static class AkkaConfig
{
    /// <summary>Akka.IO's defaults read and write at most 4 KiB per socket call (akka.io.tcp.maximum-frame-size = 4k).
    /// The "tuned" variants raise that to our read loop's 32 KiB receive chunk.</summary>
    public static ActorSystem Create(string name, bool tunedIo)
    {
        string hocon = """
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            """;
        if (tunedIo)
            hocon += "\nakka.io.tcp { maximum-frame-size = 32k, receive-buffer-size = 64k, send-buffer-size = 64k }";
        return ActorSystem.Create(name, ConfigurationFactory.ParseString(hocon));
    }
}
