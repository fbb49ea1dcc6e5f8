using AkkaBgp.Wire.Bfd;
using static AkkaBgp.Wire.Tests.Bfd.BfdGoldenPackets;

namespace AkkaBgp.Wire.Tests.Bfd;

/// <summary>The BFD Control packet, RFC 5880 section 4, against packets FRR and BIRD really sent, and the
/// reception checks of section 6.8.6, each with its own counted reason.</summary>
public class BfdCodecTests
{
    private static BfdControlPacket Ok(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(BfdCodec.TryDecode(bytes, out var p, out var why), why.ToString());
        return p;
    }

    private static BfdDiscard Rejects(byte[] bytes)
    {
        Assert.False(BfdCodec.TryDecode(bytes, out _, out var why));
        return why;
    }

    [Fact]
    public void Frr_down_packet_decodes_field_by_field_and_encodes_back_to_the_same_bytes()
    {
        var p = Ok(FrrDown);
        Assert.Equal(1, p.Version);
        Assert.Equal(BfdState.Down, p.State);
        Assert.Equal(BfdDiagnostic.None, p.Diagnostic);
        Assert.False(p.Poll || p.Final || p.ControlPlaneIndependent || p.AuthenticationPresent || p.Demand || p.Multipoint);
        Assert.Equal(3, p.DetectMult);
        Assert.Equal(24, p.Length);
        Assert.Equal(0x5cf9fa6eu, p.MyDiscriminator);
        Assert.Equal(0u, p.YourDiscriminator);
        // RFC 5880 6.8.3: at least one second while the session is not Up, whatever is configured (50 ms here).
        Assert.Equal(1_000_000u, p.DesiredMinTxInterval);
        Assert.Equal(1_000_000u, p.RequiredMinRxInterval);
        Assert.Equal(50_000u, p.RequiredMinEchoRxInterval);
        Assert.Null(p.Auth);
        Assert.Equal(FrrDown, Convert.ToHexString(BfdCodec.ToArray(p)).ToLowerInvariant());
    }

    [Fact]
    public void Every_flag_and_field_round_trips()
    {
        var p = new BfdControlPacket
        {
            Version = 1, Diagnostic = BfdDiagnostic.ReverseConcatenatedPathDown, State = BfdState.Init,
            Poll = true, Final = true, ControlPlaneIndependent = true, Demand = true,
            DetectMult = 255, MyDiscriminator = 0xFFFFFFFF, YourDiscriminator = 0x01020304,
            DesiredMinTxInterval = 50_000, RequiredMinRxInterval = 0xFFFFFFFF, RequiredMinEchoRxInterval = 0,
        };
        byte[] bytes = BfdCodec.ToArray(p);
        Assert.Equal("28BAFF18FFFFFFFF010203040000C350FFFFFFFF00000000", Convert.ToHexString(bytes));
        var back = Ok(Convert.ToHexString(bytes));
        Assert.Equal(p with { Length = 24 }, back);
    }

    [Theory]
    [InlineData(BfdAuthType.SimplePassword, BirdSimplePassword)]
    [InlineData(BfdAuthType.KeyedMd5, BirdKeyedMd5First)]
    [InlineData(BfdAuthType.MeticulousKeyedMd5, BirdMeticulousMd5First)]
    [InlineData(BfdAuthType.KeyedSha1, BirdKeyedSha1)]
    [InlineData(BfdAuthType.MeticulousKeyedSha1, BirdMeticulousSha1)]
    public void Bird_authenticated_packets_verify_with_the_password_and_we_sign_them_identically(BfdAuthType type, string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        var p = Ok(hex);
        Assert.True(p.AuthenticationPresent);
        var auth = Assert.IsType<BfdAuthSection>(p.Auth);
        Assert.Equal((type, KeyId), (auth.Type, auth.KeyId));
        var seq = new BfdReceiveSequence();
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(bytes, p, [Key(type)], ref seq));
        Assert.Equal(type != BfdAuthType.SimplePassword, seq.Known);

        // Our signer, given the same fields and sequence number, produces BIRD's bytes: the digest covers what RFC 5880
        // 6.7.3/6.7.4 says it covers, the key padded with zeros in the digest field.
        byte[] ours = BfdCodec.ToArray(p with { AuthenticationPresent = false, Auth = null, Length = 24 }, Key(type), auth.Sequence);
        Assert.Equal(hex, Convert.ToHexString(ours).ToLowerInvariant());

