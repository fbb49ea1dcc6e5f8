using AkkaBgp.Wire.Bfd;

namespace AkkaBgp.Service.Tests;

/// <summary>akka-bgp.neighbors[].bfd and neighbor-defaults.bfd: read onto NeighborSettings.Bfd, checked with file:line:col.</summary>
public sealed class BfdConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Neighbor(string settings) =>
        ConfigFiles.Minimal($$"""
              neighbors = [
                { address = "192.0.2.2", remote-as = 65001, {{settings}} }
              ]
            """);

    [Fact]
    public void Off_unless_enabled()
    {
        Assert.Null(_files.LoadValid(Neighbor("hold-time = 90s")).Neighbors[0].Bfd);
        Assert.Null(_files.LoadValid(Neighbor("bfd { min-tx = 50ms }")).Neighbors[0].Bfd);
    }

    [Fact]
    public void Every_setting_is_read()
    {
        var bfd = _files.LoadValid(Neighbor("""
            bfd { enabled = true, min-tx = 50ms, min-rx = 100ms, multiplier = 5, multihop = true, minimum-ttl = 64, strict = on,
                  authentication { type = meticulous-keyed-sha1, key-id = 7, password = "s3cret" } }
            """)).Neighbors[0].Bfd!;
        Assert.Equal((TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), (byte)5, true, (byte)64),
            (bfd.MinTx, bfd.MinRx, bfd.Multiplier, bfd.Multihop, bfd.MinimumTtl));
        Assert.True(bfd.Strict);
        Assert.False(_files.LoadValid(Neighbor("bfd { enabled = true }")).Neighbors[0].Bfd!.Strict);
        var key = Assert.Single(bfd.Keys);
        Assert.Equal((BfdAuthType.MeticulousKeyedSha1, (byte)7), (key.Type, key.KeyId));
        Assert.Equal("s3cret"u8.ToArray(), key.Secret);
    }

    [Fact]
    public void Neighbor_defaults_turn_it_on_and_a_neighbor_can_turn_it_off()
    {
        var text = ConfigFiles.Minimal("""
              neighbor-defaults { bfd { enabled = true, min-tx = 50ms, min-rx = 50ms } }
              neighbors = [
                { address = "192.0.2.2", remote-as = 65001 }
                { address = "192.0.2.3", remote-as = 65001, bfd { enabled = false } }
                { address = "192.0.2.4", remote-as = 65001, bfd { multiplier = 4 } }
              ]
            """);
        var n = _files.LoadValid(text).Neighbors;
        Assert.Equal(TimeSpan.FromMilliseconds(50), n[0].Bfd!.MinTx);
        Assert.Null(n[1].Bfd);
        Assert.Equal((byte)4, n[2].Bfd!.Multiplier);
        Assert.Equal(TimeSpan.FromMilliseconds(50), n[2].Bfd!.MinRx);
    }

    [Fact]
    public void Problems_name_the_place_and_suggest_the_key()
    {
        var text = Neighbor("""
            bfd { enabled = true, min-tx = 5ms, multipler = 3, minimum-ttl = 0,
                  authentication { type = keyed-sha256, passwort = "x" } }
            """);
        Assert.Equal(
        [
            $"akka-bgp.neighbors[0].bfd.authentication.password ({_files.At(text, "{ type")}): required (the shared secret)",
            $"akka-bgp.neighbors[0].bfd.authentication.passwort ({_files.At(text, "\"x\"")}): unknown key, did you mean password?",
            $"akka-bgp.neighbors[0].bfd.authentication.type ({_files.At(text, "keyed-sha256")}): \"keyed-sha256\" is not one of simple-password, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1",
            $"akka-bgp.neighbors[0].bfd.min-tx ({_files.At(text, "5ms")}): 5ms is out of range (10ms to 60s)",
            $"akka-bgp.neighbors[0].bfd.minimum-ttl ({_files.At(text, "0,")}): 0 is out of range (1..255)",
            $"akka-bgp.neighbors[0].bfd.multipler ({_files.At(text, "3,")}): unknown key, did you mean multiplier?",
        ], _files.Problems(text).Order().ToArray());
    }

    [Fact]
    public void Strict_must_be_a_boolean()
    {
        var text = Neighbor("bfd { enabled = true, strict = sometimes }");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.neighbors[0].bfd.strict ({_files.At(text, "sometimes")}): ", problem);
        Assert.Contains("a boolean (true/false, yes/no, on/off)", problem);
    }

    [Fact]
    public void A_password_longer_than_the_type_allows_is_refused()
    {
        var text = Neighbor("""bfd { enabled = true, authentication { type = keyed-md5, password = "12345678901234567" } }""");
        Assert.Equal(
            [$"akka-bgp.neighbors[0].bfd.authentication.password ({_files.At(text, "\"1234")}): is 17 octets; a keyed-md5 key holds 1 to 16 (RFC 5880 section 4)"],
            _files.Problems(text));
    }
}
