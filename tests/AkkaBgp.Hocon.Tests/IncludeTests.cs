using AkkaBgp.Hocon;

namespace AkkaBgp.Hocon.Tests;

public sealed class IncludeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hocon-include-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static HoconConfig Load(string path) => HoconConfig.ParseFile(path).Resolve(_ => null);

    [Fact]
    public void Include_forms_are_relative_to_the_including_file()
    {
        Write("conf/a.conf", "a = 1");
        Write("conf/sub/b.conf", "b = 2\ninclude \"c.conf\"");
        Write("conf/sub/c.conf", "c = 3");
        Write("conf/d.conf", "d = 4");
        var main = Write("conf/main.conf", """
            include "a.conf"
            include file("sub/b.conf")
            include required(file("d.conf"))
            include required( "a.conf" )
            """);
        var c = Load(main);
        Assert.Equal(["a", "b", "c", "d"], c.GetKeys());
        Assert.Equal(3, c.GetInt("c"));
    }

    [Fact]
    public void Missing_include_is_ignored_unless_required()
    {
        var main = Write("main.conf", "include \"nope.conf\"\nx = 1");
        Assert.Equal(1, Load(main).GetInt("x"));

        var strict = Write("strict.conf", "x = 1\n  include required(\"nope.conf\")");
        var e = Assert.Throws<HoconException>(() => Load(strict));
        e.At(2, 3, strict);
        Assert.Contains("required include \"nope.conf\" not found", e.Message);
    }

    [Fact]
    public void Include_without_extension_finds_conf_file()
    {
        Write("defaults.conf", "x = 1");
        Assert.Equal(1, Load(Write("main.conf", "include \"defaults\"")).GetInt("x"));
    }

    [Fact]
    public void Included_keys_merge_with_earlier_and_later_definitions()
    {
        Write("peer.conf", "neighbor { hold-time = 90s, passive = false }\nlist += b");
        var main = Write("main.conf", """
            neighbor { address = 10.0.0.1, hold-time = 30s }
            list = [a]
            include "peer.conf"
            neighbor { passive = true }
            """);
        var c = Load(main);
        Assert.Equal(["address", "hold-time", "passive"], c.GetKeys("neighbor"));
        Assert.Equal(TimeSpan.FromSeconds(90), c.GetDuration("neighbor.hold-time"));
        Assert.True(c.GetBoolean("neighbor.passive"));
        Assert.Equal(["a", "b"], c.GetStringList("list"));
    }

    [Fact]
    public void Substitutions_in_a_nested_include_are_rerooted_at_the_include_point()
    {
        Write("foo.conf", "x = 10\ny = ${x}\nz = ${top}");
        var main = Write("main.conf", "top = T\na { include \"foo.conf\" }\na { x = 42 }");
        var c = Load(main);
        Assert.Equal(42, c.GetInt("a.y"));
        Assert.Equal("T", c.GetString("a.z"));
    }

    [Fact]
    public void Origins_of_included_values_name_the_included_file()
    {
        var inc = Write("inc.conf", "\n  hold-time = 2s");
        var c = Load(Write("main.conf", "include \"inc.conf\""));
        Assert.Equal(new HoconOrigin(inc, 2, 15), c.GetOrigin("hold-time"));
    }

    [Fact]
    public void Errors_inside_included_files_name_that_file()
    {
        var inc = Write("bad.conf", "a {\n  hold-time }");
        var main = Write("main.conf", "include \"bad.conf\"");
        var e = Assert.Throws<HoconException>(() => Load(main));
        e.At(2, 13, inc);
        Assert.Contains("expected '=' or ':' or '{' after key 'hold-time', found '}'", e.Message);
    }

    [Fact]
    public void Include_cycles_are_errors()
    {
        Write("a.conf", "include \"b.conf\"");
        var b = Write("b.conf", "x = 1\ninclude \"a.conf\"");
        var e = Assert.Throws<HoconException>(() => Load(Path.Combine(_dir, "a.conf")));
        e.At(2, 1, b);
        Assert.Contains("include cycle", e.Message);
    }

    [Fact]
    public void Included_file_must_be_an_object()
    {
        var inc = Write("arr.conf", "[1, 2]");
        var e = Assert.Throws<HoconException>(() => Load(Write("main.conf", "include \"arr.conf\"")));
        e.At(1, 1, inc);
    }

    [Fact]
    public void Malformed_include_statements_are_errors()
    {
        var e = Assert.Throws<HoconException>(() => HoconConfig.ParseString("include foo", "t.conf"));
        e.At(1, 9, "t.conf");
        e = Assert.Throws<HoconException>(() => HoconConfig.ParseString("include file(\"x\"", "t.conf"));
        Assert.Contains("expected ')'", e.Message);
        e.At(1, 17, "t.conf");
        e = Assert.Throws<HoconException>(() => HoconConfig.ParseString("include url(\"http://x\")", "t.conf"));
        Assert.Contains("not supported", e.Message);
        e = Assert.Throws<HoconException>(() => HoconConfig.ParseString("include = 5", "t.conf"));
        e.At(1, 9, "t.conf");
    }

    [Fact]
    public void Parse_string_resolves_includes_against_the_given_directory()
    {
        Write("x.conf", "x = 1");
        var c = HoconConfig.ParseString("include \"x.conf\"", "inline", _dir).Resolve();
        Assert.Equal(1, c.GetInt("x"));
    }
}
