using System.Security.Cryptography.X509Certificates;
using AkkaBgp.Service.Configuration;
using AkkaBgp.Service.Hosting;

namespace AkkaBgp.Service.Management;

/// <summary>
/// The certificate Kestrel serves on the management endpoint. Kestrel asks for it per TLS handshake, so a reload
/// that finds the same management.tls paths reads the files again and a renewed certificate is served from then on
/// without a restart (changing the paths, or turning TLS on or off, still needs a restart like every other
/// management setting).
/// </summary>
public sealed class ManagementCertificate : IDisposable
{
    private volatile X509Certificate2? _current;

    public ManagementCertificate(RunningConfiguration running)
    {
        if (running.Current.Management.Tls is { } tls) _current = tls.Load();
    }

    public X509Certificate2? Current => _current;

    /// <summary>Reads the files again; the configuration reader has just loaded them, so a failure here is a file
    /// changed in between, which keeps the certificate already served.</summary>
    public string? Reread(ManagementTls? tls)
    {
        if (tls is null || _current is null) return null;
        X509Certificate2 next;
        try
        {
            next = tls.Load();
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            return $"akka-bgp.management.tls: {tls.CertificatePath} could not be read again ({e.Message}); the current certificate stays";
        }
        if (next.Thumbprint == _current.Thumbprint)
        {
            next.Dispose();
            return null;
        }
        // The old one is not disposed: a handshake may be using it right now, and it is one small object per renewal.
        _current = next;
        return $"akka-bgp.management.tls: serving the renewed certificate {next.Subject} (valid until {next.NotAfter.ToUniversalTime():yyyy-MM-dd})";
    }

    public void Dispose() => _current?.Dispose();
}
