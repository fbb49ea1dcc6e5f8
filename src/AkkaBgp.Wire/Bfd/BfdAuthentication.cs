using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AkkaBgp.Wire.Bfd;

/// <summary>One authentication key: its type, Auth Key ID and secret (RFC 5880 section 6.7). The secret is 1-16
/// octets for Simple Password and MD5, 1-20 for SHA1 (shorter MD5/SHA1 keys are padded with zeros, 6.7.3/6.7.4).</summary>
public sealed record BfdAuthKey
{
    public BfdAuthKey(BfdAuthType type, byte keyId, byte[] secret)
    {
        if (type == BfdAuthType.None) throw new WireException("an authentication key needs an Auth Type other than 0");
        int max = BfdAuthentication.MaxSecretLength(type);
        if (secret.Length < 1 || secret.Length > max)
            throw new WireException($"a {type} key is 1 to {max} octets (RFC 5880 section 4.{(type == BfdAuthType.SimplePassword ? 2 : type is BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 ? 3 : 4)}); this one has {secret.Length}");
        Type = type;
        KeyId = keyId;
        Secret = secret;
    }

    public BfdAuthType Type { get; }
    public byte KeyId { get; }
    public byte[] Secret { get; }

    /// <summary>Meticulous types increment the sequence number on every packet and accept no repeat (6.7.3).</summary>
    public bool Meticulous => Type is BfdAuthType.MeticulousKeyedMd5 or BfdAuthType.MeticulousKeyedSha1;

    public bool HasSequence => Type != BfdAuthType.SimplePassword;

    public bool Equals(BfdAuthKey? other) =>
        other is not null && other.Type == Type && other.KeyId == KeyId && other.Secret.AsSpan().SequenceEqual(Secret);

    public override int GetHashCode() => HashCode.Combine(Type, KeyId, Secret.Length);

    // The secret stays out of logs and the management API.
    public override string ToString() => $"{Type} key {KeyId}";
}

/// <summary>bfd.AuthSeqKnown and bfd.RcvAuthSeq (RFC 5880 section 6.8.1), kept per session.</summary>
public struct BfdReceiveSequence
{
    public bool Known;
    public uint Last;
}

/// <summary>
/// The Authentication Section, RFC 5880 sections 4.2-4.4 and 6.7: building it onto an encoded packet and checking
/// a received one against the session's key. Pure functions; MD5 and SHA1 through the framework's one-shot hashes.
/// </summary>
public static class BfdAuthentication
{
    public const int Md5SectionLength = 24;
    public const int Sha1SectionLength = 28;

    public static int MaxSecretLength(BfdAuthType type) => type switch
    {
        BfdAuthType.SimplePassword or BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 => 16,
        BfdAuthType.KeyedSha1 or BfdAuthType.MeticulousKeyedSha1 => 20,
        _ => 0,
    };

    private static int SectionLength(BfdAuthKey key) => key.Type switch
    {
        BfdAuthType.SimplePassword => 3 + key.Secret.Length,
        BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 => Md5SectionLength,
        _ => Sha1SectionLength,
    };

    /// <summary>
    /// Appends the Authentication Section to the 24-octet packet at the start of <paramref name="packet"/>, sets the
    /// A bit and the Length, and returns the new length.
    /// <list type="bullet">
    /// <item>Simple Password (6.7.2): "Auth Type field set to 1, Auth Len set to the length of the password plus 3, Auth Key ID set to the key in use, and the Password field set to the password."</item>
    /// <item>Keyed/Meticulous Keyed MD5 (6.7.3): Auth Len 24, Sequence Number <paramref name="sequence"/>, "The Auth Key/Digest field MUST be set to the value of the authentication key ... padded with zeros to 16 bytes"; the MD5 digest of the whole packet then replaces it.</item>
    /// <item>Keyed/Meticulous Keyed SHA1 (6.7.4): the same with Auth Len 28 and a 20-octet key field.</item>
    /// </list>
    /// </summary>
    public static int Sign(Span<byte> packet, BfdAuthKey key, uint sequence)
    {
        int length = BfdControlPacket.MandatoryLength + SectionLength(key);
        var a = packet[BfdControlPacket.MandatoryLength..length];
        a.Clear();
        a[0] = (byte)key.Type;
        a[1] = (byte)a.Length;
        a[2] = key.KeyId;
        packet[1] |= 0x04;
        packet[3] = (byte)length;
        if (key.Type == BfdAuthType.SimplePassword)
        {
            key.Secret.CopyTo(a[3..]);
            return length;
        }
        BinaryPrimitives.WriteUInt32BigEndian(a[4..], sequence);
        var digest = a[8..];
        key.Secret.CopyTo(digest);
        Span<byte> hash = stackalloc byte[20];
        int n = key.Type is BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5
            ? MD5.HashData(packet[..length], hash)
            : SHA1.HashData(packet[..length], hash);
        hash[..n].CopyTo(digest);
        return length;
    }

