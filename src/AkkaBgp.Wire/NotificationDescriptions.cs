namespace AkkaBgp.Wire;

/// <summary>Human-readable names for NOTIFICATION codes and subcodes, for logs and the management API.</summary>
public static partial class Notification
{
    public static string DescribeCode(byte code) => code switch
    {
        ErrorCode.MessageHeader => "Message Header Error",
        ErrorCode.OpenMessage => "OPEN Message Error",
        ErrorCode.UpdateMessage => "UPDATE Message Error",
        ErrorCode.HoldTimerExpired => "Hold Timer Expired",
        ErrorCode.FiniteStateMachine => "Finite State Machine Error",
        ErrorCode.Cease => "Cease",
        ErrorCode.RouteRefreshMessage => "ROUTE-REFRESH Message Error",
        ErrorCode.SendHoldTimerExpired => "Send Hold Timer Expired",
        _ => $"Unknown error code {code}",
    };

    public static string DescribeSubcode(byte code, byte subcode)
    {
        string? name = code switch
        {
            ErrorCode.MessageHeader => subcode switch
            {
                HeaderSubcode.ConnectionNotSynchronized => "Connection Not Synchronized",
                HeaderSubcode.BadMessageLength => "Bad Message Length",
                HeaderSubcode.BadMessageType => "Bad Message Type",
                _ => null,
            },
            ErrorCode.OpenMessage => subcode switch
            {
                OpenSubcode.UnsupportedVersionNumber => "Unsupported Version Number",
                OpenSubcode.BadPeerAs => "Bad Peer AS",
                OpenSubcode.BadBgpIdentifier => "Bad BGP Identifier",
                OpenSubcode.UnsupportedOptionalParameter => "Unsupported Optional Parameter",
                5 => "Authentication Failure (deprecated)",
                OpenSubcode.UnacceptableHoldTime => "Unacceptable Hold Time",
                OpenSubcode.UnsupportedCapability => "Unsupported Capability",
                OpenSubcode.RoleMismatch => "Role Mismatch",
                _ => null,
            },
            ErrorCode.UpdateMessage => subcode switch
            {
                UpdateSubcode.MalformedAttributeList => "Malformed Attribute List",
                UpdateSubcode.UnrecognizedWellKnownAttribute => "Unrecognized Well-known Attribute",
                UpdateSubcode.MissingWellKnownAttribute => "Missing Well-known Attribute",
                UpdateSubcode.AttributeFlagsError => "Attribute Flags Error",
                UpdateSubcode.AttributeLengthError => "Attribute Length Error",
                UpdateSubcode.InvalidOriginAttribute => "Invalid ORIGIN Attribute",
                7 => "AS Routing Loop (deprecated)",
                UpdateSubcode.InvalidNextHopAttribute => "Invalid NEXT_HOP Attribute",
                UpdateSubcode.OptionalAttributeError => "Optional Attribute Error",
                UpdateSubcode.InvalidNetworkField => "Invalid Network Field",
                UpdateSubcode.MalformedAsPath => "Malformed AS_PATH",
                _ => null,
            },
            ErrorCode.FiniteStateMachine => subcode switch
            {
                FsmSubcode.Unspecified => "Unspecified Error",
                FsmSubcode.UnexpectedMessageInOpenSent => "Receive Unexpected Message in OpenSent State",
                FsmSubcode.UnexpectedMessageInOpenConfirm => "Receive Unexpected Message in OpenConfirm State",
                FsmSubcode.UnexpectedMessageInEstablished => "Receive Unexpected Message in Established State",
                _ => null,
            },
            ErrorCode.Cease => subcode switch
            {
                CeaseSubcode.MaximumPrefixesReached => "Maximum Number of Prefixes Reached",
                CeaseSubcode.AdministrativeShutdown => "Administrative Shutdown",
                CeaseSubcode.PeerDeconfigured => "Peer De-configured",
                CeaseSubcode.AdministrativeReset => "Administrative Reset",
                CeaseSubcode.ConnectionRejected => "Connection Rejected",
                CeaseSubcode.OtherConfigurationChange => "Other Configuration Change",
                CeaseSubcode.ConnectionCollisionResolution => "Connection Collision Resolution",
                CeaseSubcode.OutOfResources => "Out of Resources",
                CeaseSubcode.HardReset => "Hard Reset",
                CeaseSubcode.BfdDown => "BFD Down",
                _ => null,
            },
            ErrorCode.RouteRefreshMessage => subcode switch
            {
                RouteRefreshSubcode.InvalidMessageLength => "Invalid Message Length",
                _ => null,
            },
            _ => null,
        };
        if (name is not null) return name;
        return subcode == 0 ? "Unspecific" : $"Unknown subcode {subcode}";
    }

    /// <summary>"Cease / Administrative Shutdown" style text.</summary>
    public static string Describe(byte code, byte subcode) => $"{DescribeCode(code)} / {DescribeSubcode(code, subcode)}";
}
