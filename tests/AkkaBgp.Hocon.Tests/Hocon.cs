using AkkaBgp.Hocon;

namespace AkkaBgp.Hocon.Tests;

/// <summary>Parses test text under a fixed file name with a controlled environment.</summary>
internal static class Hocon
{
    public const string FileName = "t.conf";

    public static HoconConfig Parse(string text, Dictionary<string, string>? env = null) =>
        HoconConfig.ParseString(text, FileName).Resolve(Env(env));

    public static Func<string, string?> Env(Dictionary<string, string>? env) =>
        name => env != null && env.TryGetValue(name, out var v) ? v : null;

    public static HoconException Fails(string text, Dictionary<string, string>? env = null) =>
        Assert.Throws<HoconException>(() => Parse(text, env));

    public static void At(this HoconException e, int line, int column, string file = FileName)
    {
        Assert.Equal(file, e.File);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"{file}:{line}:{column}: ", e.Message);
    }
}
