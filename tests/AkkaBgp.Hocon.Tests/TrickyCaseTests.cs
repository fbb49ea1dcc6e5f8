using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

/// <summary>Corner cases from the spec that are easy to get wrong.</summary>
public class TrickyCaseTests
{
    [Fact]
    public void Optional_self_reference_with_nothing_before_is_not_created()
    {
        var c = Parse("a = ${?a}\nb = 1");
        Assert.Equal(["b"], c.GetKeys());
    }

    [Fact]
    public void Self_reference_below_the_field_reads_the_previous_value()
    {
        var c = Parse("foo { a = 1 }\nfoo = ${foo.a}");
        Assert.Equal(1, c.GetInt("foo"));
    }

    [Fact]
    public void Self_reference_through_path_expression_keys()
    {
        var c = Parse("a.b = 1\na.b = ${a.b}2\na.c = ${a.b}");
        Assert.Equal("12", c.GetString("a.b"));
        Assert.Equal("12", c.GetString("a.c"));
    }

    [Fact]
    public void Undefined_optional_parts_vanish_from_array_and_object_concatenation()
    {
        var c = Parse("l = [1] ${?nope} [2]\no = { a = 1 } ${?nope}");
        Assert.Equal(["1", "2"], c.GetStringList("l"));
        Assert.Equal(["a"], c.GetKeys("o"));
    }

    [Fact]
    public void Substituted_object_merges_with_earlier_object_definition()
    {
        var c = Parse("extra { y = 2 }\nfoo { x = 1 }\nfoo = ${extra}");
        Assert.Equal(["x", "y"], c.GetKeys("foo"));
    }

    [Fact]
    public void Substituted_non_object_hides_earlier_object()
    {
        var c = Parse("foo { x = 1 }\nfoo = ${n}\nfoo { y = 2 }\nn = 5");
        Assert.Equal(["y"], c.GetKeys("foo"));
    }

    [Fact]
    public void Substitution_of_an_object_resolves_its_own_substitutions()
    {
        var c = Parse("base { port = ${default-port}, addr = \"[::1]:\"${base.port} }\ndefault-port = 179\ncopy = ${base}");
        Assert.Equal("[::1]:179", c.GetString("copy.addr"));
        Assert.Equal(179, c.GetInt("copy.port"));
    }

    [Fact]
    public void Numeric_looking_keys_split_on_dots()
    {
        var c = Parse("1.5 = x\n\"1.5\" = y");
        Assert.Equal("x", c.GetString("1.5"));
        Assert.Equal("y", c.GetString("\"1.5\""));
    }

    [Fact]
    public void Unquoted_text_may_contain_single_slashes_and_dashes()
    {
        var c = Parse("p = /var/lib/bgp-state\nq = a/b//comment");
        Assert.Equal("/var/lib/bgp-state", c.GetString("p"));
        Assert.Equal("a/b", c.GetString("q"));
    }

    [Fact]
    public void Newline_ends_a_value_but_commas_are_optional()
    {
        var c = Parse("a = 1\n\n\nb = two\n  three = 3");
        Assert.Equal("two", c.GetString("b"));
        Assert.Equal(3, c.GetInt("three"));
    }

    [Fact]
    public void Environment_override_of_a_list_through_numeric_keys()
    {
        var c = Parse("listen.0 = ${?LISTEN_0}\nlisten.1 = ${?LISTEN_1}", new() { ["LISTEN_0"] = "127.0.0.1:1179", ["LISTEN_1"] = "[::1]:1179" });
        Assert.Equal(["127.0.0.1:1179", "[::1]:1179"], c.GetStringList("listen"));
    }
}

public class RealisticConfigTests
{
    [Fact]
    public void Bgp_style_config_with_defaults_per_neighbor()
    {
        var defaults = HoconConfig.ParseString("""
            akka-bgp {
              router-id = 127.0.0.1
              local-as = 65000
              listen = ["127.0.0.1:1179"]
              management { host = 127.0.0.1, port = 8558, token = null }
              neighbor-defaults {
                hold-time = 90s
                connect-retry = 120s
                passive = false
              }
              neighbors = []
            }
            """, "reference.conf");
        var user = HoconConfig.ParseString("""
            akka-bgp {
              local-as = ${?BGP_AS}
              neighbor-defaults.hold-time = 30s
              neighbors = [
                ${akka-bgp.neighbor-defaults} { address = 127.0.0.2, remote-as = 65001 }
                ${akka-bgp.neighbor-defaults} {
                  address = 127.0.0.3
                  remote-as = 65002
                  hold-time = 2s
                }
              ]
              neighbors += ${akka-bgp.neighbor-defaults} { address = "::1", remote-as = 65003, passive = on }
            }
            """, "conf/x.conf");
        var c = user.WithFallback(defaults).Resolve(Hocon.Env(new() { ["BGP_AS"] = "64512" }));

        Assert.Equal(64512, c.GetInt("akka-bgp.local-as"));
        Assert.False(c.HasPath("akka-bgp.management.token"));
        var n = c.GetConfigList("akka-bgp.neighbors");
        Assert.Equal(3, n.Count);
        Assert.Equal(TimeSpan.FromSeconds(30), n[0].GetDuration("hold-time"));
        Assert.Equal(TimeSpan.FromSeconds(120), n[0].GetDuration("connect-retry"));
        Assert.Equal(["hold-time", "connect-retry", "passive", "address", "remote-as"], n[1].GetKeys());
        Assert.Equal(TimeSpan.FromSeconds(2), n[1].GetDuration("hold-time"));
        Assert.Equal("akka-bgp.neighbors[1].hold-time (conf/x.conf:9:19)", n[1].Describe("hold-time"));
        Assert.Equal("akka-bgp.neighbors[0] (conf/x.conf:5:5)", n[0].Describe(""));
        Assert.True(n[2].GetBoolean("passive"));
        Assert.Equal("::1", n[2].GetString("address"));
    }

    [Fact]
    public void Long_values_are_abbreviated_in_messages()
    {
        var c = Hocon.Parse("x { " + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"k{i} = {i}")) + " }");
        var e = Assert.Throws<HoconException>(() => c.GetString("x"));
        Assert.EndsWith("...", e.Reason);
        Assert.True(e.Reason.Length < 140);
    }
}

public class EnclosingSelfReferenceTests
{
    [Fact]
    public void Object_inside_a_self_referential_value_reads_the_earlier_value()
    {
        var c = Hocon.Parse("a { b = 1 }\na = ${a} { c = ${a.b} }");
        Assert.Equal(1, c.GetInt("a.c"));
        Assert.Equal(["b", "c"], c.GetKeys("a"));
    }

    [Fact]
    public void Object_inside_an_array_value_reads_the_earlier_value_of_the_field()
    {
        var c = Hocon.Parse("l = [{ n = 1 }]\nl = ${l} [{ n = ${l} }]");
        var items = c.GetList("l");
        Assert.Equal(2, items.Count);
        Assert.Equal("[{ n = 1 }]", ((HoconObject)items[1])["n"].Render());
    }
}
