using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AkkaBgp.Service.Tests.EndToEnd;

namespace AkkaBgp.Service.Tests.Security;

/// <summary>
/// Issue 17: Akka.Remote between AkkaBgp nodes over TLS, as deploy/examples/cluster shows it. A private CA (trusted
/// through the user's root store, which .NET on Linux reads, as an operator would install it system-wide) signs one
/// certificate per node; both nodes present theirs (mutual authentication, Akka.NET's default). The two nodes form
/// one cluster and answer cluster-wide queries, the remoting port speaks TLS with the node's certificate, and a node
/// whose certificate another CA signed is kept out.
/// </summary>
public sealed class RemotingTlsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Two_nodes_with_TLS_remoting_form_one_cluster()
    {
        var addresses = new[] { IPAddress.Parse("127.0.77.11"), IPAddress.Parse("127.0.77.21"), IPAddress.Parse("127.0.77.31") };
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=AkkaBgp test cluster CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var root = new X509Store(StoreName.Root, StoreLocation.CurrentUser);
        root.Open(OpenFlags.ReadWrite);
        using var caPublic = X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert));
        root.Add(caPublic);
        var configs = addresses.Select(a => new ServiceConfig(a)).ToArray();
        var services = new List<ServiceProcess>();
        try
        {
            var ports = addresses.Select(ServiceProcess.FreePort).ToArray();
            var seed = $"akka.ssl.tcp://akka-bgp@{addresses[0]}:{ports[0]}"; // with TLS the protocol is akka.ssl.tcp
            // Node 3's certificate comes from a CA nobody trusts.
            using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var otherRequest = new CertificateRequest("CN=Somebody else's CA", otherKey, HashAlgorithmName.SHA256);
            otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            otherRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
            using var otherCa = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            for (int i = 0; i < 3; i++)
            {
                var pfx = configs[i].WriteFile("node.pfx", NodeCertificate(i < 2 ? ca : otherCa, $"node{i + 1}", addresses[i]).Export(X509ContentType.Pkcs12, "s3cret"));
                configs[i].Write("", $$"""
                      remote.dot-netty.tcp {
                        hostname = "{{addresses[i]}}"
                        port = {{ports[i]}}
                        enable-ssl = true
                        ssl {
                          certificate { path = "{{pfx}}", password = "s3cret" }
                          suppress-validation = false
                        }
                      }
                      cluster.seed-nodes = ["{{seed}}"]
                    """);
            }
            services.Add(await ServiceProcess.StartAsync(configs[0].Path, configs[0].Management, readyWithin: Wait));
            services.Add(await ServiceProcess.StartAsync(configs[1].Path, configs[1].Management, readyWithin: Wait));
            foreach (var s in services)
                await s.WaitForMembersUpAsync(2, Wait);
            var view = await services[1].GetJsonAsync("bgp/neighbors?scope=cluster");
            Assert.Equal(0, view.GetProperty("nodesNotAnswering").GetArrayLength());

            // The remoting port is TLS, and shows node 1's certificate, issued by the CA.
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(addresses[0], ports[0]);
            X509Certificate? shown = null;
            using var tls = new SslStream(tcp.GetStream(), false, (_, c, _, _) => { shown = c; return true; });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = addresses[0].ToString() });
            Assert.Equal("CN=node1", shown?.Subject);
            Assert.Equal(ca.Subject, shown?.Issuer);

            // A node whose certificate the others do not trust never becomes a member.
            services.Add(await ServiceProcess.StartAsync(configs[2].Path, configs[2].Management, readyWithin: Wait, waitForReady: false));
            await services[0].WaitUntilAsync(() => Task.FromResult((services[0].Output + services[2].Output).Contains("TLS handshake failed", StringComparison.Ordinal)),
                Wait, "a refused TLS handshake between node 3 and the others");
            Assert.Equal(2, (await services[0].GetJsonAsync("cluster/members")).GetProperty("members").GetArrayLength());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await services[2].Http.GetAsync("ready")).StatusCode);
        }
        finally
        {
            foreach (var s in services) await s.DisposeAsync();
            foreach (var c in configs) c.Dispose();
            root.Remove(caPublic);
        }
    }

    /// <summary>A node certificate for both ends of a TLS connection (server and client authentication), with the
    /// node's address in its subject alternative name.</summary>
    private static X509Certificate2 NodeCertificate(X509Certificate2 ca, string name, IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var serial = RandomNumberGenerator.GetBytes(16);
        // Within the CA's own validity, taken from it: "now + 1 day" read a moment after the CA's would end later than
        // the CA, which CertificateRequest refuses (seen once in a fresh-clone run).
        using var signed = request.Create(ca, new DateTimeOffset(ca.NotBefore), new DateTimeOffset(ca.NotAfter).AddMinutes(-1), serial);
        return signed.CopyWithPrivateKey(key);
    }
}
