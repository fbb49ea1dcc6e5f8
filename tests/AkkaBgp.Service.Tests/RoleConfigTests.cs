using AkkaBgp.Wire;

namespace AkkaBgp.Service.Tests;

/// <summary>RFC 9234 BGP Roles in the configuration: spelt as BIRD and FRR spell them, refused where the RFC has no
/// place for them, with the file, line, column and key.</summary>
public sealed class RoleConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Neighbors(string first, string second = "") => ConfigFiles.Minimal(
        $"  neighbors = [\n    {{ address = \"192.0.2.2\", remote-as = 64496{first} }}\n    {{ address = \"192.0.2.3\", remote-as = 65000{second} }}\n  ]");

    [Fact]
    public void Every_role_and_strict_mode_are_read_and_defaults_reach_every_external_neighbor()
    {
        foreach (var (name, role) in new[] { ("provider", BgpRole.Provider), ("customer", BgpRole.Customer), ("peer", BgpRole.Peer),
                     ("rs", BgpRole.RouteServer), ("rs-client", BgpRole.RouteServerClient) })
        {
            var c = _files.LoadValid(Neighbors($", role = {name}, strict-role = true"));
            Assert.Equal(role, c.Neighbors[0].Capabilities.Role);
            Assert.True(c.Neighbors[0].Capabilities.StrictRole);
            Assert.Null(c.Neighbors[1].Capabilities.Role);
        }
        var none = _files.LoadValid(Neighbors(""));
        Assert.Null(none.Neighbors[0].Capabilities.Role);
        Assert.False(none.Neighbors[0].Capabilities.StrictRole);
    }

    [Fact]
    public void A_role_on_an_internal_neighbor_is_refused_at_its_setting()
    {
        var text = Neighbors("", ", role = customer");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.neighbors[1].role ({_files.At(text, "customer")})", problem);
        Assert.Contains("RFC 9234 section 4.1", problem);
    }

    [Fact]
    public void Strict_mode_without_a_role_and_an_unknown_role_are_refused()
    {
        var strict = Neighbors(", strict-role = true");
        Assert.StartsWith("akka-bgp.neighbors[0].strict-role", Assert.Single(_files.Problems(strict)));
        var unknown = Neighbors(", role = upstream");
        var problem = Assert.Single(_files.Problems(unknown));
        Assert.StartsWith($"akka-bgp.neighbors[0].role ({_files.At(unknown, "upstream")})", problem);
        Assert.Contains("rs-client", problem);
    }
}
