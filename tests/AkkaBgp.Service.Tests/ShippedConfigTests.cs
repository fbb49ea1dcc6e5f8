using System.Net;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Service.Tests;

public class ShippedConfigTests
{
    private static string Repo(params string[] parts) => Path.Combine([ConfigFiles.RepositoryRoot, .. parts]);

    [Fact]
    public void Default_configuration_binds_loopback_on_unprivileged_ports()
    {
        var result = ConfigLoader.Load(Repo("HOCON", "akka-bgp.conf"), ConfigFiles.Reference, _ => null);
        Assert.True(result.IsValid, string.Join("\n", result.Problems));
        var c = result.Config!;
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 1179), Assert.Single(c.Listen));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 8558), c.Management.EndPoint);
        Assert.Null(c.Management.Token);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), c.RouterIdAddress);
        Assert.Equal(65000u, c.LocalAs);
        Assert.Empty(c.Neighbors);
    }

    [Fact]
    public void Reference_alone_is_refused_for_the_two_settings_it_cannot_default()
    {
        var result = ConfigLoader.Load(null, ConfigFiles.Reference, _ => null);
        var text = File.ReadAllText(ConfigFiles.Reference).Split('\n');
        var routerIdLine = Array.FindIndex(text, l => l.Trim() == "router-id = null") + 1;
        var localAsLine = Array.FindIndex(text, l => l.Trim() == "local-as = null") + 1;
        Assert.Equal(
        [
            $"akka-bgp.router-id ({ConfigFiles.Reference}:{routerIdLine}:15): required (this speaker's BGP Identifier, a dotted IPv4 address), but set to null",
            $"akka-bgp.local-as ({ConfigFiles.Reference}:{localAsLine}:14): required (our AS number), but set to null",
        ], result.Problems.Select(p => p.ToString()));
    }
}
