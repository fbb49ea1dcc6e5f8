using AkkaBgp.Hocon;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service.Tests;

/// <summary>reference.conf is the documentation of the schema: it must hold every key the reader knows, and no other.</summary>
public class ReferenceConfTests
{
    private static readonly HoconConfig Reference = HoconConfig.ParseFile(ConfigFiles.Reference).Resolve(_ => null);

    private static string[] Lines => File.ReadAllLines(ConfigFiles.Reference);

    [Theory]
    [InlineData("akka-bgp", "top")]
    [InlineData("akka-bgp.management", "management")]
    [InlineData("akka-bgp.management.tls", "tls")]
    [InlineData("akka-bgp.logging", "logging")]
    [InlineData("akka-bgp.logging.file", "file")]
    [InlineData("akka-bgp.neighbor-defaults", "session")]
    [InlineData("akka-bgp.neighbor-defaults.capabilities", "capabilities")]
    [InlineData("akka-bgp.neighbor-defaults.import", "policy")]
    [InlineData("akka-bgp.neighbor-defaults.export", "policy")]
    [InlineData("akka-bgp.rib", "rib")]
    [InlineData("akka-bgp.neighbor-defaults.bfd", "bfd")]
    public void Every_known_key_has_a_default_in_reference_conf(string path, string schema)
    {
        string[] known = schema switch
        {
            "top" => BgpConfigReader.TopKeys,
            "management" => BgpConfigReader.ManagementKeys,
            "tls" => BgpConfigReader.TlsKeys,
            "logging" => BgpConfigReader.LoggingKeys,
            "file" => BgpConfigReader.LogFileKeys,
            "session" => SessionAttributeReader.Keys,
            "capabilities" => SessionAttributeReader.CapabilityKeys,
            "rib" => BgpConfigReader.RibKeys,
            // authentication has no default (none): it is documented in the comment above bfd.
            "bfd" => SessionAttributeReader.BfdKeys.Where(k => k != "authentication").ToArray(),
            _ => SessionAttributeReader.PolicyKeys,
        };
        var present = Reference.GetValue(path) is HoconObject o ? o.Keys : [];
        Assert.Equal(known.Order(), present.Order());
    }

    [Fact]
    public void Keys_of_list_entries_are_documented_in_the_comments()
    {
        var text = File.ReadAllText(ConfigFiles.Reference);
        foreach (var key in BgpConfigReader.ListenKeys.Concat(BgpConfigReader.DynamicKeys).Concat(BgpConfigReader.RouteKeys)
                     .Concat(SessionAttributeReader.RuleKeys).Concat(SessionAttributeReader.MaxPrefixKeys)
                     .Concat(SessionAttributeReader.BfdKeys).Concat(SessionAttributeReader.BfdAuthenticationKeys).Distinct())
        {
            Assert.Contains(key, text);
        }
    }

    [Fact]
    public void Every_setting_has_a_comment_above_it_or_beside_it()
    {
        var lines = Lines;
        var undocumented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith('}') || line.StartsWith(']') || line.StartsWith('{')) continue;
            if (!line.Contains('=') && !line.EndsWith('{')) continue;
            // Described by the comment block above it (possibly above a run of related settings), or on the line itself.
            var j = i - 1;
            while (j >= 0 && lines[j].Trim().Length > 0 && !lines[j].Trim().StartsWith('#')) j--;
            var commented = line.Contains('#') || j >= 0 && lines[j].Trim().StartsWith('#');
            if (!commented) undocumented.Add($"{i + 1}: {line}");
        }
        Assert.Empty(undocumented);
    }
}
