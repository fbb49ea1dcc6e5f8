using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace AkkaBgp.Bfd;

/// <summary>
/// The few libc calls BFD needs that .NET does not offer (Linux, x86-64/arm64 layouts):
/// <list type="bullet">
/// <item><c>recvmsg</c> with <c>IP_RECVTTL</c>/<c>IPV6_RECVHOPLIMIT</c>: .NET exposes no received TTL, and with
/// IP_RECVTTL on, its own ReceiveMessageFrom reports ControlDataTruncated (../shared/docs/linux-sockets.md section 3).
/// IP_MINTTL does not filter UDP, so RFC 5881's TTL 255 rule is checked in user space on the value read here.</item>
/// <item><c>poll</c>, so one thread waits on every BFD socket and on its next timer deadline at once.</item>
/// <item><c>eventfd</c>, so a command from an actor wakes that thread without waiting for the deadline.</item>
/// <item><c>sched_setscheduler</c>/<c>setpriority</c>: .NET's Thread.Priority does nothing on Linux (the thread stays
/// SCHED_OTHER, nice 0; seen with <c>ps -L -o cls,ni</c>).</item>
/// </list>
/// Buffers are pinned (POH) arrays allocated once per socket; no unsafe code.
/// </summary>
internal static class BfdNative
{
    private const int MsgDontWait = 0x40;
    private const int Eagain = 11;
    public const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    public static extern int poll([In, Out] PollFd[] fds, nuint nfds, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(int fd, ref MsgHdr msg, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int sched_setscheduler(int pid, int policy, ref int priority);

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int priority);

    private const int SchedFifo = 1, PrioProcess = 0;
    /// <summary>Low among real-time priorities: above every ordinary thread, below the kernel's own (IRQ threads run at 50).</summary>
    public const int TimingRealtimePriority = 5;

    /// <summary>
    /// Lifts the calling thread (on Linux, pid 0 here means the calling thread, not the process) above the rest of the
    /// machine's work, so that a full-table load, GC threads and other processes do not delay BFD's 50 ms packets:
    /// SCHED_FIFO at <see cref="TimingRealtimePriority"/> if the process may (root or CAP_SYS_NICE), else nice -20, else
    /// nothing. The thread sleeps in poll(2) almost all the time, and the kernel keeps 5% of each second for ordinary
    /// threads anyway (sched_rt_runtime_us). <c>AKKABGP_BFD_SCHEDULING=normal</c> leaves the thread as it is (for the
    /// comparison in bench/bfd-under-load.sh). Returns what it got, for the log.
    /// </summary>
    public static string RaiseTimingPriority()
    {
        if (Environment.GetEnvironmentVariable("AKKABGP_BFD_SCHEDULING") == "normal") return "SCHED_OTHER nice 0 (AKKABGP_BFD_SCHEDULING=normal)";
        int priority = TimingRealtimePriority;
        if (sched_setscheduler(0, SchedFifo, ref priority) == 0) return $"SCHED_FIFO {TimingRealtimePriority}";
        int fifoErrno = Marshal.GetLastPInvokeError();
        if (setpriority(PrioProcess, 0, -20) == 0) return $"nice -20 (SCHED_FIFO refused, errno {fifoErrno})";
        return $"SCHED_OTHER nice 0 (SCHED_FIFO refused, errno {fifoErrno}; nice -20 refused, errno {Marshal.GetLastPInvokeError()})";
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buf, nuint count);

    [DllImport("libc", SetLastError = true)]
    private static extern nint read(int fd, byte[] buf, nuint count);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    /// <summary>An eventfd that <see cref="Signal"/> makes readable and <see cref="Clear"/> empties.</summary>
    public sealed class Wakeup : IDisposable
    {
        private readonly byte[] _one = BitConverter.GetBytes(1UL);
        private readonly byte[] _sink = new byte[8];

        public Wakeup()
        {
            Fd = eventfd(0, 0x800 /* EFD_NONBLOCK */ | 0x80000 /* EFD_CLOEXEC */);
            if (Fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        }

        public int Fd { get; }

        public void Signal() => write(Fd, _one, 8);

        public void Clear() => read(Fd, _sink, 8);

        public void Dispose() => close(Fd);
    }

    /// <summary>A bound UDP socket read with recvmsg, giving each datagram's source and TTL/Hop Limit.</summary>
    public sealed class Receiver : IDisposable
    {
        private const int IpProtoIp = 0, IpProtoIpv6 = 41, IpRecvTtl = 12, IpTtl = 2, Ipv6RecvHopLimit = 51, Ipv6HopLimit = 52;
        private readonly byte[] _data = GC.AllocateArray<byte>(512, pinned: true);
        private readonly byte[] _name = GC.AllocateArray<byte>(128, pinned: true);
        private readonly byte[] _control = GC.AllocateArray<byte>(256, pinned: true);
        private readonly IoVec[] _iov = GC.AllocateArray<IoVec>(1, pinned: true);

        public Receiver(IPEndPoint local)
        {
            Local = local;
            Socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
            // Plain SO_REUSEADDR (1/2), not SocketOptionName.ReuseAddress, which also sets SO_REUSEPORT on Linux and
            // would let the kernel spread a peer's packets over two sockets. It lets us bind our own address while a
            // daemon on the same host holds the wildcard address on 3784 (they set it too).
            Socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
            if (local.AddressFamily == AddressFamily.InterNetworkV6) Socket.DualMode = false;
            Socket.Bind(local);
            if (local.AddressFamily == AddressFamily.InterNetwork)
                Socket.SetRawSocketOption(IpProtoIp, IpRecvTtl, BitConverter.GetBytes(1));
            else
                Socket.SetRawSocketOption(IpProtoIpv6, Ipv6RecvHopLimit, BitConverter.GetBytes(1));
            _iov[0] = new IoVec { Base = Marshal.UnsafeAddrOfPinnedArrayElement(_data, 0), Length = (nuint)_data.Length };
        }

        public IPEndPoint Local { get; }
        public Socket Socket { get; }
        public int Fd => (int)Socket.Handle;

        /// <summary>One datagram, or false when none is waiting (EAGAIN). <paramref name="ttl"/> is -1 when the kernel
        /// gave none (then the packet fails the TTL rule).</summary>
        public bool TryReceive(out ReadOnlySpan<byte> datagram, out IPEndPoint? from, out int ttl)
        {
            datagram = default;
            from = null;
            ttl = -1;
            var msg = new MsgHdr
            {
                Name = Marshal.UnsafeAddrOfPinnedArrayElement(_name, 0),
                NameLength = (uint)_name.Length,
                Iov = Marshal.UnsafeAddrOfPinnedArrayElement(_iov, 0),
                IovLength = 1,
                Control = Marshal.UnsafeAddrOfPinnedArrayElement(_control, 0),
                ControlLength = (nuint)_control.Length,
            };
            nint n = recvmsg(Fd, ref msg, MsgDontWait);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Eagain) return false;
                // ICMP errors (ECONNREFUSED from an earlier send) and the like: skip, the next read carries on.
                datagram = ReadOnlySpan<byte>.Empty;
                return true;
            }
            datagram = _data.AsSpan(0, (int)n);
            from = SourceOf(_name);
            // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; data, 8-aligned }
            int offset = 0, end = (int)msg.ControlLength;
            while (offset + 16 <= end)
            {
                long len = BinaryPrimitives.ReadInt64LittleEndian(_control.AsSpan(offset));
                int level = BinaryPrimitives.ReadInt32LittleEndian(_control.AsSpan(offset + 8));
                int type = BinaryPrimitives.ReadInt32LittleEndian(_control.AsSpan(offset + 12));
                if (len < 16) break;
                if ((level == IpProtoIp && type == IpTtl) || (level == IpProtoIpv6 && type == Ipv6HopLimit))
                    ttl = BinaryPrimitives.ReadInt32LittleEndian(_control.AsSpan(offset + 16));
                offset += (int)((len + 7) & ~7L);
            }
            return true;
        }

        private static IPEndPoint? SourceOf(byte[] name)
        {
            ushort family = BinaryPrimitives.ReadUInt16LittleEndian(name);
            int port = BinaryPrimitives.ReadUInt16BigEndian(name.AsSpan(2));
            return family switch
            {
                2 => new IPEndPoint(new IPAddress(name.AsSpan(4, 4)), port),
                10 => new IPEndPoint(new IPAddress(name.AsSpan(8, 16)), port) is var v6 && v6.Address.IsIPv4MappedToIPv6
                    ? new IPEndPoint(v6.Address.MapToIPv4(), port) : new IPEndPoint(new IPAddress(name.AsSpan(8, 16)), port),
                _ => null,
            };
        }

        public void Dispose() => Socket.Dispose();
    }

    /// <summary>RFC 5881 section 4: "The source port MUST be in the range 49152 through 65535. The same UDP source
    /// port number MUST be used for all BFD Control packets associated with a particular session." One socket per
    /// session, bound to our address and a free port in that range, sending with TTL/Hop Limit 255 (section 5; also
    /// for multihop, where RFC 5883 leaves it to us and 255 lets the peer check hops).</summary>
    public static Socket OpenSender(IPAddress local, Random random)
    {
        for (int attempt = 0; ; attempt++)
        {
            var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                if (local.AddressFamily == AddressFamily.InterNetworkV6) socket.DualMode = false;
                socket.Ttl = 255;
                socket.Bind(new IPEndPoint(local, random.Next(49152, 65536)));
                return socket;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 64)
            {
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
