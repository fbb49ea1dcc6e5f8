using AkkaBgp.Hocon;
using static AkkaBgp.Hocon.Tests.Hocon;

namespace AkkaBgp.Hocon.Tests;

/// <summary>Every error names file, line and column and what was expected.</summary>
public class ErrorTests
{
    [Theory]
    [InlineData("a {\n  hold-time }", 2, 13, "expected '=' or ':' or '{' after key 'hold-time', found '}'")]
    [InlineData("a = 1 2 ]", 1, 9, "expected ',' or newline or end of input after the value of 'a', found ']'")]
    [InlineData("a { b = 1", 1, 10, "expected '}' to close the object opened at t.conf:1:3, found end of input")]
    [InlineData("a = [1, 2", 1, 10, "expected ']' to close the array opened at t.conf:1:5, found end of input")]
    [InlineData("a = ", 1, 5, "expected a value after 'a =', found end of input")]
    [InlineData("a = }", 1, 5, "expected a value after 'a =', found '}'")]
    [InlineData("= 1", 1, 1, "expected a key, found '='")]
    [InlineData("a = 1,,\nb = 2", 1, 7, "expected a key or end of input, found ','")]
    [InlineData("a = [1,,2]", 1, 8, "expected a value or ']' in array, found ','")]
    [InlineData("a = [1 : 2]", 1, 8, "expected ',' or newline or ']' in array, found ':'")]
    [InlineData("url = http://x", 1, 11, "expected ',' or newline or end of input after the value of 'url', found ':' (quote strings containing ':')")]
    [InlineData("a = \"abc\nb = 1", 1, 5, "unterminated quoted string")]
    [InlineData("a = \"\"\"abc", 1, 5, "unterminated triple-quoted string")]
    [InlineData("a = \"x\\qy\"", 1, 7, "invalid escape '\\q'")]
    [InlineData("a = \"\\u12\"", 1, 6, "invalid \\u escape")]
    [InlineData("a = b + c", 1, 7, "unexpected '+'")]
    [InlineData("a = x*y", 1, 6, "unexpected character '*'")]
    [InlineData("a = $x", 1, 5, "unexpected '$'")]
    [InlineData("a = ${b", 1, 5, "unterminated substitution")]
    [InlineData("a = ${}", 1, 5, "expected a path in substitution, found nothing")]
    [InlineData("a = ${b.}", 1, 7, "ends with '.'")]
    [InlineData("a = ${[x]}", 1, 7, "expected a path or '}' in substitution, found '['")]
    [InlineData("a..b = 1", 1, 1, "empty element in path 'a..b' in key")]
    [InlineData("${x} = 1", 1, 1, "expected a key, found '${x}' (substitutions are not allowed in keys)")]
    [InlineData("[1, 2]", 1, 1, "expected an object at the root")]
    [InlineData("{ a = 1 } b = 2", 1, 11, "expected end of input after the root object, found 'b'")]
    [InlineData("a = { x = 1 } foo", 1, 15, "cannot concatenate an object with string \"foo\"")]
    [InlineData("a = [1] { x = 1 }", 1, 9, "cannot concatenate an array with an object")]
    [InlineData("a\n= 1", 1, 2, "expected '=' or ':' or '{' after key 'a', found newline")]
    public void Syntax_errors(string text, int line, int column, string expected)
    {
        var e = Fails(text);
        e.At(line, column);
        Assert.Contains(expected, e.Reason);
    }

    [Theory]
    [InlineData("a = ${missing}", 1, 5, "could not resolve substitution ${missing}: no value at that path and no environment variable missing")]
    [InlineData("a = ${b}\nb = ${c}\nc = ${a}", 1, 5, "cycle in substitutions: a -> b -> c -> a")]
    [InlineData("a { b = ${a} }", 1, 9, "cycle in substitutions: a.b -> a.b")]
    [InlineData("a = ${a}", 1, 5, "could not resolve substitution ${a}")]
    [InlineData("x = [1]\ny = { z = 1 }\na = ${x} ${y}", 3, 10, "cannot concatenate array [1] with object { z = 1 }")]
    [InlineData("x = [1]\na = ${x} foo", 2, 10, "cannot concatenate array [1] with string \"foo\"")]
    public void Resolve_errors(string text, int line, int column, string expected)
    {
        var e = Fails(text);
        e.At(line, column);
        Assert.Contains(expected, e.Reason);
    }