        // A wrong password, and a flipped bit anywhere in the packet, fail.
        var wrong = new BfdAuthKey(type, KeyId, "akka-bfe"u8.ToArray());
        seq = default;
        Assert.Equal(BfdDiscard.AuthenticationFailed, BfdAuthentication.Verify(bytes, p, [wrong], ref seq));
        if (type != BfdAuthType.SimplePassword)
        {
            byte[] flipped = (byte[])bytes.Clone();
            flipped[13] ^= 0x01; // Desired Min TX
            Assert.True(BfdCodec.TryDecode(flipped, out var fp, out _));
            seq = default;
            Assert.Equal(BfdDiscard.AuthenticationFailed, BfdAuthentication.Verify(flipped, fp, [Key(type)], ref seq));
        }
    }

    [Fact]
    public void Key_id_and_type_must_match_a_configured_key()
    {
        byte[] bytes = Convert.FromHexString(BirdKeyedMd5First);
        var p = Ok(BirdKeyedMd5First);
        var seq = new BfdReceiveSequence();
        Assert.Equal(BfdDiscard.AuthenticationUnknownKey, BfdAuthentication.Verify(bytes, p, [new BfdAuthKey(BfdAuthType.KeyedMd5, 8, Password)], ref seq));
        Assert.Equal(BfdDiscard.AuthenticationMalformed, BfdAuthentication.Verify(bytes, p, [Key(BfdAuthType.KeyedSha1)], ref seq));
        // Key rollover: with two keys configured the one with the packet's Key ID is used.
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(bytes, p, [new BfdAuthKey(BfdAuthType.KeyedMd5, 8, "other"u8.ToArray()), Key(BfdAuthType.KeyedMd5)], ref seq));
    }

    [Fact]
    public void Keyed_md5_accepts_a_repeated_sequence_number_meticulous_does_not()
    {
        // RFC 5880 6.7.3: keyed, bfd.RcvAuthSeq to bfd.RcvAuthSeq+3*DetectMult inclusive; meticulous, from bfd.RcvAuthSeq+1.
        byte[] k1 = Convert.FromHexString(BirdKeyedMd5First), k2 = Convert.FromHexString(BirdKeyedMd5Second);
        var seq = new BfdReceiveSequence();
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(k1, Ok(BirdKeyedMd5First), [Key(BfdAuthType.KeyedMd5)], ref seq));
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(k1, Ok(BirdKeyedMd5First), [Key(BfdAuthType.KeyedMd5)], ref seq));
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(k2, Ok(BirdKeyedMd5Second), [Key(BfdAuthType.KeyedMd5)], ref seq));
        Assert.Equal(0x631381a5u, seq.Last);

        byte[] m1 = Convert.FromHexString(BirdMeticulousMd5First), m2 = Convert.FromHexString(BirdMeticulousMd5Second);
        seq = default;
        var key = Key(BfdAuthType.MeticulousKeyedMd5);
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(m1, Ok(BirdMeticulousMd5First), [key], ref seq));
        Assert.Equal(BfdDiscard.AuthenticationSequence, BfdAuthentication.Verify(m1, Ok(BirdMeticulousMd5First), [key], ref seq));
        Assert.Equal(BfdDiscard.None, BfdAuthentication.Verify(m2, Ok(BirdMeticulousMd5Second), [key], ref seq));
        // A replay of an older packet is outside the window.
        Assert.Equal(BfdDiscard.AuthenticationSequence, BfdAuthentication.Verify(m1, Ok(BirdMeticulousMd5First), [key], ref seq));
    }

    [Fact]
    public void Sequence_window_is_three_detect_mults_wide_and_wraps()
    {
        var key = new BfdAuthKey(BfdAuthType.MeticulousKeyedSha1, 1, "k"u8.ToArray());
        var seq = new BfdReceiveSequence { Known = true, Last = uint.MaxValue - 2 };
        var p = new BfdControlPacket { DetectMult = 3, MyDiscriminator = 9, State = BfdState.Down };
        BfdDiscard At(uint s)
        {
            byte[] b = BfdCodec.ToArray(p, key, s);
            Assert.True(BfdCodec.TryDecode(b, out var d, out _));
            var copy = seq;
            return BfdAuthentication.Verify(b, d, [key], ref copy);
        }
        Assert.Equal(BfdDiscard.None, At(uint.MaxValue - 1));
        Assert.Equal(BfdDiscard.None, At(6)); // wraps: last + 9
        Assert.Equal(BfdDiscard.AuthenticationSequence, At(7));
        Assert.Equal(BfdDiscard.AuthenticationSequence, At(uint.MaxValue - 2));
    }

    public static TheoryData<string, string, BfdDiscard> Malformed => new()
    {
        // RFC 5880 6.8.6, in its order.
        { "version 0", "004003185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.BadVersion },
        { "version 2", "404003185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.BadVersion },
        { "length 23", "204003175cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.LengthTooSmall },
        { "A bit with length 24", "204403185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.LengthTooSmall },
        { "length 28 in 24 octets", "2040031c5cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.LengthExceedsPayload },
        { "detect mult 0", "204000185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.ZeroDetectMult },
        { "M bit", "204103185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.MultipointSet },
        { "my discriminator 0", "2040031800000000000000000000f4240000f42400000c350"[..48], BfdDiscard.ZeroMyDiscriminator },
        { "your 0 in Up", "20c003185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.ZeroYourDiscriminator },
        { "your 0 in Init", "208003185cf9fa6e00000000000f4240000f42400000c350", BfdDiscard.ZeroYourDiscriminator },
        { "auth len beyond length", "2044031a5cf9fa6e00000000000f4240000f42400000c35001050700", BfdDiscard.LengthTooSmall },
        { "truncated", "20400318", BfdDiscard.LengthExceedsPayload },
        { "empty", "", BfdDiscard.LengthTooSmall },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Reception_checks_reject_with_their_reason(string name, string hex, BfdDiscard expected)
    {
        Assert.False(string.IsNullOrEmpty(name));
        Assert.Equal(expected, Rejects(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Your_discriminator_zero_is_fine_in_Down_and_AdminDown()
    {
        Assert.Equal(BfdState.Down, Ok(FrrDown).State);
        Assert.Equal(BfdState.AdminDown, Ok("2e0003185cf9fa6e00000000000f4240000f42400000c350").State);
        Assert.Equal(BfdDiagnostic.ReverseConcatenatedPathDown, Ok("280003185cf9fa6e00000000000f4240000f42400000c350").Diagnostic);
    }

    [Fact]
    public void Octets_after_the_length_field_are_ignored()
    {
        var p = Ok(FrrDown + "deadbeef");
        Assert.Equal(24, p.Length);
    }

    /// <summary>Found by the bfd fuzz target: a Length above 24 with the A bit clear is not among 6.8.6's discard
    /// reasons (only below the minimum or beyond the datagram), so the packet is used; the extra octets are ignored
    /// and what we would send back for it has Length 24.</summary>
    [Fact]
    public void A_length_above_24_without_authentication_is_accepted_and_the_extra_octets_ignored()
    {
        var p = Ok("20c2031fa400000100000007000f4240000f4240000000c2031fa40000010000001b");
        Assert.Equal(31, p.Length);
        Assert.Null(p.Auth);
        Assert.Equal(BfdState.Up, p.State);
        Assert.Equal(24, BfdCodec.ToArray(p).Length);
    }

    [Fact]
    public void Encoder_refuses_what_the_receiver_would_discard()
    {
        Assert.Throws<WireException>(() => BfdCodec.ToArray(new BfdControlPacket { DetectMult = 0, MyDiscriminator = 1 }));
        Assert.Throws<WireException>(() => BfdCodec.ToArray(new BfdControlPacket { DetectMult = 3, MyDiscriminator = 0 }));
        Assert.Throws<WireException>(() => new BfdAuthKey(BfdAuthType.KeyedMd5, 1, new byte[17]));
        Assert.Throws<WireException>(() => new BfdAuthKey(BfdAuthType.SimplePassword, 1, []));
        Assert.Throws<WireException>(() => new BfdAuthKey(BfdAuthType.None, 1, [1]));
    }

    [Fact]
    public void Random_mutations_of_real_packets_never_throw_and_decoded_ones_obey_6_8_6()
    {
        // A small fuzzer: the decoder and the verifier must never throw, and whatever decodes satisfies every
        // packet-level check of 6.8.6.
        string[] seeds = [FrrDown, BirdSimplePassword, BirdKeyedMd5First, BirdMeticulousMd5First, BirdKeyedSha1, BirdMeticulousSha1];
        int seed = 20261204;
        var rng = new Random(seed);
        int decoded = 0, rejected = 0;
        for (int i = 0; i < 100_000; i++)
        {
            byte[] b = Convert.FromHexString(seeds[rng.Next(seeds.Length)]);
            switch (rng.Next(4))
            {
                case 0: b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: b[rng.Next(b.Length)] = (byte)rng.Next(256); break;
                case 2: Array.Resize(ref b, rng.Next(b.Length + 8)); break;
                default: b[rng.Next(4)] = (byte)rng.Next(256); break;
            }
            if (!BfdCodec.TryDecode(b, out var p, out var why))
            {
                Assert.NotEqual(BfdDiscard.None, why);
                rejected++;
                continue;
            }
            decoded++;
            Assert.True(p.Version == 1 && p.DetectMult != 0 && p.MyDiscriminator != 0 && !p.Multipoint && p.Length <= b.Length);
            Assert.True(p.YourDiscriminator != 0 || p.State is BfdState.Down or BfdState.AdminDown);
            if (p.Auth is { } a)
            {
                Assert.Equal(p.Length - 24, a.Length);
                var seq = new BfdReceiveSequence { Known = rng.Next(2) == 0, Last = (uint)rng.Next() };
                BfdAuthentication.Verify(b, p, [Key(a.Type is BfdAuthType.None or > BfdAuthType.MeticulousKeyedSha1 ? BfdAuthType.KeyedMd5 : a.Type)], ref seq);
            }
            // Without the A bit a Length above 24 is accepted: 6.8.6 discards only below the minimum.
            else Assert.True(p.Length >= BfdControlPacket.MandatoryLength);
        }
        Assert.True(decoded > 10_000 && rejected > 10_000, $"seed {seed}: decoded {decoded}, rejected {rejected}");
    }
}
