using BenchmarkDotNet.Attributes;

namespace AkkaBgp.Transport.Benchmarks;

/// <summary>Shared by both directions: one rig per benchmark process, CPU per operation recorded around it.
/// OperationsPerInvoke is the message count, so Mean is time per message and Allocated is bytes per message.</summary>
public abstract class TransportBenchmarks
{
    public const int Messages = 100_000;
    private static BgpStream? _stream;
    protected static BgpStream Stream => _stream ??= new BgpStream(Messages);

    private IRig? _rig;
    private readonly CpuMeter _meter = new();
    private string _key = "";

    protected abstract string Parameters { get; }

    /// <summary>The class's own name (BenchmarkDotNet runs a generated subclass).</summary>
    protected abstract string ClassName { get; }

    protected void Setup(string method, Func<Task<IRig>> create)
    {
        Console.WriteLine($"// stream: {Stream}");
        _key = $"{ClassName}.{method}.{Parameters}";
        _rig = create().GetAwaiter().GetResult();
    }

    protected async Task Run()
    {
        _meter.Start();
        await _rig!.RunAsync().ConfigureAwait(false);
        _meter.Stop(Messages);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meter.Save(_key);
        _rig?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _rig = null;
    }
}

/// <summary>
/// Read direction: a plain socket writes 100k BGP messages (64 KiB sends) to 127.0.0.1; the receiver frames
/// them (and decodes them when <see cref="Decode"/>) and delivers each to an Akka.NET actor, which counts.
/// </summary>
[Config(typeof(TransportConfig))]
public class ReadBenchmarks : TransportBenchmarks
{
    [Params(true, false)]
    public bool Decode { get; set; }

    protected override string Parameters => $"Decode={Decode}";
    protected override string ClassName => nameof(ReadBenchmarks);

    [GlobalSetup(Target = nameof(Floor_raw_socket_no_actor))]
    public void SetupFloor() => Setup(nameof(Floor_raw_socket_no_actor), () => ReadRigs.FloorAsync(Stream));

    [GlobalSetup(Target = nameof(Codec_in_memory_no_socket))]
    public void SetupInMemory() => Setup(nameof(Codec_in_memory_no_socket), () => ReadRigs.InMemoryAsync(Stream, Decode));

    [GlobalSetup(Target = nameof(Own_socket_actor))]
    public void SetupOwn() => Setup(nameof(Own_socket_actor), () => ReadRigs.OwnAsync(Stream, Decode));

    [GlobalSetup(Target = nameof(Own_socket_actor_batch))]
    public void SetupOwnBatch() => Setup(nameof(Own_socket_actor_batch), () => ReadRigs.OwnAsync(Stream, Decode, batch: true));

    [GlobalSetup(Target = nameof(AkkaIO_Tcp))]
    public void SetupAkkaIo() => Setup(nameof(AkkaIO_Tcp), () => ReadRigs.AkkaIoAsync(Stream, Decode, tunedIo: false));

    [GlobalSetup(Target = nameof(AkkaIO_Tcp_tell_each))]
    public void SetupAkkaIoTellEach() => Setup(nameof(AkkaIO_Tcp_tell_each), () => ReadRigs.AkkaIoAsync(Stream, Decode, tunedIo: false, tellEach: true));

    [GlobalSetup(Target = nameof(AkkaIO_Tcp_32k))]
    public void SetupAkkaIo32() => Setup(nameof(AkkaIO_Tcp_32k), () => ReadRigs.AkkaIoAsync(Stream, Decode, tunedIo: true));

    [GlobalSetup(Target = nameof(AkkaStreams_Tcp))]
    public void SetupStreams() => Setup(nameof(AkkaStreams_Tcp), () => ReadRigs.AkkaStreamsAsync(Stream, Decode, tunedIo: false));

    [GlobalSetup(Target = nameof(AkkaStreams_Tcp_32k))]
    public void SetupStreams32() => Setup(nameof(AkkaStreams_Tcp_32k), () => ReadRigs.AkkaStreamsAsync(Stream, Decode, tunedIo: true));

    /// <summary>No framing, no actor: receive into 64 KiB and discard. The sender's and kernel's share.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Floor_raw_socket_no_actor() => Run();

    /// <summary>No socket, no actor: frame (and decode) from memory. The codec's share.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Codec_in_memory_no_socket() => Run();

    /// <summary>(a) ours: socket-owning actor, read loop framing on spans, Tell per message.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task Own_socket_actor() => Run();

    /// <summary>(a) variant: the same read loop, one Tell per socket receive carrying all its messages.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Own_socket_actor_batch() => Run();

    /// <summary>(b) Akka.IO with its defaults (4 KiB per receive); the registered handler frames, decodes and counts.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaIO_Tcp() => Run();

    /// <summary>(b) variant: the handler tells each message on to another actor, one Tell per message as (a).</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaIO_Tcp_tell_each() => Run();

    /// <summary>(b) Akka.IO with maximum-frame-size = 32k (our receive chunk).</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaIO_Tcp_32k() => Run();

    /// <summary>(c) Akka.Streams TCP with Akka.IO's defaults.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaStreams_Tcp() => Run();

    /// <summary>(c) Akka.Streams TCP with maximum-frame-size = 32k.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaStreams_Tcp_32k() => Run();
}

/// <summary>
/// Write direction: 100k pre-encoded messages told to the transport one at a time (as the RIB and FSM do);
/// a plain socket on 127.0.0.1 reads and counts the octets.
/// </summary>
[Config(typeof(TransportConfig))]
public class WriteBenchmarks : TransportBenchmarks
{
    protected override string Parameters => "";
    protected override string ClassName => nameof(WriteBenchmarks);

    [GlobalSetup(Target = nameof(Own_socket_actor))]
    public void SetupOwn() => Setup(nameof(Own_socket_actor), () => WriteRigs.OwnAsync(Stream));

    [GlobalSetup(Target = nameof(AkkaIO_Tcp))]
    public void SetupAkkaIo() => Setup(nameof(AkkaIO_Tcp), () => WriteRigs.AkkaIoAsync(Stream, tunedIo: false));

    [GlobalSetup(Target = nameof(AkkaIO_Tcp_32k))]
    public void SetupAkkaIo32() => Setup(nameof(AkkaIO_Tcp_32k), () => WriteRigs.AkkaIoAsync(Stream, tunedIo: true));

    [GlobalSetup(Target = nameof(AkkaStreams_Tcp))]
    public void SetupStreams() => Setup(nameof(AkkaStreams_Tcp), () => WriteRigs.AkkaStreamsAsync(Stream, tunedIo: false));

    [GlobalSetup(Target = nameof(AkkaStreams_Tcp_32k))]
    public void SetupStreams32() => Setup(nameof(AkkaStreams_Tcp_32k), () => WriteRigs.AkkaStreamsAsync(Stream, tunedIo: true));

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task Own_socket_actor() => Run();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaIO_Tcp() => Run();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaIO_Tcp_32k() => Run();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaStreams_Tcp() => Run();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task AkkaStreams_Tcp_32k() => Run();
}
