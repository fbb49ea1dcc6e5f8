using System.Net;
using System.Net.Sockets;
using AkkaBgp.Wire.Rtr;

namespace AkkaBgp.Tests.Rpki;

/// <summary>A scripted RTR cache on loopback: the test accepts the client's connection, reads its PDUs and writes
/// the cache's, octet for octet. Reads wait with a generous deadline (the machine is shared).</summary>
internal sealed class FakeCache : IDisposable
{
    private readonly TcpListener _listener;
    private TcpClient? _client;
    private NetworkStream? _stream;
    private readonly List<byte> _pending = new();
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public FakeCache()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Accept()
    {
        Drop();
        var task = _listener.AcceptTcpClientAsync();
        if (!task.Wait(Deadline)) throw new Xunit.Sdk.XunitException("the client did not connect");
        _client = task.Result;
        _client.NoDelay = true;
        _stream = _client.GetStream();
        _pending.Clear();
        _read = null;
    }

    public void Send(params RtrPdu[] pdus)
    {
        foreach (var p in pdus) _stream!.Write(RtrCodec.Encode(p));
        _stream!.Flush();
    }

    public void SendRaw(byte[] bytes) => _stream!.Write(bytes);

    private Task<int>? _read;
    private readonly byte[] _readBuffer = new byte[4096];

    /// <summary>The next PDU the client sends.</summary>
    public RtrPdu Read() => TryRead(Deadline) ?? throw new Xunit.Sdk.XunitException("nothing from the client");

    /// <summary>The next PDU the client sends within <paramref name="wait"/>, or null. A read still outstanding at the
    /// deadline is kept for the next call, so no octet is lost.</summary>
    public RtrPdu? TryRead(TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var r = RtrCodec.Decode(_pending.ToArray());
            if (r.Status == RtrDecodeStatus.Pdu)
            {
                _pending.RemoveRange(0, r.Consumed);
                return r.Pdu!;
            }
            if (r.Status == RtrDecodeStatus.Error) throw new Xunit.Sdk.XunitException($"client sent a bad PDU: {r.Error}");
            int n = ReadSome(deadline);
            if (n < 0) return null;
            if (n == 0) throw new Xunit.Sdk.XunitException("the client closed the connection");
        }
    }

    /// <summary>Octets read (appended to the pending ones), 0 at end of stream, -1 at the deadline.</summary>
    private int ReadSome(DateTime deadline)
    {
        _read ??= _stream!.ReadAsync(_readBuffer, 0, _readBuffer.Length);
        var left = deadline - DateTime.UtcNow;
        if (left < TimeSpan.Zero || !_read.Wait(left)) return -1;
        int n = _read.Result;
        _read = null;
        _pending.AddRange(_readBuffer.AsSpan(0, n).ToArray());
        return n;
    }

    public T Read<T>() where T : RtrPdu => Assert.IsType<T>(Read());

    /// <summary>Waits until the client closes the connection (reads return 0).</summary>
    public void ExpectClosed()
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            int n;
            try { n = ReadSome(deadline); }
            catch (AggregateException) { return; } // reset by the client: closed too
            if (n == 0) return;
            if (n < 0) throw new Xunit.Sdk.XunitException("the client kept the connection open");
        }
    }

    /// <summary>Closes the current connection (the cache goes away or drops the client).</summary>
    public void Drop()
    {
        _stream?.Dispose();
        _client?.Dispose();
        _stream = null;
        _client = null;
    }

    public void Dispose()
    {
        Drop();
        _listener.Stop();
    }
}