    /// <summary>
    /// Checks the Authentication Section of a received packet (6.7; the A bit against bfd.AuthType is checked before,
    /// see <see cref="BfdCodec"/>). <paramref name="packet"/> is the packet as received, up to its Length field;
    /// <paramref name="keys"/> the session's keys (more than one during a key rollover). On success for the MD5/SHA1
    /// types <paramref name="sequence"/> becomes Known with the packet's Sequence Number: "bfd.AuthSeqKnown set to 1,
    /// bfd.RcvAuthSeq set to the value of the received Sequence Number field".
    /// </summary>
    public static BfdDiscard Verify(ReadOnlySpan<byte> packet, in BfdControlPacket decoded, IReadOnlyList<BfdAuthKey> keys, ref BfdReceiveSequence sequence)
    {
        if (decoded.Auth is not { } section) return BfdDiscard.AuthenticationMissing;
        BfdAuthKey? key = null;
        bool typeKnown = false;
        foreach (var k in keys)
        {
            if (k.Type != section.Type) continue;
            typeKnown = true;
            if (k.KeyId == section.KeyId) { key = k; break; }
        }
        // "If the Auth Type field does not match the value of bfd.AuthType, the packet MUST be discarded."
        if (!typeKnown) return BfdDiscard.AuthenticationMalformed;
        // "If the Auth Key ID field does not match the ID of a configured authentication key, the received packet MUST be discarded."
        if (key is null) return BfdDiscard.AuthenticationUnknownKey;
        var a = packet[BfdControlPacket.MandatoryLength..decoded.Length];

        if (key.Type == BfdAuthType.SimplePassword)
        {
            // 6.7.2: "If the Auth Len field is not equal to the length of the password plus three, the packet MUST be
            // discarded." Then the password must match.
            if (section.Length != key.Secret.Length + 3) return BfdDiscard.AuthenticationFailed;
            return CryptographicOperations.FixedTimeEquals(a[3..], key.Secret) ? BfdDiscard.None : BfdDiscard.AuthenticationFailed;
        }

        // 6.7.3/6.7.4: "If the Auth Len field is not equal to 24 [28], the packet MUST be discarded."
        if (section.Length != SectionLength(key)) return BfdDiscard.AuthenticationMalformed;
        if (sequence.Known)
        {
            // Keyed: "if the sequence number lies outside of the range of bfd.RcvAuthSeq to bfd.RcvAuthSeq+(3*Detect
            // Mult) inclusive (when treated as an unsigned 32 bit circular number space), the received packet MUST be
            // discarded." Meticulous: the range starts at bfd.RcvAuthSeq+1.
            uint ahead = unchecked(section.Sequence - sequence.Last);
            uint low = key.Meticulous ? 1u : 0u;
            if (ahead < low || ahead > 3u * decoded.DetectMult) return BfdDiscard.AuthenticationSequence;
        }
        // "Otherwise, replace the contents of the Auth Key/Digest field with the authentication key ... padded with
        // zeros" and compare the digest computed over the packet with the one received.
        int digestLength = key.Type is BfdAuthType.KeyedMd5 or BfdAuthType.MeticulousKeyedMd5 ? 16 : 20;
        Span<byte> copy = stackalloc byte[BfdCodec.MaxLength];
        var p = copy[..decoded.Length];
        packet[..decoded.Length].CopyTo(p);
        var field = p.Slice(BfdControlPacket.MandatoryLength + 8, digestLength);
        field.Clear();
        key.Secret.CopyTo(field);
        Span<byte> hash = stackalloc byte[20];
        int n = digestLength == 16 ? MD5.HashData(p, hash) : SHA1.HashData(p, hash);
        if (!CryptographicOperations.FixedTimeEquals(hash[..n], a.Slice(8, digestLength))) return BfdDiscard.AuthenticationFailed;
        sequence.Known = true;
        sequence.Last = section.Sequence;
        return BfdDiscard.None;
    }
}
