using System.Net;
using AkkaBgp.Service.Management;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Security;

/// <summary>
/// The management endpoint over HTTPS with a configured certificate, as a client sees it: the certificate it is shown is
/// the configured one, plain HTTP gets no answer, the token still guards the writes, and a renewed certificate is served
/// after a reload.
/// </summary>
public sealed class ManagementHttpsTests
{
    private const string Token = "tls-token";

    [Fact]
    public async Task The_management_endpoint_serves_HTTPS_with_the_configured_certificate_and_a_reload_serves_a_renewed_one()
    {
        var address = IPAddress.Parse("127.0.91.1");
        using var first = TestCertificates.SelfSigned("akka-bgp management", address);
        using var config = new ServiceConfig(address, Token);
        config.WriteFile("server.crt", TestCertificates.CertificatePem(first));
        config.WriteFile("server.key", TestCertificates.KeyPem(first));
        config.ManagementExtra = "tls { certificate = server.crt, key = server.key }";
        config.Write("");
        var pinned = new TestCertificates.Pinned(first.Thumbprint).Init();
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management, https: true, handler: pinned);
        Assert.Equal(first.Thumbprint, pinned.Seen);
        Assert.Contains($"management on https://{address}:{config.ManagementPort}/", service.Output);

        // Reads work over HTTPS; writes still need the token.
        Assert.Equal(HttpStatusCode.OK, (await service.SendAsync(HttpMethod.Get, "bgp/rib/summary")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await service.SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = "203.0.113.0/24" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await service.SendAsync(HttpMethod.Post, "bgp/routes", new { prefix = "203.0.113.0/24" }, Token)).Status);

        // Plain HTTP to the same port gets no HTTP answer at all.
        using (var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://{config.Management}/alive"));

        // A client that does not trust the certificate cannot talk to it.
        using (var untrusting = new HttpClient(new TestCertificates.Pinned("0000").Init()) { Timeout = TimeSpan.FromSeconds(10) })
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync($"https://{config.Management}/alive"));

        // The certificate is renewed in place (same paths) and the service told to reload: new handshakes get the new one.
        using var renewed = TestCertificates.SelfSigned("akka-bgp management renewed", address);
        config.WriteFile("server.crt", TestCertificates.CertificatePem(renewed));
        config.WriteFile("server.key", TestCertificates.KeyPem(renewed));
        // Until the reload the service serves the first certificate, which the test's client still trusts.
        var (status, _, result) = await service.SendAsync(HttpMethod.Post, "config/reload", token: Token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(result.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("serving the renewed certificate CN=akka-bgp management renewed"));
        var trustsRenewed = new TestCertificates.Pinned(renewed.Thumbprint).Init();
        using var renewedClient = new HttpClient(trustsRenewed) { BaseAddress = service.Http.BaseAddress };
        using var response = await renewedClient.GetAsync("alive");
        Assert.Equal(renewed.Thumbprint, trustsRenewed.Seen);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Bearer " + Token, true)]
    [InlineData("bearer " + Token, true)]
    [InlineData("Bearer  " + Token + " ", true)]
    [InlineData("Bearer " + Token + "x", false)]
    [InlineData("Bearer " + "tls-toke", false)]
    [InlineData("Bearer TLS-TOKEN", false)]
    [InlineData("Bearer ", false)]
    [InlineData("Basic " + Token, false)]
    [InlineData(Token, false)]
    [InlineData("", false)]
    public void The_token_must_match_exactly(string header, bool authorized) =>
        Assert.Equal(authorized, BearerTokenFilter.Authorized(header, Token));
}
