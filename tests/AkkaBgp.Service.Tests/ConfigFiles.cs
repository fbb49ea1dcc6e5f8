using System.Reflection;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service.Tests;

/// <summary>Writes test configurations to a temporary directory and loads them over the shipped reference.conf.</summary>
public sealed class ConfigFiles : IDisposable
{
    public static readonly string RepositoryRoot = typeof(ConfigFiles).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static readonly string Reference = Path.Combine(RepositoryRoot, "HOCON", "reference.conf");

    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("akka-bgp-cfg-").FullName;

    /// <summary>Where the files are written.</summary>
    public string Directory => _dir;

    public string Write(string text, string name = "test.conf")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>router-id and local-as set, then <paramref name="body"/> inside akka-bgp { }.</summary>
    public static string Minimal(string body) =>
        "akka-bgp {\n  router-id = \"192.0.2.1\"\n  local-as = 65000\n" + body + "\n}\n";

    public ConfigLoadResult Load(string text, Func<string, string?>? environment = null) =>
        ConfigLoader.Load(Write(text), Reference, environment ?? (_ => null));

    public BgpConfig LoadValid(string text)
    {
        var result = Load(text);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        return result.Config!;
    }

    public IReadOnlyList<string> Problems(string text)
    {
        var result = Load(text);
        Assert.False(result.IsValid);
        Assert.Null(result.Config);
        return result.Problems.Select(p => p.ToString()).ToList();
    }

    /// <summary>"file:line:column" of the <paramref name="occurrence"/>-th <paramref name="needle"/> in the last written test.conf.</summary>
    public string At(string text, string needle, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(needle, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"'{needle}' not found in the test config");
        }
        var line = text[..index].Count(c => c == '\n') + 1;
        var column = index - (text.LastIndexOf('\n', Math.Max(0, index - 1)) + 1) + 1;
        if (index > 0 && text[index - 1] == '\n') column = 1;
        return $"{Path.Combine(_dir, "test.conf")}:{line}:{column}";
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
