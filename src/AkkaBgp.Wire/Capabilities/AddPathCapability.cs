using System.Buffers.Binary;

namespace AkkaBgp.Wire;

/// <summary>ADD-PATH Send/Receive field, RFC 7911 section 4. Other values are kept as received.</summary>
public enum AddPathMode : byte
{
    Receive = 1,
    Send = 2,
    Both = 3,
}

public readonly record struct AddPathFamily(AfiSafi Family, AddPathMode Mode)
{
    public bool CanReceive => Mode is AddPathMode.Receive or AddPathMode.Both;
    public bool CanSend => Mode is AddPathMode.Send or AddPathMode.Both;
}

/// <summary>ADD-PATH, RFC 7911 section 4: AFI (2), SAFI (1), Send/Receive (1) per family.</summary>
public sealed record AddPathCapability(IReadOnlyList<AddPathFamily> Families) : Capability
{
    public AddPathCapability(params AddPathFamily[] families) : this((IReadOnlyList<AddPathFamily>)families) { }

    public override byte Code => CapabilityCode.AddPath;
    public override int ValueLength => 4 * Families.Count;

    protected override void WriteValue(Span<byte> dest)
    {
        int o = 0;
        foreach (AddPathFamily f in Families)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dest[o..], f.Family.Afi);
            dest[o + 2] = f.Family.Safi;
            dest[o + 3] = (byte)f.Mode;
            o += 4;
        }
    }

    internal static bool TryDecodeValue(ReadOnlySpan<byte> value, out Capability? capability, out WireError? error)
    {
        capability = null;
        if (value.Length == 0 || value.Length % 4 != 0)
        {
            error = Malformed(CapabilityCode.AddPath, $"value length {value.Length} is not a positive multiple of 4");
            return false;
        }
        var families = new AddPathFamily[value.Length / 4];
        for (int i = 0, o = 0; i < families.Length; i++, o += 4)
            families[i] = new AddPathFamily(new AfiSafi(BinaryPrimitives.ReadUInt16BigEndian(value[o..]), value[o + 2]), (AddPathMode)value[o + 3]);
        capability = new AddPathCapability(families);
        error = null;
        return true;
    }

    public bool Equals(AddPathCapability? other) => other is not null && other.Families.SequenceEqual(Families);
    public override int GetHashCode() => Families.Count;
}

/// <summary>One entry of the Extended Next Hop Encoding capability, RFC 8950 section 4.</summary>
public readonly record struct ExtendedNextHopFamily(ushort NlriAfi, ushort NlriSafi, ushort NextHopAfi);

/// <summary>Extended Next Hop Encoding, RFC 8950 section 4: 6 octets per entry (note the 2-octet SAFI).</summary>
public sealed record ExtendedNextHopCapability(IReadOnlyList<ExtendedNextHopFamily> Families) : Capability
{
    public ExtendedNextHopCapability(params ExtendedNextHopFamily[] families) : this((IReadOnlyList<ExtendedNextHopFamily>)families) { }

    public override byte Code => CapabilityCode.ExtendedNextHop;
    public override int ValueLength => 6 * Families.Count;

    protected override void WriteValue(Span<byte> dest)
    {
        int o = 0;
        foreach (ExtendedNextHopFamily f in Families)
        {
            BinaryPrimitives.WriteUInt16BigEndian(dest[o..], f.NlriAfi);
            BinaryPrimitives.WriteUInt16BigEndian(dest[(o + 2)..], f.NlriSafi);
            BinaryPrimitives.WriteUInt16BigEndian(dest[(o + 4)..], f.NextHopAfi);
            o += 6;
        }
    }

    internal static bool TryDecodeValue(ReadOnlySpan<byte> value, out Capability? capability, out WireError? error)
    {
        capability = null;
        if (value.Length == 0 || value.Length % 6 != 0)
        {
            error = Malformed(CapabilityCode.ExtendedNextHop, $"value length {value.Length} is not a positive multiple of 6");
            return false;
        }
        var families = new ExtendedNextHopFamily[value.Length / 6];
        for (int i = 0, o = 0; i < families.Length; i++, o += 6)
            families[i] = new ExtendedNextHopFamily(BinaryPrimitives.ReadUInt16BigEndian(value[o..]),
                BinaryPrimitives.ReadUInt16BigEndian(value[(o + 2)..]), BinaryPrimitives.ReadUInt16BigEndian(value[(o + 4)..]));
        capability = new ExtendedNextHopCapability(families);
        error = null;
        return true;
    }

    public bool Equals(ExtendedNextHopCapability? other) => other is not null && other.Families.SequenceEqual(Families);
    public override int GetHashCode() => Families.Count;
}
