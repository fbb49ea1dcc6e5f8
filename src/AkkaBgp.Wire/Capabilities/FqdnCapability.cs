using System.Text;

namespace AkkaBgp.Wire;

/// <summary>
/// FQDN (hostname) capability, draft-walton-bgp-hostname-capability: Hostname Length (1),
/// Hostname, Domain Name Length (1), Domain Name. The names are kept as the octets received so the
/// capability re-encodes exactly even when a peer sends something that is not UTF-8.
/// </summary>
public sealed record FqdnCapability(byte[] HostNameBytes, byte[] DomainNameBytes) : Capability
{
    private static readonly UTF8Encoding Utf8 = new(false, false);

    public static FqdnCapability Create(string hostName, string domainName)
        => new(Encoding.UTF8.GetBytes(hostName), Encoding.UTF8.GetBytes(domainName));

    public string HostName => Utf8.GetString(HostNameBytes);
    public string DomainName => Utf8.GetString(DomainNameBytes);

    public override byte Code => CapabilityCode.Fqdn;
    public override int ValueLength => 2 + HostNameBytes.Length + DomainNameBytes.Length;

    protected override void WriteValue(Span<byte> dest)
    {
        if (HostNameBytes.Length > 255 || DomainNameBytes.Length > 255)
            throw new WireException("FQDN capability names are at most 255 octets");
        dest[0] = (byte)HostNameBytes.Length;
        HostNameBytes.CopyTo(dest[1..]);
        int o = 1 + HostNameBytes.Length;
        dest[o] = (byte)DomainNameBytes.Length;
        DomainNameBytes.CopyTo(dest[(o + 1)..]);
    }

    internal static bool TryDecodeValue(ReadOnlySpan<byte> value, out Capability? capability, out WireError? error)
    {
        capability = null;
        if (value.Length < 1 || value.Length < 2 + value[0])
        {
            error = Malformed(CapabilityCode.Fqdn, "hostname length runs past the capability");
            return false;
        }
        int hl = value[0];
        int dl = value[1 + hl];
        if (value.Length != 2 + hl + dl)
        {
            error = Malformed(CapabilityCode.Fqdn, $"domain name length {dl} does not match the capability length {value.Length}");
            return false;
        }
        capability = new FqdnCapability(value.Slice(1, hl).ToArray(), value.Slice(2 + hl, dl).ToArray());
        error = null;
        return true;
    }

    public bool Equals(FqdnCapability? other)
        => other is not null && other.HostNameBytes.AsSpan().SequenceEqual(HostNameBytes)
           && other.DomainNameBytes.AsSpan().SequenceEqual(DomainNameBytes);

    public override int GetHashCode() => HashCode.Combine(HostNameBytes.Length, DomainNameBytes.Length);

    public override string ToString() => $"FqdnCapability {{ HostName = {HostName}, DomainName = {DomainName} }}";
}
