using System.Net;
using System.Net.Sockets;

namespace AkkaBgp.Service.Tests.EndToEnd;

/// <summary>
/// An operator's stop outlives a reload that re-creates the neighbor: the peer sees no connection until the operator
/// starts the neighbor again. The peer is a plain TCP listener that counts the connections it is offered.
/// </summary>
public sealed class AdminStopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_stopped_neighbor_re_created_by_a_reload_does_not_dial_until_it_is_started()
    {
        var ours = IPAddress.Parse("127.0.90.1");
        var peer = IPAddress.Parse("127.0.90.2");
        using var config = new ServiceConfig(ours);
        using var listener = new TcpListener(peer, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connections = 0;
        using var accepting = new CancellationTokenSource();
        var accept = Task.Run(async () =>
        {
            // Accept and hold: the speaker's OPEN goes unanswered, so the session waits in OpenSent.
            var held = new List<TcpClient>();
            try
            {
                while (true)
                {
                    held.Add(await listener.AcceptTcpClientAsync(accepting.Token));
                    Interlocked.Increment(ref connections);
                }
            }
            catch (OperationCanceledException) { }
            finally
            {
                foreach (var c in held) c.Dispose();
            }
        });

        string Neighbor(int hold) => $$"""
              neighbors = [ { address = "{{peer}}", remote-as = 65090, port = {{port}}, local-address = "{{ours}}",
                              hold-time = {{hold}}s, connect-retry-time = 3s, idle-hold-time = 1s } ]
            """;
        config.Write(Neighbor(90));
        await using var service = await ServiceProcess.StartAsync(config.Path, config.Management);
        await service.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref connections) >= 1), Wait, "the speaker's first connection");

        var (status, _, _) = await service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{peer}/stop");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await service.WaitForStateAsync(peer.ToString(), "Idle", Wait);
        var beforeReload = Volatile.Read(ref connections);

        // A hold-time change without a session re-creates the FSM. Before the fix the new FSM got its AutomaticStart
        // first and the reloader's ManualStop after, so it dialled in between.
        config.Write(Neighbor(60));
        (status, _, var result) = await service.SendAsync(HttpMethod.Post, "config/reload");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([$"{peer}: HoldTime"], result.GetProperty("recreated").EnumerateArray().Select(e => e.GetString()!).ToArray());
        await service.AssertStateAsync(peer.ToString(), "Idle");
        Assert.Equal(beforeReload, Volatile.Read(ref connections));

        // The operator's start is the next thing that dials: exactly one connection more, and only now.
        (status, _, _) = await service.SendAsync(HttpMethod.Post, $"bgp/neighbors/{peer}/start");
        Assert.Equal(HttpStatusCode.Accepted, status);
        await service.WaitUntilAsync(async () => (await service.NeighborAsync(peer.ToString())).GetProperty("state").GetString() == "OpenSent",
            Wait, $"{peer} OpenSent after the start");
        // The speaker is in OpenSent as soon as its connect completes, which can be before this listener's accept loop
        // has counted the connection: wait for the count, then check it is exactly one more.
        await service.WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref connections) > beforeReload), Wait, "the start's connection counted");
        var afterStart = Volatile.Read(ref connections);
        Assert.True(afterStart == beforeReload + 1,
            $"{afterStart - beforeReload} connections between the stop and the start's OpenSent, expected only the start's");

        accepting.Cancel();
        await accept;
    }
}