    [Theory]
    [InlineData("local-as = abc", "GetInt", 1, 12, "local-as: expected a number, found string \"abc\"")]
    [InlineData("local-as = 4294967296", "GetInt", 1, 12, "local-as: expected a whole number in the 32-bit range, found number 4294967296")]
    [InlineData("local-as = 1.5", "GetLong", 1, 12, "local-as: expected a whole number in the 64-bit range, found number 1.5")]
    [InlineData("local-as = [1]", "GetString", 1, 12, "local-as: expected a string, found array [1]")]
    [InlineData("local-as = null", "GetString", 1, 12, "local-as: expected a string, found null")]
    [InlineData("local-as = maybe", "GetBoolean", 1, 12, "local-as: expected a boolean (true/false, yes/no, on/off), found string \"maybe\"")]
    [InlineData("local-as = 5 parsecs", "GetDuration", 1, 12, "'parsecs' is not one")]
    [InlineData("local-as = 5S", "GetDuration", 1, 12, "local-as: expected a duration with a unit of ns, us, ms, s, m, h or d (lowercase)")]
    [InlineData("local-as = fast", "GetDuration", 1, 12, "local-as: expected a duration with a unit")]
    [InlineData("local-as = x1s", "GetDuration", 1, 12, "local-as: expected a duration (a number with an optional unit such as 90s, 500ms, 2m)")]
    [InlineData("local-as = 5 XB", "GetBytes", 1, 12, "local-as: expected a size with a unit of B")]
    [InlineData("local-as = 0.5B", "GetBytes", 1, 12, "local-as: expected a whole number of bytes")]
    [InlineData("local-as = 1", "GetConfig", 1, 12, "local-as: expected an object, found number 1")]
    [InlineData("local-as = 1", "GetList", 1, 12, "local-as: expected an array, found number 1")]
    public void Type_errors_name_the_value_origin(string text, string getter, int line, int column, string expected)
    {
        var c = Parse(text);
        var e = Assert.Throws<HoconException>(() =>
        {
            switch (getter)
            {
                case "GetInt": c.GetInt("local-as"); break;
                case "GetLong": c.GetLong("local-as"); break;
                case "GetString": c.GetString("local-as"); break;
                case "GetBoolean": c.GetBoolean("local-as"); break;
                case "GetDuration": c.GetDuration("local-as"); break;
                case "GetBytes": c.GetBytes("local-as"); break;
                case "GetConfig": c.GetConfig("local-as"); break;
                case "GetList": c.GetList("local-as"); break;
            }
        });
        e.At(line, column);
        Assert.Contains(expected, e.Reason);
    }

    [Fact]
    public void Missing_path_names_the_enclosing_object()
    {
        var c = Parse("akka-bgp {\n  x = 1\n}");
        var e = Assert.Throws<HoconException>(() => c.GetInt("akka-bgp.local-as"));
        e.At(1, 10);
        Assert.Equal("akka-bgp.local-as: missing (no value at this path)", e.Reason);

        e = Assert.Throws<HoconException>(() => c.GetInt("akka-bgp.x.y"));
        e.At(2, 7);
        Assert.Equal("akka-bgp.x.y: akka-bgp.x is number 1, not an object", e.Reason);
    }

    [Fact]
    public void List_element_type_errors_name_the_element()
    {
        var c = Parse("l = [a, {x = 1}]\nm = [{x = 1}, 2]");
        var e = Assert.Throws<HoconException>(() => c.GetStringList("l"));
        e.At(1, 9);
        Assert.Equal("l[1]: expected a string, found object { x = 1 }", e.Reason);
        e = Assert.Throws<HoconException>(() => c.GetConfigList("m"));
        e.At(2, 15);
        Assert.Equal("m[1]: expected an object, found number 2", e.Reason);
    }

    [Fact]
    public void Parse_file_reports_unreadable_file()
    {
        var e = Assert.Throws<HoconException>(() => HoconConfig.ParseFile("/nonexistent/dir/x.conf"));
        Assert.Equal("/nonexistent/dir/x.conf", e.File);
        Assert.Contains("cannot read", e.Reason);
    }
}
