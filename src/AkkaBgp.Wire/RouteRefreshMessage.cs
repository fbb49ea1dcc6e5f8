using System.Buffers.Binary;

namespace AkkaBgp.Wire;

/// <summary>ROUTE-REFRESH Message Subtype, RFC 7313 section 3.2 (the RFC 2918 "Reserved" octet).</summary>
public enum RouteRefreshSubtype : byte
{
    /// <summary>A plain route refresh request, RFC 2918.</summary>
    Normal = 0,
    /// <summary>Beginning of Route Refresh (BoRR), RFC 7313 section 4.</summary>
    BeginningOfRouteRefresh = 1,
    /// <summary>End of Route Refresh (EoRR), RFC 7313 section 4.</summary>
    EndOfRouteRefresh = 2,
}

/// <summary>ROUTE-REFRESH, RFC 2918 section 3: AFI (2), Subtype (1, RFC 7313), SAFI (1).</summary>
public sealed record RouteRefreshMessage(ushort Afi, byte Safi, RouteRefreshSubtype Subtype = RouteRefreshSubtype.Normal) : BgpMessage
{
    public RouteRefreshMessage(AfiSafi family, RouteRefreshSubtype subtype = RouteRefreshSubtype.Normal)
        : this(family.Afi, family.Safi, subtype) { }

    public AfiSafi Family => new(Afi, Safi);

    /// <summary>RFC 7313 section 5: a subtype other than 0, 1 or 2 "MUST" make the receiver ignore the message.
    /// The decoder still returns it (so it can be logged); the session layer drops it.</summary>
    public bool MustBeIgnored => (byte)Subtype > 2;

    public override MessageType Type => MessageType.RouteRefresh;
    public override int BodyLength => 4;

    protected override void WriteBody(Span<byte> dest)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest, Afi);
        dest[2] = (byte)Subtype;
        dest[3] = Safi;
    }

    /// <summary>Decodes a whole ROUTE-REFRESH message (header included; the header already validated).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> message, out RouteRefreshMessage? msg, out WireError? error)
    {
        msg = null;
        error = null;
        ReadOnlySpan<byte> body = message[BgpHeader.Size..];
        if (body.Length != 4)
        {
            if (body.Length >= 3)
            {
                byte subtype = body[2];
                if (subtype is 1 or 2)
                {
                    // RFC 7313 section 5: BoRR/EoRR whose length is not 4 -> 7/1, Data = the complete message.
                    error = WireError.Reset(ErrorCode.RouteRefreshMessage, RouteRefreshSubcode.InvalidMessageLength, message,
                        $"ROUTE-REFRESH subtype {subtype} with body length {body.Length}, 4 expected");
                    return false;
                }
                if (subtype > 2)
                {
                    // RFC 7313 section 5: unknown subtypes are ignored whatever their length.
                    msg = new RouteRefreshMessage(BinaryPrimitives.ReadUInt16BigEndian(body), body.Length >= 4 ? body[3] : (byte)0,
                        (RouteRefreshSubtype)subtype);
                    return true;
                }
            }
            // Subtype 0 (or not even present): RFC 2918 sets no rule of its own, so the RFC 4271
            // section 6.1 length check applies: Bad Message Length with the Length field.
            error = BgpHeader.BadLength(message.Slice(BgpHeader.MarkerSize, 2),
                $"ROUTE-REFRESH length {message.Length}, {BgpHeader.RouteRefreshLength} expected");
            return false;
        }
        msg = new RouteRefreshMessage(BinaryPrimitives.ReadUInt16BigEndian(body), body[3], (RouteRefreshSubtype)body[2]);
        return true;
    }
}
