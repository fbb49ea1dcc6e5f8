using System.Net;
using System.Net.Sockets;

namespace AkkaBgp.Interop;

/// <summary>
/// A TCP relay that stands in for the network between two speakers on loopback and lets a test decide when BGP
/// messages arrive. It accepts on <see cref="Listen"/> and connects on to a target from a chosen source address (so
/// the target sees the address it expects its neighbor at). While armed, it reads what each side sends but passes
/// only as many whole BGP messages per direction as the test allows (<see cref="PassMessages"/>), then everything
/// (<see cref="Open"/>); closes are passed on once the bytes before them have been.
/// <para>
/// Why: an RFC 4271 6.8 collision needs both speakers to have both TCP connections, and to read both OPENs, before
/// either has finished the handshake on one of them; on loopback one side's connection always wins the race, and
/// the usual way to widen the window (netem delay) is not available in this kernel. Holding messages back is the
/// same as a slow network; both speakers still resolve the collision with their own code.
/// </para>
/// </summary>
public sealed class HeldRelay : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly IPAddress _source;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Direction> _directions = [];
    private readonly List<Socket> _sockets = [];
    private int _allowed; // whole messages each direction may pass while armed; int.MaxValue: open
    private int _pairs;
    private int _connecting; // accepted, not yet connected on or given up
    private long _closes;

    public HeldRelay(IPEndPoint listen, IPEndPoint target, IPAddress source)
    {
        _target = target;
        _source = source;
        _listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(listen);
        _listener.Listen(16);
        Listen = (IPEndPoint)_listener.LocalEndPoint!;
        _ = AcceptLoopAsync();
    }

    public IPEndPoint Listen { get; }

    /// <summary>Connections accepted and connected on since the last <see cref="Arm"/>.</summary>
    public int Connections => Volatile.Read(ref _pairs);

    /// <summary>No connection is open or being made: what was relayed before has been closed on both sides.</summary>
    public bool Quiet
    {
        get { lock (_gate) return Volatile.Read(ref _connecting) == 0 && _directions.All(d => d.Closed); }
    }

    /// <summary>From now on new connections pass nothing until told; connections already open stay open.</summary>
    public void Arm()
    {
        lock (_gate)
        {
            _allowed = 0;
            _pairs = 0;
            _directions.RemoveAll(d => !d.Armed || d.Closed);
            foreach (var d in _directions) d.Armed = false;
        }
    }

    /// <summary>Lets the first <paramref name="count"/> whole messages of each direction of the armed connections through.</summary>
    public void PassMessages(int count) { lock (_gate) _allowed = count; Flush(); }

    /// <summary>Lets everything through, now and later, until the next <see cref="Arm"/>.</summary>
    public void Open() { lock (_gate) _allowed = int.MaxValue; Flush(); }

    /// <summary>Whether every direction of the armed connections has sent more than <paramref name="count"/> messages
    /// or closed: both speakers have acted on what they were let see.</summary>
    public bool AllSentBeyond(int count)
    {
        lock (_gate)
            return _directions.Count > 0 && _directions.Where(d => d.Armed).All(d => d.Closed || d.Complete > count);
    }

    /// <summary>Whether the target side of an armed connection closed it without a single message, either although the
    /// dialing side had sent one or before the dialing side closed: the target took the TCP connection and closed it
    /// unheard. (A dialer closing its own connection before its OPEN, as a speaker does with a dial it no longer needs,
    /// is not counted.) A speaker that refuses a connection as it accepts it (our listener while the session is Idle)
    /// closes it before the dialer's OPEN has reached the relay: a fresh-clone run once counted such a round as a
    /// collision because only the first case was checked.</summary>
    public bool Refused
    {
        get
        {
            lock (_gate)
                return _directions.Any(d => d.Armed && d.Dialed is { } dialed && d.Closed && d.Complete == 0
                    && (dialed.Complete > 0 || !dialed.Closed || d.ClosedOrder < dialed.ClosedOrder));
        }
    }

    public async Task WaitAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        if (!await TryWaitAsync(condition, timeout))
            throw new TimeoutException($"relay {Listen}: {what} not reached within {timeout}: {Describe()}");
    }

    /// <summary>Whether <paramref name="condition"/> became true within <paramref name="timeout"/>.</summary>
    public static async Task<bool> TryWaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(10);
        }
        return true;
    }

    public string Describe()
    {
        lock (_gate)
            return string.Join("; ", _directions.Select(d => $"{d.Name}: {d.Passed} passed, {d.Complete} complete, closed {d.Closed}"));
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var inbound = await _listener.AcceptAsync(_stop.Token);
                Interlocked.Increment(ref _connecting);
                _ = ConnectOnAsync(inbound);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task ConnectOnAsync(Socket inbound)
    {
        var outbound = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        inbound.NoDelay = true;
        lock (_gate) { _sockets.Add(inbound); _sockets.Add(outbound); }
        try
        {
            outbound.Bind(new IPEndPoint(_source, 0));
            await outbound.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            inbound.Dispose();
            outbound.Dispose();
            Interlocked.Decrement(ref _connecting);
            return;
        }
        var there = new Direction($"{inbound.RemoteEndPoint}->{_target}", outbound);
        var back = new Direction($"{_target}->{inbound.RemoteEndPoint}", inbound) { Dialed = there };
        lock (_gate) { _directions.Add(there); _directions.Add(back); }
        Interlocked.Decrement(ref _connecting);
        Interlocked.Increment(ref _pairs);
        await Task.WhenAll(ReadAsync(inbound, there), ReadAsync(outbound, back));
        inbound.Dispose();
        outbound.Dispose();
    }

    private async Task ReadAsync(Socket from, Direction d)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0) break;
                lock (_gate) d.Pending.AddRange(buffer.AsSpan(0, n));
                Flush();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
        lock (_gate)
        {
            d.Closed = true;
            d.ClosedOrder = ++_closes;
        }
        Flush();
    }

    /// <summary>Sends what each direction may send now; a direction whose source closed closes once drained.</summary>
    private void Flush()
    {
        lock (_gate)
        {
            foreach (var d in _directions)
            {
                int allowed = d.Armed ? _allowed : int.MaxValue;
                while (d.Passed < allowed && d.NextMessageLength() is int length and > 0)
                {
                    try { d.To.Send(d.Pending.GetRange(0, length).ToArray()); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                    d.Pending.RemoveRange(0, length);
                    d.Passed++;
                }
                if (d.Closed && !d.ClosePassed && (d.Pending.Count == 0 || allowed == int.MaxValue))
                {
                    d.ClosePassed = true;
                    try { d.To.Shutdown(SocketShutdown.Send); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
                }
            }
        }
    }

    private sealed class Direction(string name, Socket to)
    {
        public string Name { get; } = name;
        public Socket To { get; } = to;
        public List<byte> Pending { get; } = [];
        public bool Armed { get; set; } = true;
        public int Passed { get; set; }
        public bool Closed { get; set; }
        /// <summary>When the source closed, among all closes the relay saw (1 first).</summary>
        public long ClosedOrder { get; set; }
        public bool ClosePassed { get; set; }
        /// <summary>On the target's direction: the dialing side's direction of the same connection.</summary>
        public Direction? Dialed { get; init; }

        /// <summary>Messages passed plus whole messages waiting.</summary>
        public int Complete
        {
            get
            {
                int count = Passed, offset = 0;
                while (LengthAt(offset) is int l and > 0) { count++; offset += l; }
                return count;
            }
        }

        public int? NextMessageLength() => LengthAt(0);

        /// <summary>RFC 4271 4.1: octets 16-17 of the header are the whole message's length.</summary>
        private int? LengthAt(int offset)
        {
            if (Pending.Count - offset < 19) return null;
            int length = (Pending[offset + 16] << 8) | Pending[offset + 17];
            if (length < 19) return Pending.Count - offset; // not BGP: pass it as it is
            return Pending.Count - offset >= length ? length : null;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_gate)
            foreach (var s in _sockets) s.Dispose();
        return ValueTask.CompletedTask;
    }
}
