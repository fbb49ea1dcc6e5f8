using System.Net;

namespace AkkaBgp.Service.Tests.Security;

/// <summary>management.tls is read like every other setting: each problem at its file:line:col, the files loaded at
/// validation time so a bad certificate is refused before anything starts.</summary>
public sealed class ManagementTlsConfigTests : IDisposable
{
    private readonly ConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string File(string name, byte[] content)
    {
        var path = Path.Combine(_files.Directory, name);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    private static string Tls(string settings) => ConfigFiles.Minimal($"  management {{ tls {{ {settings} }} }}");

    [Fact]
    public void PEM_with_a_separate_key_PEM_with_the_key_inside_and_PKCS12_with_a_password_all_load()
    {
        using var cert = TestCertificates.SelfSigned("akka-bgp test", IPAddress.Loopback);
        File("server.crt", TestCertificates.CertificatePem(cert));
        File("server.key", TestCertificates.KeyPem(cert));
        File("both.pem", [.. TestCertificates.CertificatePem(cert), (byte)'\n', .. TestCertificates.KeyPem(cert)]);
        File("server.p12", TestCertificates.Pkcs12(cert, "p12-pass"));

        // Relative paths are relative to the configuration file, wherever the service was started from.
        var separate = _files.LoadValid(Tls("certificate = server.crt, key = server.key")).Management.Tls!;
        Assert.Equal(Path.Combine(_files.Directory, "server.crt"), separate.CertificatePath);
        Assert.Equal(cert.Thumbprint, separate.Load().Thumbprint);
        Assert.Equal(cert.Thumbprint, _files.LoadValid(Tls("certificate = both.pem")).Management.Tls!.Load().Thumbprint);
        Assert.Equal(cert.Thumbprint, _files.LoadValid(Tls("certificate = server.p12, password = p12-pass")).Management.Tls!.Load().Thumbprint);

        // No certificate: plain HTTP, as before.
        Assert.Null(_files.LoadValid(ConfigFiles.Minimal("")).Management.Tls);
        Assert.Equal("http://127.0.0.1:8558/", _files.LoadValid(ConfigFiles.Minimal("")).Management.Url);
        Assert.Equal("https://127.0.0.1:8558/", _files.LoadValid(Tls("certificate = both.pem")).Management.Url);
    }

    [Fact]
    public void A_missing_file_is_refused_at_the_setting()
    {
        var text = Tls("certificate = \"missing.pem\"");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.management.tls.certificate ({_files.At(text, "\"missing.pem\"")}): cannot serve HTTPS with {Path.Combine(_files.Directory, "missing.pem")}: ", problem);
        Assert.Contains("missing.pem", problem[problem.IndexOf("): ", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void A_wrong_PKCS12_password_is_refused_at_the_certificate()
    {
        using var cert = TestCertificates.SelfSigned("akka-bgp test", IPAddress.Loopback);
        File("server.p12", TestCertificates.Pkcs12(cert, "right"));
        var text = Tls("certificate = server.p12, password = wrong");
        Assert.StartsWith($"akka-bgp.management.tls.certificate ({_files.At(text, "server.p12")}): cannot serve HTTPS with ", Assert.Single(_files.Problems(text)));
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused()
    {
        using var cert = TestCertificates.SelfSigned("akka-bgp test", IPAddress.Loopback);
        File("server.crt", TestCertificates.CertificatePem(cert));
        var text = Tls("certificate = server.crt");
        var problem = Assert.Single(_files.Problems(text));
        Assert.StartsWith($"akka-bgp.management.tls.certificate ({_files.At(text, "server.crt")}): ", problem);
        Assert.Contains("private key", problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_key_file_is_refused_at_the_key()
    {
        using var cert = TestCertificates.SelfSigned("akka-bgp test", IPAddress.Loopback);
        File("server.crt", TestCertificates.CertificatePem(cert));
        var text = Tls("certificate = server.crt, key = nokey.pem");
        Assert.StartsWith($"akka-bgp.management.tls.key ({_files.At(text, "nokey.pem")}): cannot serve HTTPS with {Path.Combine(_files.Directory, "nokey.pem")}",
            Assert.Single(_files.Problems(text)));
    }

    [Fact]
    public void Misspelt_keys_and_a_key_without_a_certificate_are_refused()
    {
        var text = Tls("certficate = a.pem");
        Assert.Equal([$"akka-bgp.management.tls.certficate ({_files.At(text, "a.pem")}): unknown key, did you mean certificate?"], _files.Problems(text));
        text = Tls("key = a.key");
        Assert.Equal([$"akka-bgp.management.tls.key ({_files.At(text, "a.key")}): is set but management.tls.certificate is not (both name PEM files)"], _files.Problems(text));
    }

    [Fact]
    public void HTTPS_does_not_replace_the_token_off_loopback()
    {
        using var cert = TestCertificates.SelfSigned("akka-bgp test", IPAddress.Loopback);
        File("both.pem", [.. TestCertificates.CertificatePem(cert), (byte)'\n', .. TestCertificates.KeyPem(cert)]);
        var text = ConfigFiles.Minimal("  management { address = \"0.0.0.0\", tls { certificate = both.pem } }");
        Assert.Contains("0.0.0.0 is not a loopback address and management.token is not set", Assert.Single(_files.Problems(text)));
    }
}
