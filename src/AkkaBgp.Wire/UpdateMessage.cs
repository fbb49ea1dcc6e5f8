using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire;

/// <summary>
/// A decoded UPDATE (RFC 4271 4.3). IPv4 unicast routes travel in <see cref="Withdrawn"/>/<see cref="Nlri"/>;
/// every other family in <see cref="MpReach"/>/<see cref="MpUnreach"/> (RFC 4760). Prefix fields are
/// validated at decode time and read lazily and allocation-free by enumeration.
/// </summary>
public sealed class UpdateMessage
{
    public const byte MessageType = 2;

    private static readonly IReadOnlyList<WireError> NoErrors = Array.Empty<WireError>();

    internal UpdateMessage(NlriList withdrawn, PathAttributes attributes, NlriList nlri, MpReachNlri? mpReach, MpUnreachNlri? mpUnreach, List<WireError>? errors, int attributeCount)
    {
        Withdrawn = withdrawn;
        Attributes = attributes;
        Nlri = nlri;
        MpReach = mpReach;
        MpUnreach = mpUnreach;
        Errors = errors is null ? NoErrors : errors;
        ReceivedAttributeCount = attributeCount;
        if (errors is not null)
        {
            foreach (var e in errors)
                if (Action is null || Strength(e.Action) > Strength(Action.Value)) Action = e.Action;
        }
    }

    /// <summary>IPv4 unicast Withdrawn Routes field.</summary>
    public NlriList Withdrawn { get; }
    /// <summary>The path attributes in canonical form (see <see cref="PathAttributes"/>); MP_REACH/MP_UNREACH are separate.</summary>
    public PathAttributes Attributes { get; }
    /// <summary>IPv4 unicast NLRI field.</summary>
    public NlriList Nlri { get; }
    public MpReachNlri? MpReach { get; }
    public MpUnreachNlri? MpUnreach { get; }

    /// <summary>Non-fatal RFC 7606 errors (treat-as-withdraw, attribute discard), in the order found.</summary>
    public IReadOnlyList<WireError> Errors { get; }
    /// <summary>The strongest action among <see cref="Errors"/>, or null when the UPDATE was clean.</summary>
    public ErrorAction? Action { get; }
    /// <summary>RFC 7606 2: every route announced here (NLRI and MP_REACH) must be handled as withdrawn.</summary>
    public bool IsTreatAsWithdraw => Action == ErrorAction.TreatAsWithdraw;

    /// <summary>Path attributes present on the wire, including MP_* ones and ones later discarded.</summary>
    public int ReceivedAttributeCount { get; }

    /// <summary>Routes announced: IPv4 NLRI plus MP_REACH NLRI of decoded families.</summary>
    public int AnnouncedCount => Nlri.Count + (MpReach?.Nlri.Count ?? 0);
    public int WithdrawnCount => Withdrawn.Count + (MpUnreach?.Withdrawn.Count ?? 0);

    /// <summary>
    /// End-of-RIB (RFC 4724 section 2): for IPv4 unicast an UPDATE with no withdrawn routes, no attributes and
    /// no NLRI; for any other family an UPDATE whose only attribute is MP_UNREACH_NLRI with no withdrawn routes.
    /// </summary>
    public bool TryGetEndOfRib(out ushort afi, out byte safi)
    {
        afi = 0;
        safi = 0;
        if (!Withdrawn.IsEmpty || !Nlri.IsEmpty || Action is not null) return false;
        if (ReceivedAttributeCount == 0)
        {
            afi = 1;
            safi = 1;
            return true;
        }
        if (ReceivedAttributeCount == 1 && MpUnreach is { } u && u.WithdrawnEncoded.IsEmpty)
        {
            afi = u.Afi;
            safi = u.Safi;
            return true;
        }
        return false;
    }

    public bool IsEndOfRib => TryGetEndOfRib(out _, out _);

    internal static int Strength(ErrorAction a) => a switch
    {
        ErrorAction.SessionReset => 4,
        ErrorAction.AfiSafiDisable => 3,
        ErrorAction.TreatAsWithdraw => 2,
        _ => 1,
    };

