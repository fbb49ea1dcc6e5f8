using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

public class SyntaxTests
{
    [Fact]
    public void Comments_of_both_kinds_are_ignored()
    {
        var c = Parse("""
            # hash comment
            a = 1 // slash comment
            b = "x // not a comment # either"
            // last
            """);
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal("x // not a comment # either", c.GetString("b"));
        Assert.Equal(["a", "b"], c.GetKeys());
    }

    [Fact]
    public void Separators_equals_colon_and_object_shorthand()
    {
        var c = Parse("a = 1\nb : 2\nc { d = 3 }\ne: { f: 4 }");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal(2, c.GetInt("b"));
        Assert.Equal(3, c.GetInt("c.d"));
        Assert.Equal(4, c.GetInt("e.f"));
    }

    [Fact]
    public void Root_braces_are_optional_and_json_parses()
    {
        var json = Parse("""{ "a": {"b": [1, 2.5, "x", true, null]}, "c": false }""");
        var items = json.GetList("a.b");
        Assert.Equal([HoconType.Number, HoconType.Number, HoconType.String, HoconType.Boolean, HoconType.Null], items.Select(i => i.Type));
        Assert.False(json.GetBoolean("c"));
        Assert.Equal(Parse("a { b = [1, 2.5, x, true, null] }, c = false").ToString(), json.ToString());
    }

    [Fact]
    public void Commas_newlines_and_trailing_commas_separate_fields_and_elements()
    {
        var c = Parse("a = 1, b = 2,\nc = [1, 2,]\nd = [\n 3\n 4\n]\ne { x = 1, }");
        Assert.Equal(["a", "b", "c", "d", "e"], c.GetKeys());
        Assert.Equal(["1", "2"], c.GetStringList("c"));
        Assert.Equal(["3", "4"], c.GetStringList("d"));
        Assert.Equal(1, c.GetInt("e.x"));
    }

    [Fact]
    public void Empty_document_and_empty_objects()
    {
        Assert.Empty(Parse("").GetKeys());
        Assert.Empty(Parse("  # only a comment\n").GetKeys());
        Assert.Empty(Parse("{}").GetKeys());
        Assert.Empty(Parse("a {}").GetKeys("a"));
    }

    [Fact]
    public void Quoted_strings_decode_json_escapes()
    {
        var c = Parse("""a = "q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC" """);
        Assert.Equal("q\" b\\ s/ \b\f\n\r\t é €", c.GetString("a"));
    }

    [Fact]
    public void Triple_quoted_strings_span_lines_without_escapes()
    {
        var c = Parse("a = \"\"\"line1\n  \\n \"quoted\" line2\"\"\"\nb = \"\"\"x\"\"\"\"\"");
        Assert.Equal("line1\n  \\n \"quoted\" line2", c.GetString("a"));
        Assert.Equal("x\"\"", c.GetString("b"));
    }

    [Fact]
    public void Unquoted_values_are_typed_only_when_alone()
    {
        var c = Parse("n = 42\nf = -1.5e3\nt = true\nz = null\ns = hello\nip = 10.0.0.1\nv = 1 2\nw = true false");
        Assert.Equal(HoconType.Number, c.GetValue("n").Type);
        Assert.Equal(-1500.0, c.GetDouble("f"));
        Assert.Equal(HoconType.Boolean, c.GetValue("t").Type);
        Assert.True(c.IsNull("z"));
        Assert.False(c.HasPath("z"));
        Assert.Equal("hello", c.GetString("s"));
        Assert.Equal(HoconType.String, c.GetValue("ip").Type);
        Assert.Equal("10.0.0.1", c.GetString("ip"));
        Assert.Equal("1 2", c.GetString("v"));
        Assert.Equal("true false", c.GetString("w"));
    }

    [Fact]
    public void String_concatenation_keeps_inner_whitespace_and_trims_the_ends()
    {
        var c = Parse("a =   foo   bar\t\"baz \"qux   \nb = include");
        Assert.Equal("foo   bar\tbaz qux", c.GetString("a"));
        Assert.Equal("include", c.GetString("b"));
    }

