namespace AkkaBgp.Wire.Bfd;

/// <summary>Session states, RFC 5880 section 4.1 (the Sta field).</summary>
public enum BfdState : byte
{
    AdminDown = 0,
    Down = 1,
    Init = 2,
    Up = 3,
}

/// <summary>Diagnostic codes, RFC 5880 section 4.1 (the Diag field): why the session last left Up, or why it is not Up.</summary>
public enum BfdDiagnostic : byte
{
    None = 0,
    ControlDetectionTimeExpired = 1,
    EchoFunctionFailed = 2,
    NeighborSignaledSessionDown = 3,
    ForwardingPlaneReset = 4,
    PathDown = 5,
    ConcatenatedPathDown = 6,
    AdministrativelyDown = 7,
    ReverseConcatenatedPathDown = 8,
    /// <summary>RFC 6428 section 3.5 (MPLS-TP); decoded, never sent by us.</summary>
    MisConnectivityDefect = 9,
}

/// <summary>Authentication types, RFC 5880 section 4.1 (Auth Type).</summary>
public enum BfdAuthType : byte
{
    None = 0,
    SimplePassword = 1,
    KeyedMd5 = 2,
    MeticulousKeyedMd5 = 3,
    KeyedSha1 = 4,
    MeticulousKeyedSha1 = 5,
}

/// <summary>
/// The Authentication Section as received or to be sent (RFC 5880 sections 4.2-4.4). For the MD5/SHA1 forms
/// <see cref="Sequence"/> is the Sequence Number; for Simple Password it is 0 and the password is not kept here
/// (it is checked against the key in <see cref="BfdAuthentication.Verify"/>).
/// </summary>
public readonly record struct BfdAuthSection(BfdAuthType Type, byte Length, byte KeyId, uint Sequence);

/// <summary>
/// A BFD Control packet, RFC 5880 section 4.1 (the mandatory section) plus the header of its Authentication
/// Section. Intervals are in microseconds, as on the wire.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
/// |                       My Discriminator                        |
/// |                      Your Discriminator                       |
/// |                    Desired Min TX Interval                    |
/// |                   Required Min RX Interval                    |
/// |                 Required Min Echo RX Interval                 |
/// </code>
/// </summary>
public readonly record struct BfdControlPacket
{
    /// <summary>RFC 5880 section 4.1: "This document defines protocol version 1."</summary>
    public const byte ProtocolVersion = 1;
    /// <summary>The mandatory section: 24 octets.</summary>
    public const int MandatoryLength = 24;

    public byte Version { get; init; }
    public BfdDiagnostic Diagnostic { get; init; }
    public BfdState State { get; init; }
    /// <summary>P: the sender asks for verification of connectivity or of a parameter change (Poll Sequence, 6.5).</summary>
    public bool Poll { get; init; }
    /// <summary>F: the answer to a Poll.</summary>
    public bool Final { get; init; }
    /// <summary>C: the sender's BFD does not share fate with its control plane.</summary>
    public bool ControlPlaneIndependent { get; init; }
    /// <summary>A: an Authentication Section follows.</summary>
    public bool AuthenticationPresent { get; init; }
    /// <summary>D: the sender wishes to run Demand mode (6.6).</summary>
    public bool Demand { get; init; }
    /// <summary>M: reserved for point-to-multipoint; must be zero.</summary>
    public bool Multipoint { get; init; }
    public byte DetectMult { get; init; }
    /// <summary>The Length field: mandatory section plus authentication section, in octets.</summary>
    public byte Length { get; init; }
    public uint MyDiscriminator { get; init; }
    public uint YourDiscriminator { get; init; }
    public uint DesiredMinTxInterval { get; init; }
    public uint RequiredMinRxInterval { get; init; }
    public uint RequiredMinEchoRxInterval { get; init; }
    /// <summary>Present exactly when <see cref="AuthenticationPresent"/>.</summary>
    public BfdAuthSection? Auth { get; init; }

    public override string ToString() =>
        $"v{Version} {State} diag {(byte)Diagnostic} ({Diagnostic}){(Poll ? " P" : "")}{(Final ? " F" : "")}{(Demand ? " D" : "")}" +
        $"{(ControlPlaneIndependent ? " C" : "")} mult {DetectMult} my {MyDiscriminator} your {YourDiscriminator} " +
        $"tx {DesiredMinTxInterval}us rx {RequiredMinRxInterval}us echo {RequiredMinEchoRxInterval}us" +
        (Auth is { } a ? $" auth {a.Type} key {a.KeyId} seq {a.Sequence}" : "");
}

/// <summary>Why a received datagram was not used. Every reason is counted (per session once the packet could be
/// demultiplexed, per socket before), so an operator can see what a misbehaving peer sends.</summary>
public enum BfdDiscard
{
    None = 0,
    /// <summary>6.8.6: "If the version number is not correct (1), the packet MUST be discarded."</summary>
    BadVersion,
    /// <summary>6.8.6: Length less than 24, or than 26 with the A bit set.</summary>
    LengthTooSmall,
    /// <summary>6.8.6: "If the Length field is greater than the payload of the encapsulating protocol".</summary>
    LengthExceedsPayload,
    /// <summary>6.8.6: "If the Detect Mult field is zero".</summary>
    ZeroDetectMult,
    /// <summary>6.8.6: "If the Multipoint (M) bit is nonzero".</summary>
    MultipointSet,
    /// <summary>6.8.6: "If the My Discriminator field is zero".</summary>
    ZeroMyDiscriminator,
    /// <summary>6.8.6: "If the Your Discriminator field is zero and the State field is not Down or AdminDown".</summary>
    ZeroYourDiscriminator,
    /// <summary>6.8.6: Your Discriminator nonzero and no session has it, or zero and no session for the addresses.</summary>
    NoSession,
    /// <summary>6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is zero)".</summary>
    AuthenticationUnexpected,
    /// <summary>6.8.6: "If the A bit is clear and authentication is in use (bfd.AuthType is nonzero)".</summary>
    AuthenticationMissing,
    /// <summary>6.7: the Auth Type differs from the session's, or the section's length is wrong for it.</summary>
    AuthenticationMalformed,
    /// <summary>6.7: no key with the Auth Key ID.</summary>
    AuthenticationUnknownKey,
    /// <summary>6.7.2-6.7.4: wrong password, digest or hash.</summary>
    AuthenticationFailed,
    /// <summary>6.7.3/6.7.4: the Sequence Number is outside the accepted window (replay).</summary>
    AuthenticationSequence,
    /// <summary>RFC 5881 section 5 (single hop: TTL/Hop Limit not 255), RFC 5883 section 5 (multihop: below the configured minimum).</summary>
    BadTtl,
    /// <summary>6.8.6: "If bfd.SessionState is AdminDown: Discard the packet".</summary>
    SessionAdminDown,
}
