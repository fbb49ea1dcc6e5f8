using System.Text;

namespace AkkaBgp.Wire.Tests.Generators;

/// <summary>Seeded generator of valid OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH messages.</summary>
public sealed class MessageGenerator(int seed)
{
    public Random Rng { get; } = new(seed);

    private static readonly byte[] KnownCodes =
    [
        CapabilityCode.Multiprotocol, CapabilityCode.RouteRefresh, CapabilityCode.ExtendedNextHop, CapabilityCode.ExtendedMessage,
        CapabilityCode.Role, CapabilityCode.GracefulRestart, CapabilityCode.FourOctetAs, CapabilityCode.AddPath,
        CapabilityCode.EnhancedRouteRefresh, CapabilityCode.Fqdn, CapabilityCode.CiscoRouteRefresh,
    ];

    private byte[] Bytes(int min, int max)
    {
        var b = new byte[Rng.Next(min, max + 1)];
        Rng.NextBytes(b);
        return b;
    }

    private AfiSafi Family() => Rng.Next(4) switch
    {
        0 => AfiSafi.Ipv4Unicast,
        1 => AfiSafi.Ipv6Unicast,
        _ => new AfiSafi((ushort)Rng.Next(0, 65536), (byte)Rng.Next(256)),
    };

    public Capability Capability()
    {
        switch (Rng.Next(12))
        {
            case 0: return new MultiprotocolCapability(Family());
            case 1: return Rng.Next(2) == 0 ? RouteRefreshCapability.Standard : RouteRefreshCapability.PreStandard;
            case 2: return EnhancedRouteRefreshCapability.Instance;
            case 3: return ExtendedMessageCapability.Instance;
            case 4: return new FourOctetAsCapability((uint)Rng.NextInt64(1, 1L << 32));
            case 5:
                return new GracefulRestartCapability((byte)Rng.Next(16), (ushort)Rng.Next(4096),
                    Enumerable.Range(0, Rng.Next(0, 6)).Select(_ => new GracefulRestartFamily(Family(), (byte)Rng.Next(256))).ToArray());
            case 6:
                return new AddPathCapability(Enumerable.Range(0, Rng.Next(1, 6))
                    .Select(_ => new AddPathFamily(Family(), (AddPathMode)(Rng.Next(10) == 0 ? Rng.Next(256) : Rng.Next(1, 4)))).ToArray());
            case 7: return new RoleCapability((BgpRole)(Rng.Next(4) == 0 ? Rng.Next(256) : Rng.Next(5)));
            case 8: return new FqdnCapability(Bytes(0, 64), Bytes(0, 64));
            case 9:
                return new ExtendedNextHopCapability(Enumerable.Range(0, Rng.Next(1, 5))
                    .Select(_ => new ExtendedNextHopFamily((ushort)Rng.Next(65536), (ushort)Rng.Next(65536), (ushort)Rng.Next(65536))).ToArray());
            default:
                byte code;
                do code = (byte)Rng.Next(256); while (KnownCodes.Contains(code));
                return new UnknownCapability(code, Bytes(0, Rng.Next(10) == 0 ? 255 : 20));
        }
    }

    public OpenMessage Open()
    {
        var caps = new List<Capability>();
        int n = Rng.Next(10) == 0 ? Rng.Next(30, 80) : Rng.Next(0, 12);
        for (int i = 0; i < n; i++) caps.Add(Capability());
        ushort hold = (ushort)Rng.Next(65536);
        if (hold is 1 or 2) hold = 0;
        var open = new OpenMessage(4, (ushort)Rng.Next(1, 65536), hold, (uint)Rng.NextInt64(1, 1L << 32), caps)
        {
            UseExtendedOptionalParameters = Rng.Next(5) == 0,
        };
        // An OPEN never exceeds 4096 octets (RFC 8654 section 4).
        while (open.EncodedLength > BgpHeader.MaxMessageLength)
        {
            caps.RemoveAt(caps.Count - 1);
            open = open with { Capabilities = caps.ToList() };
        }
        return open;
    }

    public NotificationMessage Notification()
    {
        if (Rng.Next(4) == 0)
        {
            var text = new StringBuilder();
            int len = Rng.Next(0, 80);
            for (int i = 0; i < len; i++)
                text.Append(Rng.Next(4) switch { 0 => (char)Rng.Next(0x20, 0x7F), 1 => 'é', 2 => '中', _ => char.ConvertFromUtf32(0x1F600 + Rng.Next(50)) });
            string s = text.ToString();
            while (Encoding.UTF8.GetByteCount(s) > 255) s = s[..^1];
            if (s.Length > 0 && char.IsHighSurrogate(s[^1])) s = s[..^1];
            return NotificationMessage.Shutdown(Rng.Next(2) == 0 ? CeaseSubcode.AdministrativeShutdown : CeaseSubcode.AdministrativeReset, s);
        }
        return new NotificationMessage((byte)Rng.Next(1, 9), (byte)Rng.Next(0, 12), Bytes(0, Rng.Next(20) == 0 ? 1000 : 40));
    }

    public RouteRefreshMessage RouteRefresh()
        => new((ushort)Rng.Next(65536), (byte)Rng.Next(256), (RouteRefreshSubtype)Rng.Next(3));

    /// <summary>Any of this generator's message types.</summary>
    public BgpMessage Message() => Rng.Next(4) switch
    {
        0 => Open(),
        1 => Notification(),
        2 => KeepaliveMessage.Instance,
        _ => RouteRefresh(),
    };

    /// <summary>A stream for framing tests: these messages plus UPDATE-typed messages with random bodies (framing does not decode).</summary>
    public byte[] Stream(int count, out List<byte[]> messages)
    {
        messages = new List<byte[]>(count);
        var all = new List<byte>();
        for (int i = 0; i < count; i++)
        {
            byte[] m = Rng.Next(3) == 0 ? new RawUpdateMessage(Bytes(4, Rng.Next(50) == 0 ? 4000 : 200)).ToArray() : Message().ToArray();
            messages.Add(m);
            all.AddRange(m);
        }
        return all.ToArray();
    }
}