    [Fact]
    public void Path_expressions_expand_and_quoted_keys_keep_dots()
    {
        var c = Parse("""
            a.b.c = 1
            a.b.d = 2
            peers."10.0.0.1".hold-time = 90s
            "x.y" = 3
            foo include : 4
            "include" = 5
            """);
        Assert.Equal(1, c.GetInt("a.b.c"));
        Assert.Equal(["c", "d"], c.GetKeys("a.b"));
        Assert.Equal(["10.0.0.1"], c.GetKeys("peers"));
        Assert.Equal(TimeSpan.FromSeconds(90), c.GetDuration("peers.\"10.0.0.1\".hold-time"));
        Assert.Equal(TimeSpan.FromSeconds(90), c.GetDuration($"peers.{HoconConfig.QuoteKey("10.0.0.1")}.hold-time"));
        Assert.Equal(3, c.GetInt("\"x.y\""));
        Assert.Equal(4, c.GetInt("\"foo include\""));
        Assert.Equal(5, c.GetInt("\"include\""));
    }

    [Fact]
    public void Duplicate_keys_merge_objects_and_override_other_values()
    {
        var c = Parse("""
            a { x = 1, y = 2 }
            a { y = 3, z = 4 }
            b = 1
            b = 2
            c { x = 1 }
            c = 5
            d { x = 1 }
            d = null
            d { y = 2 }
            """);
        Assert.Equal(["x", "y", "z"], c.GetKeys("a"));
        Assert.Equal(3, c.GetInt("a.y"));
        Assert.Equal(2, c.GetInt("b"));
        Assert.Equal(5, c.GetInt("c"));
        Assert.Equal(["y"], c.GetKeys("d"));
    }

    [Fact]
    public void Object_and_array_concatenation()
    {
        var c = Parse("o = { a = 1 } { b = 2 } { a = 3 }\nl = [1, 2] [3] []");
        Assert.Equal(["a", "b"], c.GetKeys("o"));
        Assert.Equal(3, c.GetInt("o.a"));
        Assert.Equal(["1", "2", "3"], c.GetStringList("l"));
    }

    [Fact]
    public void Plus_equals_appends_and_creates()
    {
        var c = Parse("a = [1]\na += 2\na += [3]\nb += x\nnested { l += 1, l += 2 }");
        var a = c.GetList("a");
        Assert.Equal(3, a.Count);
        Assert.IsType<HoconArray>(a[2]);
        Assert.Equal(["x"], c.GetStringList("b"));
        Assert.Equal(["1", "2"], c.GetStringList("nested.l"));
    }

    [Fact]
    public void Keys_keep_source_order()
    {
        var c = Parse("z = 1\na = 2\nm { q = 1, b = 2 }\nz = 3");
        Assert.Equal(["z", "a", "m"], c.GetKeys());
        Assert.Equal(["q", "b"], c.GetKeys("m"));
        Assert.Equal(["z", "a", "m.q", "m.b"], c.GetLeafPaths());
    }

    [Fact]
    public void Origins_give_file_line_and_column_of_each_value()
    {
        var c = Parse("a = 1\nb {\n    hold-time = 2s\n}\nl = [\n  { x = 1 }\n]");
        Assert.Equal(new HoconOrigin(FileName, 1, 5), c.GetOrigin("a"));
        Assert.Equal(new HoconOrigin(FileName, 3, 17), c.GetOrigin("b.hold-time"));
        Assert.Equal(new HoconOrigin(FileName, 2, 3), c.GetOrigin("b"));
        var element = c.GetConfigList("l")[0];
        Assert.Equal(new HoconOrigin(FileName, 6, 3), element.Origin);
        Assert.Equal("l[0].x (t.conf:6:9)", element.Describe("x"));
    }

    [Fact]
    public void Crlf_line_endings_and_bom_are_accepted()
    {
        var c = Parse("\uFEFFa = 1\r\nb = two words\r\n");
        Assert.Equal(1, c.GetInt("a"));
        Assert.Equal("two words", c.GetString("b"));
    }
}