    /// <summary>
    /// Decodes an UPDATE body (the octets after the 19-octet header). Returns false with a fatal
    /// <paramref name="error"/> (<see cref="ErrorAction.SessionReset"/> or <see cref="ErrorAction.AfiSafiDisable"/>)
    /// whose Code/Subcode/Data are the NOTIFICATION to send. Returns true otherwise; check
    /// <see cref="Action"/>/<see cref="Errors"/> for treat-as-withdraw and attribute-discard outcomes.
    /// Never throws for any input.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, in UpdateDecodeContext ctx,
        [NotNullWhen(true)] out UpdateMessage? msg, [NotNullWhen(false)] out WireError? error)
        => UpdateDecoder.TryDecode(body, ctx, out msg, out error);

    /// <summary>Octets of the whole message (header included) when encoded for <paramref name="ctx"/>.</summary>
    public int GetEncodedLength(in UpdateEncodeContext ctx) => UpdateEncoder.MessageLength(this, ctx);

    /// <summary>Writes the whole message (header included); returns octets written.
    /// Throws <see cref="WireException"/> if it would exceed <see cref="UpdateEncodeContext.EffectiveMaxMessageSize"/>.</summary>
    public int WriteTo(Span<byte> destination, in UpdateEncodeContext ctx) => UpdateEncoder.Write(this, destination, ctx);

    public void WriteTo(IBufferWriter<byte> writer, in UpdateEncodeContext ctx) => UpdateEncoder.Write(this, writer, ctx);

    public byte[] ToArray(in UpdateEncodeContext ctx) => UpdateEncoder.ToArray(this, ctx);

    public override string ToString()
    {
        if (TryGetEndOfRib(out var afi, out var safi)) return $"UPDATE End-of-RIB {afi}/{safi}";
        return $"UPDATE withdrawn={WithdrawnCount} announced={AnnouncedCount} attrs=[{Attributes}]"
               + (MpReach is { } r ? $" mp-reach {r.Afi}/{r.Safi}" : "") + (MpUnreach is { } u ? $" mp-unreach {u.Afi}/{u.Safi}" : "")
               + (Action is { } a ? $" {a}" : "");
    }
}

/// <summary>MP_REACH_NLRI (RFC 4760 section 3). Families other than IPv4/IPv6 unicast/multicast are opaque:
/// <see cref="Nlri"/> is empty and <see cref="NlriEncoded"/>/<see cref="Value"/> keep the bytes exactly.</summary>
public sealed class MpReachNlri
{
    internal MpReachNlri(AttributeFlags flags, ushort afi, byte safi, ReadOnlyMemory<byte> nextHop, byte reserved, ReadOnlyMemory<byte> nlriEncoded, NlriList nlri, bool decoded, ReadOnlyMemory<byte> value)
    {
        Flags = flags;
        Afi = afi;
        Safi = safi;
        NextHop = nextHop;
        Reserved = reserved;
        NlriEncoded = nlriEncoded;
        Nlri = nlri;
        IsDecoded = decoded;
        Value = value;
    }

    public AttributeFlags Flags { get; }
    public ushort Afi { get; }
    public byte Safi { get; }
    /// <summary>The Network Address of Next Hop field (4, 16 or 32 octets for the decoded families).</summary>
    public ReadOnlyMemory<byte> NextHop { get; }
    /// <summary>The reserved octet as received (RFC 4760 3: MUST be 0, ignored on receipt). Re-encoding a decoded
    /// family writes 0 as RFC 4760 requires; an opaque family goes out byte-exact from <see cref="Value"/>.</summary>
    public byte Reserved { get; }
    public ReadOnlyMemory<byte> NlriEncoded { get; }
    public NlriList Nlri { get; }
    public bool IsDecoded { get; }
    /// <summary>The whole attribute value as received.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The global next hop: the first 4 or 16 octets (RFC 4760 3; RFC 2545 3 for the 32-octet form).</summary>
    public IPAddress? GlobalNextHop => NextHop.Length switch
    {
        4 => new IPAddress(NextHop.Span),
        16 or 32 => new IPAddress(NextHop.Span[..16]),
        _ => null,
    };

    /// <summary>The link-local next hop of a 32-octet IPv6 next hop (RFC 2545 section 3).</summary>
    public IPAddress? LinkLocalNextHop => NextHop.Length == 32 ? new IPAddress(NextHop.Span[16..]) : null;
}

/// <summary>MP_UNREACH_NLRI (RFC 4760 section 4).</summary>
public sealed class MpUnreachNlri
{
    internal MpUnreachNlri(AttributeFlags flags, ushort afi, byte safi, ReadOnlyMemory<byte> withdrawnEncoded, NlriList withdrawn, bool decoded, ReadOnlyMemory<byte> value)
    {
        Flags = flags;
        Afi = afi;
        Safi = safi;
        WithdrawnEncoded = withdrawnEncoded;
        Withdrawn = withdrawn;
        IsDecoded = decoded;
        Value = value;
    }

    public AttributeFlags Flags { get; }
    public ushort Afi { get; }
    public byte Safi { get; }
    public ReadOnlyMemory<byte> WithdrawnEncoded { get; }
    public NlriList Withdrawn { get; }
    public bool IsDecoded { get; }
    public ReadOnlyMemory<byte> Value { get; }
}
