using System.Buffers.Binary;

namespace AkkaBgp.Wire;

/// <summary>One AFI/SAFI entry of the Graceful Restart capability, RFC 4724 section 3.</summary>
/// <param name="Flags">The whole "Flags for Address Family" octet; bits other than F are kept for re-encoding.</param>
public readonly record struct GracefulRestartFamily(AfiSafi Family, byte Flags)
{
    public const byte ForwardingStateBit = 0x80;

    public GracefulRestartFamily(AfiSafi family, bool forwardingPreserved)
        : this(family, forwardingPreserved ? ForwardingStateBit : (byte)0) { }

    /// <summary>F bit: forwarding state for this family was preserved across the restart.</summary>
    public bool ForwardingPreserved => (Flags & ForwardingStateBit) != 0;
}

/// <summary>
/// Graceful Restart, RFC 4724 section 3: Restart Flags (4 bits), Restart Time (12 bits, seconds),
/// then 4 octets per AFI/SAFI. The N bit is RFC 8538 section 2.
/// </summary>
public sealed record GracefulRestartCapability(byte RestartFlags, ushort RestartTime, IReadOnlyList<GracefulRestartFamily> Families) : Capability
{
    public const byte RestartStateBit = 0x8;  // R, RFC 4724 section 3
    public const byte NotificationBit = 0x4;  // N, RFC 8538 section 2
    public const ushort MaxRestartTime = 0x0FFF;

    public static GracefulRestartCapability Create(ushort restartTime, bool restarting, bool notification,
        params GracefulRestartFamily[] families)
        => new((byte)((restarting ? RestartStateBit : 0) | (notification ? NotificationBit : 0)), restartTime, families);

    public bool RestartState => (RestartFlags & RestartStateBit) != 0;
    public bool NotificationSupport => (RestartFlags & NotificationBit) != 0;

    public override byte Code => CapabilityCode.GracefulRestart;
    public override int ValueLength => 2 + 4 * Families.Count;

    protected override void WriteValue(Span<byte> dest)
    {
        if (RestartFlags > 0xF || RestartTime > MaxRestartTime)
            throw new WireException("graceful restart flags are 4 bits and restart time 12 bits");
        BinaryPrimitives.WriteUInt16BigEndian(dest, (ushort)((RestartFlags << 12) | RestartTime));
        int o = 2;
        foreach (GracefulRestartFamily f in Families)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dest[o..], f.Family.Afi);
            dest[o + 2] = f.Family.Safi;
            dest[o + 3] = f.Flags;
            o += 4;
        }
    }

    internal static bool TryDecodeValue(ReadOnlySpan<byte> value, out Capability? capability, out WireError? error)
    {
        capability = null;
        // A bare 2-octet value is legal: a helper-only speaker lists no families (RFC 4724 section 3).
        if (value.Length < 2 || (value.Length - 2) % 4 != 0)
        {
            error = Malformed(CapabilityCode.GracefulRestart, $"value length {value.Length} is not 2 + 4n");
            return false;
        }
        ushort head = BinaryPrimitives.ReadUInt16BigEndian(value);
        var families = new GracefulRestartFamily[(value.Length - 2) / 4];
        for (int i = 0, o = 2; i < families.Length; i++, o += 4)
            families[i] = new GracefulRestartFamily(new AfiSafi(BinaryPrimitives.ReadUInt16BigEndian(value[o..]), value[o + 2]), value[o + 3]);
        capability = new GracefulRestartCapability((byte)(head >> 12), (ushort)(head & MaxRestartTime), families);
        error = null;
        return true;
    }

    public bool Equals(GracefulRestartCapability? other)
        => other is not null && other.RestartFlags == RestartFlags && other.RestartTime == RestartTime
           && other.Families.SequenceEqual(Families);

    public override int GetHashCode() => HashCode.Combine(RestartFlags, RestartTime, Families.Count);
}
