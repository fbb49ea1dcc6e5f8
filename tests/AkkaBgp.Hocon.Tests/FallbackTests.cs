using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

public class FallbackTests
{
    private static HoconConfig Unresolved(string text, string file) => HoconConfig.ParseString(text, file);

    [Fact]
    public void User_values_win_and_objects_merge_with_defaults()
    {
        var defaults = Unresolved("akka-bgp { local-as = 65000, neighbor-defaults { hold-time = 90s, connect-retry = 120s }, listen = [\"0.0.0.0:179\"] }", "reference.conf");
        var user = Unresolved("akka-bgp { local-as = 65001, neighbor-defaults.hold-time = 30s, listen = [\"127.0.0.1:1179\"] }", "user.conf");
        var c = user.WithFallback(defaults).Resolve(Env(null));
        Assert.Equal(65001, c.GetInt("akka-bgp.local-as"));
        Assert.Equal(TimeSpan.FromSeconds(30), c.GetDuration("akka-bgp.neighbor-defaults.hold-time"));
        Assert.Equal(TimeSpan.FromSeconds(120), c.GetDuration("akka-bgp.neighbor-defaults.connect-retry"));
        Assert.Equal(["127.0.0.1:1179"], c.GetStringList("akka-bgp.listen"));
        Assert.Equal("user.conf", c.GetOrigin("akka-bgp.local-as").File);
        Assert.Equal("reference.conf", c.GetOrigin("akka-bgp.neighbor-defaults.connect-retry").File);
        Assert.Equal("user.conf", c.GetOrigin("akka-bgp").File);
    }

    [Fact]
    public void Substitutions_resolve_against_the_merged_tree()
    {
        var defaults = Unresolved("timers { hold = 90s, keepalive = ${timers.hold} }\nname = ${user-name}", "reference.conf");
        var user = Unresolved("timers.hold = 9s\nuser-name = alice\npath = ${timers.keepalive}", "user.conf");
        var c = user.WithFallback(defaults).Resolve(Env(null));
        Assert.Equal(TimeSpan.FromSeconds(9), c.GetDuration("timers.keepalive"));
        Assert.Equal("alice", c.GetString("name"));
        Assert.Equal("9s", c.GetString("path"));
    }

    [Fact]
    public void Self_reference_in_user_file_sees_the_default()
    {
        var defaults = Unresolved("listen = [\"0.0.0.0:179\"]", "reference.conf");
        var user = Unresolved("listen = ${listen} [\"[::]:179\"]\nextra += x", "user.conf");
        var c = user.WithFallback(defaults).Resolve(Env(null));
        Assert.Equal(["0.0.0.0:179", "[::]:179"], c.GetStringList("listen"));
    }

    [Fact]
    public void Intervening_non_object_hides_earlier_objects()
    {
        var first = Unresolved("a { x = 1 }", "1.conf");
        var second = Unresolved("a = 42", "2.conf");
        var third = Unresolved("a { y = 2 }", "3.conf");
        var hidden = first.WithFallback(second).WithFallback(third).Resolve(Env(null));
        Assert.Equal(["x"], hidden.GetKeys("a"));

        var adjacent = first.WithFallback(third).WithFallback(second).Resolve(Env(null));
        Assert.Equal(["y", "x"], adjacent.GetKeys("a"));
    }

    [Fact]
    public void Null_in_user_file_clears_a_default_object()
    {
        var defaults = Unresolved("routes { a = 1, b = 2 }", "reference.conf");
        var user = Unresolved("routes = null\nroutes { c = 3 }", "user.conf");
        Assert.Equal(["c"], user.WithFallback(defaults).Resolve(Env(null)).GetKeys("routes"));
    }

    [Fact]
    public void Resolved_configs_can_be_merged_too()
    {
        var a = Parse("x { a = 1 }");
        var b = Parse("x { b = 2 }");
        var c = a.WithFallback(b);
        Assert.Equal(["b", "a"], c.GetKeys("x"));
        Assert.Equal(1, HoconConfig.Empty.WithFallback(a).GetInt("x.a"));
        Assert.Equal(1, a.WithFallback(HoconConfig.Empty).GetInt("x.a"));
    }

    [Fact]
    public void Getters_resolve_lazily_with_the_process_environment()
    {
        var c = HoconConfig.ParseString("a = ${b}\nb = 5");
        Assert.False(c.IsResolved);
        Assert.Equal(5, c.GetInt("a"));
        Assert.True(c.IsResolved);
    }
}
