using System.Net;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>A temporary configuration file for one service process, on its own loopback address and ports.</summary>
public sealed class ServiceConfig : IDisposable
{
    private readonly ConfigFiles _files = new();

    public ServiceConfig(IPAddress address, string? token = null)
    {
        Address = address;
        Token = token;
        BgpPort = ServiceProcess.FreePort(address);
        ManagementPort = ServiceProcess.FreePort(address);
    }

    public IPAddress Address { get; }
    public string? Token { get; }
    public int BgpPort { get; }
    public int ManagementPort { get; }
    public IPEndPoint Management => new(Address, ManagementPort);
    public string Path { get; private set; } = "";

    /// <summary>More settings inside <c>management { }</c> (e.g. a <c>tls { }</c> block).</summary>
    public string ManagementExtra { get; set; } = "";

    /// <summary>Writes the file: router-id, AS 65000, listen and management on <see cref="Address"/>, then <paramref name="body"/>;
    /// <paramref name="akka"/> goes into a top-level <c>akka { }</c> after it.</summary>
    public string Write(string body, string? akka = null)
    {
        var token = Token is null ? "" : $"\n    token = \"{Token}\"";
        Path = _files.Write($$"""
            akka-bgp {
              router-id = "{{Address}}"
              local-as = 65000
              listen = [ { address = "{{Address}}", port = {{BgpPort}} } ]
              management {
                address = "{{Address}}"
                port = {{ManagementPort}}{{token}}
                {{ManagementExtra}}
              }
              rib { partitions = 2 }
            {{body}}
            }
            {{(akka is null ? "" : "akka {\n" + akka + "\n}")}}
            """, "service.conf");
        return Path;
    }

    /// <summary>A file beside the configuration (certificates and such).</summary>
    public string WriteFile(string name, byte[] content)
    {
        var path = System.IO.Path.Combine(_files.Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Replaces the file with text that does not parse or validate.</summary>
    public void WriteRaw(string text) => File.WriteAllText(Path, text);

    public void Dispose() => _files.Dispose();
}
