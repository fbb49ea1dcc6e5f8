using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

public class GetterTests
{
    [Theory]
    [InlineData("90s", 90_000_000_000L)]
    [InlineData("90 seconds", 90_000_000_000L)]
    [InlineData("500ms", 500_000_000L)]
    [InlineData("500 milliseconds", 500_000_000L)]
    [InlineData("2m", 120_000_000_000L)]
    [InlineData("2 minutes", 120_000_000_000L)]
    [InlineData("1h", 3_600_000_000_000L)]
    [InlineData("1d", 86_400_000_000_000L)]
    [InlineData("3 days", 259_200_000_000_000L)]
    [InlineData("250us", 250_000L)]
    [InlineData("7 microseconds", 7_000L)]
    [InlineData("1500ns", 1_500L)]
    [InlineData("1.5s", 1_500_000_000L)]
    [InlineData("1500", 1_500_000_000L)]
    [InlineData("\"  10 s  \"", 10_000_000_000L)]
    [InlineData("0", 0L)]
    public void Durations_accept_spec_units(string text, long nanoseconds)
    {
        var c = Parse("d = " + text);
        Assert.Equal(TimeSpan.FromTicks(nanoseconds / 100), c.GetDuration("d"));
    }

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("10B", 10L)]
    [InlineData("3 bytes", 3L)]
    [InlineData("1K", 1024L)]
    [InlineData("1k", 1024L)]
    [InlineData("1Ki", 1024L)]
    [InlineData("2KiB", 2048L)]
    [InlineData("1kB", 1000L)]
    [InlineData("1 kilobyte", 1000L)]
    [InlineData("1 kibibytes", 1024L)]
    [InlineData("1MB", 1_000_000L)]
    [InlineData("1M", 1_048_576L)]
    [InlineData("1m", 1_048_576L)]
    [InlineData("1 MiB", 1_048_576L)]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("1G", 1_073_741_824L)]
    [InlineData("1TiB", 1_099_511_627_776L)]
    [InlineData("1.5K", 1536L)]
    public void Sizes_accept_spec_units(string text, long bytes)
    {
        Assert.Equal(bytes, Parse("s = " + text).GetBytes("s"));
    }

    [Fact]
    public void Numbers_and_booleans_convert_from_strings()
    {
        var c = Parse("""
            a = "65001"
            b = 4294967295
            c = 2.5
            d = yes
            e = off
            f = "true"
            g = 10
            """);
        Assert.Equal(65001, c.GetInt("a"));
        Assert.Equal(4294967295L, c.GetLong("b"));
        Assert.Equal(2.5, c.GetDouble("c"));
        Assert.True(c.GetBoolean("d"));
        Assert.False(c.GetBoolean("e"));
        Assert.True(c.GetBoolean("f"));
        Assert.Equal("10", c.GetString("g"));
        Assert.Equal("true", Parse("t = true").GetString("t"));
        Assert.Equal(10.0, c.GetDouble("g"));
        Assert.Equal(3, Parse("x = 3.0").GetInt("x"));
    }

    [Fact]
    public void Defaults_apply_only_when_missing_or_null()
    {
        var c = Parse("a = 1\nn = null");
        Assert.Equal(1, c.GetInt("a", 7));
        Assert.Equal(7, c.GetInt("b", 7));
        Assert.Equal(7, c.GetInt("n", 7));
        Assert.Equal("x", c.GetString("b", "x"));
        Assert.True(c.GetBoolean("b", true));
        Assert.Equal(TimeSpan.FromSeconds(3), c.GetDuration("b", TimeSpan.FromSeconds(3)));
        Assert.Equal(9L, c.GetLong("b", 9L));
    }

    [Fact]
    public void Lists_of_objects_carry_their_index_in_messages()
    {
        var c = Parse("""
            akka-bgp {
              neighbors = [
                { address = 10.0.0.1 }
                { address = 10.0.0.2 }
                {
                  address = 10.0.0.3
                  hold-time = 2s
                }
              ]
            }
            """);
        var neighbors = c.GetConfigList("akka-bgp.neighbors");
        Assert.Equal(3, neighbors.Count);
        Assert.Equal("akka-bgp.neighbors[2]", neighbors[2].BasePath);
        Assert.Equal("akka-bgp.neighbors[2].hold-time", neighbors[2].FullPath("hold-time"));
        Assert.Equal("akka-bgp.neighbors[2].hold-time (t.conf:7:19)", neighbors[2].Describe("hold-time"));
        Assert.Equal("2s", neighbors[2].Render("hold-time"));
        var sub = c.GetConfig("akka-bgp");
        Assert.Equal("akka-bgp.neighbors", sub.FullPath("neighbors"));
        var e = Assert.Throws<HoconException>(() => neighbors[2].GetInt("hold-time"));
        e.At(7, 19);
        Assert.Equal("t.conf:7:19: akka-bgp.neighbors[2].hold-time: expected a number, found string \"2s\"", e.Message);
    }

    [Fact]
    public void Numerically_keyed_objects_read_as_lists()
    {
        var c = Parse("l.1 = b\nl.0 = a\nl.10 = c");
        Assert.Equal(["a", "b", "c"], c.GetStringList("l"));
    }

    [Fact]
    public void Keys_and_leaf_paths_for_unknown_key_checks()
    {
        var c = Parse("akka-bgp { router-id = 1.2.3.4, management { port = 8558, token = null }, peers { \"10.0.0.1\" { x = 1 } }, empty {} }");
        Assert.Equal(["router-id", "management", "peers", "empty"], c.GetKeys("akka-bgp"));
        Assert.Equal(["router-id", "management.port", "management.token", "peers.\"10.0.0.1\".x", "empty"], c.GetLeafPaths("akka-bgp"));
        Assert.True(c.GetConfig("akka-bgp").HasPath("peers.\"10.0.0.1\".x"));
    }

    [Fact]
    public void Values_render_back_as_hocon()
    {
        var c = Parse("""o { s = "two words", n = 1.50, b = true, z = null, l = [a, "b:c", 3], e = "", "k.k" = x, q = "5" }""");
        Assert.Equal("{ s = \"two words\", n = 1.50, b = true, z = null, l = [a, \"b:c\", 3], e = \"\", \"k.k\" = x, q = \"5\" }", c.Render("o"));
        Assert.Equal("[a, \"b:c\", 3]", c.GetValue("o.l").ToString());
        var round = Parse("r = " + c.Render("o"));
        Assert.Equal(c.Render("o"), round.Render("r"));
    }

    [Fact]
    public void Getter_paths_accept_quoted_segments_and_reject_bad_paths()
    {
        var c = Parse("a { \"b.c\" = 1 }");
        Assert.Equal(1, c.GetInt("a.\"b.c\""));
        Assert.False(c.HasPath("a.b"));
        var e = Assert.Throws<HoconException>(() => c.GetInt("a..b"));
        Assert.Contains("empty element", e.Message);
    }
}
