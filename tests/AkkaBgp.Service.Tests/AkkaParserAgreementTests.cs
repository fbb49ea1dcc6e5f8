using System.Text.RegularExpressions;
using AkkaBgp.Hocon;
using AkkaBgp.Service.Configuration;
using AkkaConfig = Akka.Configuration.ConfigurationFactory;
using AkkaValue = Akka.Configuration.Hocon.HoconValue;

namespace AkkaBgp.Service.Tests;

/// <summary>
/// Our reader reads the whole file, and Akka.NET gets the <c>akka</c> section as HOCON text rendered from our resolved
/// tree. Every shipped configuration must mean the same to both parsers: read raw by Akka.NET's own parser where it
/// can read the file at all, and always through our rendering. Measured limits of Akka.NET 1.5.75's parser (README
/// "Configuration: one file, two parsers"): <c>${?VAR}</c> parses but never reads the environment, keeps no earlier
/// value, and makes rendering or reading an array that holds it loop forever; so such files are compared only
/// through our rendering.
/// </summary>
public sealed class AkkaParserAgreementTests
{
    private static string Repo(params string[] parts) => Path.Combine([ConfigFiles.RepositoryRoot, .. parts]);

    /// <summary>Every .conf we ship, and the configuration of the README's walkthrough.</summary>
    public static TheoryData<string> ShippedFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Repo("HOCON"), "*.conf").Concat(Directory.GetFiles(Repo("deploy"), "*.conf", SearchOption.AllDirectories)).Order())
            data.Add(Path.GetRelativePath(ConfigFiles.RepositoryRoot, f));
        data.Add("README.md#walkthrough");
        return data;
    }

    private static string Text(string name)
    {
        if (name != "README.md#walkthrough") return File.ReadAllText(Repo(name));
        // Step 1 of the walkthrough: the heredoc written to /tmp/walk/akka-bgp.conf, indented as a code block.
        var readme = File.ReadAllText(Repo("README.md"));
        var m = Regex.Match(readme, @"cat > /tmp/walk/akka-bgp\.conf <<'CONF'\n(?<body>.*?)\n\s*CONF\n", RegexOptions.Singleline);
        Assert.True(m.Success, "the walkthrough's configuration was not found in README.md");
        return string.Join('\n', m.Groups["body"].Value.Split('\n').Select(l => l.Length >= 7 ? l[7..] : l.TrimStart()));
    }

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public async Task Akkas_parser_reads_the_same_values_as_ours(string name)
    {
        var text = Text(name);
        // No environment: what the file says by itself.
        var ours = Leaves(HoconConfig.ParseString(text, name, Path.GetDirectoryName(Repo(name))).Resolve(_ => null).Root);
        Assert.NotEmpty(ours);

        if (text.Contains("${?"))
        {
            // The construct Akka.NET's parser cannot take (measured: it hangs on these files); our rendering must do.
            Assert.Matches(@"\$\{\?[A-Za-z0-9_.-]+\}", text);
        }
        else
        {
            AssertSame(ours, await AkkaLeavesAsync(text));
        }
        // What the service actually hands Akka.NET: the resolved tree rendered by our reader.
        var rendered = AkkaHocon.Render(HoconConfig.ParseString(text, name, Path.GetDirectoryName(Repo(name))).Resolve(_ => null).Root);
        AssertSame(ours, await AkkaLeavesAsync(rendered));
    }

    [Fact]
    public async Task Strings_that_look_like_other_things_and_empty_lists_survive_the_rendering()
    {
        var text = "a { empty = [], list = [1, \"two\", [3]], objects = [{ x = 1 }, {}], s = \"q\\\"uote\\\\ \\n x\", n = null, t = \"true\", d = 10s, \"k.dot\" = 1 }";
        var ours = Leaves(HoconConfig.ParseString(text).Resolve(_ => null).Root);
        AssertSame(ours, await AkkaLeavesAsync(AkkaHocon.Render(HoconConfig.ParseString(text).Resolve(_ => null).Root)));
        Assert.Equal("q\"uote\\ \n x", ours["a.s"]);
    }

    [Fact]
    public async Task The_akka_section_the_service_renders_reads_back_in_Akka_with_the_same_values()
    {
        using var files = new ConfigFiles();
        var config = files.LoadValid(File.ReadAllText(Repo("HOCON", "akka-bgp.conf")));
        var section = config.Akka.ToHocon();
        var ours = Leaves(HoconConfig.ParseString(section).Resolve(_ => null).Root);
        AssertSame(ours, await AkkaLeavesAsync(section));
        Assert.Equal("10s", ours["akka.actor.ask-timeout"]);
        Assert.Equal("127.0.0.1", ours["akka.remote.dot-netty.tcp.hostname"]);
    }

    /// <summary>Equal leaf maps, or a message that lists each path where they differ.</summary>
    private static void AssertSame(SortedDictionary<string, string> ours, SortedDictionary<string, string> akka)
    {
        var differences = ours.Keys.Union(akka.Keys).Order(StringComparer.Ordinal)
            .Where(k => ours.GetValueOrDefault(k) != akka.GetValueOrDefault(k))
            .Select(k => $"{k}: ours {ours.GetValueOrDefault(k) ?? "(absent)"}, Akka.NET's {akka.GetValueOrDefault(k) ?? "(absent)"}")
            .ToArray();
        Assert.True(differences.Length == 0, string.Join("\n", differences));
    }

    /// <summary>Akka.NET's parser on a thread of its own, so a file it loops on fails the test instead of hanging the run.</summary>
    private static Task<SortedDictionary<string, string>> AkkaLeavesAsync(string text) =>
        Task.Run(() => Leaves(AkkaConfig.ParseString(text).Root)).WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>Path (a.b[2].c) to value text; null is "null"; empty objects and arrays have no leaves.</summary>
    internal static SortedDictionary<string, string> Leaves(HoconValue root)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path, HoconValue v)
        {
            switch (v)
            {
                case HoconObject o:
                    foreach (var k in o.Keys) Walk(path.Length == 0 ? k : path + "." + k, o[k]);
                    break;
                case HoconArray a:
                    for (var i = 0; i < a.Count; i++) Walk($"{path}[{i}]", a[i]);
                    break;
                case HoconScalar s:
                    leaves[path] = s.Type == HoconType.Null ? "null" : s.Text;
                    break;
            }
        }
        Walk("", root);
        return leaves;
    }

    internal static SortedDictionary<string, string> Leaves(AkkaValue root)
    {
        var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path, AkkaValue v)
        {
            if (v.IsObject())
                foreach (var (k, child) in v.GetObject().Items) Walk(path.Length == 0 ? k : path + "." + k, child);
            else if (v.IsArray())
            {
                var items = v.GetArray();
                for (var i = 0; i < items.Count; i++) Walk($"{path}[{i}]", items[i]);
            }
            // IsArray() is false for an empty array ([] parses to one empty HoconArray element): no leaves, as on our side.
            else if (v.Values.Count > 0 && v.Values.All(e => e is Akka.Configuration.Hocon.HoconArray)) { }
            else leaves[path] = v.GetString() ?? "null";
        }
        Walk("", root);
        return leaves;
    }
}
