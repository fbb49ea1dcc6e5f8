using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

public class SubstitutionTests
{
    [Fact]
    public void Substitution_keeps_type_and_looks_forward()
    {
        var c = Parse("a = ${b}\nb = 42\no = ${defaults}\ndefaults { hold = 90s }");
        Assert.Equal(HoconType.Number, c.GetValue("a").Type);
        Assert.Equal(42, c.GetInt("a"));
        Assert.Equal(TimeSpan.FromSeconds(90), c.GetDuration("o.hold"));
    }

    [Fact]
    public void Substitution_sees_the_last_assigned_value()
    {
        var c = Parse("bar { foo = 42, baz = ${bar.foo} }\nbar { foo = 43 }");
        Assert.Equal(43, c.GetInt("bar.baz"));
    }

    [Fact]
    public void Object_may_refer_to_its_own_members()
    {
        var c = Parse("bar : { foo : 42,\n baz : ${bar.foo} }");
        Assert.Equal(42, c.GetInt("bar.baz"));
    }

    [Fact]
    public void Concatenation_with_substitutions_builds_strings()
    {
        var c = Parse("""
            animal.favorite = dog
            a = ${animal.favorite} is my favorite animal
            b = ${animal.favorite}" is quoted"
            n = 1
            c = port ${n}
            """);
        Assert.Equal("dog is my favorite animal", c.GetString("a"));
        Assert.Equal("dog is quoted", c.GetString("b"));
        Assert.Equal("port 1", c.GetString("c"));
    }

    [Fact]
    public void Concatenation_with_substitutions_joins_arrays_and_merges_objects()
    {
        var c = Parse("""
            base = [1, 2]
            more = ${base} [3] ${base}
            defaults { a = 1, b = 2 }
            peer = ${defaults} { b = 3 }
            """);
        Assert.Equal(["1", "2", "3", "1", "2"], c.GetStringList("more"));
        Assert.Equal(1, c.GetInt("peer.a"));
        Assert.Equal(3, c.GetInt("peer.b"));
    }

    [Fact]
    public void Self_referential_substitution_extends_the_previous_value()
    {
        var c = Parse("""
            path = "/bin"
            path = ${path}":/usr/bin"
            list = [a]
            list = ${list} [b]
            obj { x = 1 }
            obj = ${obj} { y = 2 }
            n { v = 1 }
            n { v = ${n.v}0 }
            """);
        Assert.Equal("/bin:/usr/bin", c.GetString("path"));
        Assert.Equal(["a", "b"], c.GetStringList("list"));
        Assert.Equal(["x", "y"], c.GetKeys("obj"));
        Assert.Equal("10", c.GetString("n.v"));
    }

    [Fact]
    public void Self_reference_without_previous_value_falls_back_to_environment()
    {
        var c = Parse("PATH = ${PATH}\":/opt/bgp\"", new() { ["PATH"] = "/usr/bin" });
        Assert.Equal("/usr/bin:/opt/bgp", c.GetString("PATH"));
    }

    [Fact]
    public void Optional_substitution_that_is_missing_creates_no_field_and_keeps_earlier_value()
    {
        var c = Parse("a = ${?nope}\nb = 1\nb = ${?nope}\nc = [${?nope}, 2]\nd = x${?nope}y");
        Assert.False(c.HasPath("a"));
        Assert.Equal(["b", "c", "d"], c.GetKeys());
        Assert.Equal(1, c.GetInt("b"));
        Assert.Equal(["2"], c.GetStringList("c"));
        Assert.Equal("xy", c.GetString("d"));
    }

    [Fact]
    public void Missing_paths_fall_back_to_environment_variables()
    {
        var env = new Dictionary<string, string> { ["BGP_ROUTER_ID"] = "192.0.2.1", ["HOME"] = "/home/u", ["EMPTY"] = "" };
        var c = Parse("""
            router-id = 10.0.0.1
            router-id = ${?BGP_ROUTER_ID}
            local-as = 65000
            local-as = ${?BGP_LOCAL_AS}
            home = ${HOME}/bgp
            empty = ${?EMPTY}
            """, env);
        Assert.Equal("192.0.2.1", c.GetString("router-id"));
        Assert.Equal(65000, c.GetInt("local-as"));
        Assert.Equal("/home/u/bgp", c.GetString("home"));
        Assert.False(c.HasPath("empty"));
        Assert.Equal("environment variable BGP_ROUTER_ID", c.GetOrigin("router-id").ToString());
    }

    [Fact]
    public void Value_set_to_null_blocks_the_environment_lookup()
    {
        var c = Parse("HOME = null\nh = ${HOME}", new() { ["HOME"] = "/home/u" });
        Assert.True(c.IsNull("h"));
    }

    [Fact]
    public void Null_substitution_concatenates_as_empty_string()
    {
        var c = Parse("n = null\ns = a${n}b");
        Assert.Equal("ab", c.GetString("s"));
    }

    [Fact]
    public void Plus_equals_onto_environment_is_not_attempted_for_missing_field()
    {
        var c = Parse("list += 1", new() { ["list"] = "oops" });
        Assert.Equal(["1"], c.GetStringList("list"));
    }

    [Fact]
    public void Substitutions_inside_arrays_of_objects_resolve()
    {
        var c = Parse("""
            defaults { hold-time = 90s }
            neighbors = [
              ${defaults} { address = 10.0.0.1 }
              { address = 10.0.0.2, hold-time = ${defaults.hold-time} }
            ]
            """);
        var n = c.GetConfigList("neighbors");
        Assert.Equal(TimeSpan.FromSeconds(90), n[0].GetDuration("hold-time"));
        Assert.Equal("10.0.0.1", n[0].GetString("address"));
        Assert.Equal(TimeSpan.FromSeconds(90), n[1].GetDuration("hold-time"));
    }

    [Fact]
    public void Quoted_path_in_substitution()
    {
        var c = Parse("peers { \"10.0.0.1\" { as = 65001 } }\nx = ${peers.\"10.0.0.1\".as}");
        Assert.Equal(65001, c.GetInt("x"));
    }
}
