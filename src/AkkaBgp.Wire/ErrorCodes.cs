namespace AkkaBgp.Wire;

/// <summary>NOTIFICATION error codes, RFC 4271 section 4.5 plus RFC 6608 (FSM) and RFC 9687 (Send Hold Timer).</summary>
public static class ErrorCode
{
    public const byte MessageHeader = 1;
    public const byte OpenMessage = 2;
    public const byte UpdateMessage = 3;
    public const byte HoldTimerExpired = 4;
    public const byte FiniteStateMachine = 5;
    public const byte Cease = 6;
    public const byte RouteRefreshMessage = 7; // RFC 7313 section 5
    public const byte SendHoldTimerExpired = 8; // RFC 9687
}

/// <summary>Message Header Error subcodes, RFC 4271 section 6.1.</summary>
public static class HeaderSubcode
{
    public const byte ConnectionNotSynchronized = 1;
    public const byte BadMessageLength = 2;
    public const byte BadMessageType = 3;
}

/// <summary>OPEN Message Error subcodes, RFC 4271 section 6.2, RFC 5492 (7), RFC 9234 (11).</summary>
public static class OpenSubcode
{
    public const byte UnsupportedVersionNumber = 1;
    public const byte BadPeerAs = 2;
    public const byte BadBgpIdentifier = 3;
    public const byte UnsupportedOptionalParameter = 4;
    // 5 deprecated (Authentication Failure)
    public const byte UnacceptableHoldTime = 6;
    public const byte UnsupportedCapability = 7;
    public const byte RoleMismatch = 11;
}

/// <summary>UPDATE Message Error subcodes, RFC 4271 section 6.3.</summary>
public static class UpdateSubcode
{
    public const byte MalformedAttributeList = 1;
    public const byte UnrecognizedWellKnownAttribute = 2;
    public const byte MissingWellKnownAttribute = 3;
    public const byte AttributeFlagsError = 4;
    public const byte AttributeLengthError = 5;
    public const byte InvalidOriginAttribute = 6;
    // 7 deprecated (AS Routing Loop)
    public const byte InvalidNextHopAttribute = 8;
    public const byte OptionalAttributeError = 9;
    public const byte InvalidNetworkField = 10;
    public const byte MalformedAsPath = 11;
}

/// <summary>FSM Error subcodes, RFC 6608 section 3.</summary>
public static class FsmSubcode
{
    public const byte Unspecified = 0;
    public const byte UnexpectedMessageInOpenSent = 1;
    public const byte UnexpectedMessageInOpenConfirm = 2;
    public const byte UnexpectedMessageInEstablished = 3;
}

/// <summary>Cease subcodes, RFC 4486 section 4, RFC 8538 (Hard Reset), RFC 9384 (BFD Down).</summary>
public static class CeaseSubcode
{
    public const byte MaximumPrefixesReached = 1;
    public const byte AdministrativeShutdown = 2;
    public const byte PeerDeconfigured = 3;
    public const byte AdministrativeReset = 4;
    public const byte ConnectionRejected = 5;
    public const byte OtherConfigurationChange = 6;
    public const byte ConnectionCollisionResolution = 7;
    public const byte OutOfResources = 8;
    public const byte HardReset = 9;
    public const byte BfdDown = 10;
}

/// <summary>ROUTE-REFRESH Message Error subcodes, RFC 7313 section 5.</summary>
public static class RouteRefreshSubcode
{
    public const byte InvalidMessageLength = 1;
}
