using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AkkaBgp.Service.Tests.Security;

/// <summary>Self-signed server certificates made in the test, in the file shapes an operator has.</summary>
public static class TestCertificates
{
    public static X509Certificate2 SelfSigned(string name, IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server auth
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
    }

    public static byte[] CertificatePem(X509Certificate2 c) => System.Text.Encoding.ASCII.GetBytes(c.ExportCertificatePem());

    public static byte[] KeyPem(X509Certificate2 c) => System.Text.Encoding.ASCII.GetBytes(c.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    public static byte[] Pkcs12(X509Certificate2 c, string password) => c.Export(X509ContentType.Pkcs12, password);

    /// <summary>An HTTP handler that trusts exactly one certificate (by thumbprint) and remembers the one it was shown.</summary>
    public sealed class Pinned(string thumbprint) : HttpClientHandler
    {
        public string? Seen { get; private set; }

        public Pinned Init()
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                Seen = certificate?.Thumbprint;
                return certificate?.Thumbprint == thumbprint;
            };
            return this;
        }
    }
}
