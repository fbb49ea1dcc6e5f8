using System.Buffers;
using System.IO.Compression;
using System.Net;
using Akka.Actor;
using AkkaBgp.Rib.Engine;
using AkkaBgp.Wire;
using AkkaBgp.Wire.Mrt;

namespace AkkaBgp.Mrt;

/// <summary>What a table dump wrote.</summary>
public sealed record TableDumpResult(string Path, int Prefixes, int Entries, int Peers, long Bytes, TimeSpan Took);

/// <summary>
/// Writes the RIB as an MRT TABLE_DUMP_V2 file (RFC 6396 4.3), the way route collectors (RIPE RIS, RouteViews) publish
/// theirs: a PEER_INDEX_TABLE, then one RIB_IPV4_UNICAST / RIB_IPV6_UNICAST record per prefix holding every neighbor's
/// path for it (the post-policy Adj-RIBs-In the Loc-RIB keeps). Our own originated routes are not in it: a collector's
/// dump is of what its peers sent.
/// <para>
/// The dump pulls the RIB a page at a time (longer-match lookups of 0.0.0.0/0 and ::/0 after the last prefix read,
/// which read the range in order), so the speaker is never made to wait for the disk: a slow disk only makes the dump slower. The peers are
/// known only once every page is read, and the index must come first, so the RIB records go to a temporary file next
/// to the target and are copied behind the index at the end; memory stays at one page.
/// </para>
/// <para>
/// RIB entries' Originated Time is the dump's time (the RIB does not keep when each path arrived); attributes are
/// the RIB's canonical set (4-octet AS_PATH as 4.3.4 asks) plus, for IPv6, the next hop in a cut-down MP_REACH_NLRI.
/// </para>
/// </summary>
public static class TableDump
{
    public const int PageSize = 5000;

    /// <param name="peerIdentifier">The BGP Identifier of each neighbor (from its session); 0 when unknown.</param>
    public static async Task<TableDumpResult> WriteAsync(IActorRef rib, string path, bool gzip, uint collectorId,
        Func<IPAddress, uint> peerIdentifier, DateTimeOffset now, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        uint timestamp = (uint)now.ToUnixTimeSeconds();
        var peers = new List<MrtPeer>();
        var peerIndex = new Dictionary<(IPAddress, uint), ushort>();
        int prefixes = 0, entries = 0;
        string body = path + ".records.tmp";
        try
        {
            await using (var records = new FileStream(body, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var record = new ArrayBufferWriter<byte>();
                uint sequence = 0;
                foreach (var all in new[] { Prefix.Parse("0.0.0.0/0"), Prefix.Parse("::/0") })
                {
                    // A cursor (the last prefix read), not an offset: each page costs the same, so the whole table is linear.
                    for (Prefix? after = null; ;)
                    {
                        ct.ThrowIfCancellationRequested();
                        var page = await rib.Ask<RouteLookupResult>(new LookupRoutes(all, LongerPrefixes: true, 0, PageSize, After: after), TimeSpan.FromSeconds(30), ct);
                        foreach (var group in page.Routes.Where(r => r.Peer is not null).GroupBy(r => r.Prefix))
                        {
                            var list = new List<MrtRibEntry>();
                            foreach (var r in group)
                            {
                                var key = (r.Peer!, r.PeerAs);
                                if (!peerIndex.TryGetValue(key, out ushort index))
                                {
                                    if (peers.Count == ushort.MaxValue) continue; // RFC 6396: the Peer Count is 16 bits
                                    index = (ushort)peers.Count;
                                    peerIndex[key] = index;
                                    peers.Add(new MrtPeer(peerIdentifier(r.Peer!), r.Peer!, r.PeerAs));
                                }
                                byte[] nextHop = r.Prefix.IsIPv6 && r.NextHop is { } nh ? nh.GetAddressBytes() : [];
                                list.Add(new MrtRibEntry(index, timestamp, MrtCodec.RibAttributes(r.Attributes.EncodedSpan, nextHop), r.PathId));
                            }
                            if (list.Count == 0) continue;
                            // RFC 8050 section 4: paths told apart by ADD-PATH path identifiers (several from one peer, or
                            // any identifier other than 0) go in the RIB_*_ADDPATH subtypes, which carry them.
                            bool addPath = list.Any(e => e.PathId != 0) || list.Select(e => e.PeerIndex).Distinct().Count() < list.Count;
                            record.ResetWrittenCount();
                            MrtCodec.WriteRecord(record, timestamp, MrtType.TableDumpV2, MrtCodec.RibSubtype(group.Key, addPath),
                                MrtCodec.RibRecord(sequence++, group.Key, list, addPath));
                            await records.WriteAsync(record.WrittenMemory, ct);
                            prefixes++;
                            entries += list.Count;
                        }
                        if (page.Routes.Count == 0) break;
                        after = page.Routes[^1].Prefix;
                        if (page.Routes.Select(r => r.Prefix).Distinct().Count() < PageSize) break;
                    }
                }
            }

            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                Stream output = gzip ? new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true) : file;
                var index = new ArrayBufferWriter<byte>();
                MrtCodec.WriteRecord(index, timestamp, MrtType.TableDumpV2, MrtType.PeerIndexTable, MrtCodec.PeerIndexTable(collectorId, "", peers));
                await output.WriteAsync(index.WrittenMemory, ct);
                await using (var records = new FileStream(body, FileMode.Open, FileAccess.Read, FileShare.None, 1 << 16, useAsync: true))
                    await records.CopyToAsync(output, ct);
                if (gzip) await output.DisposeAsync();
            }
            return new TableDumpResult(path, prefixes, entries, peers.Count, new FileInfo(path).Length, DateTime.UtcNow - started);
        }
        finally
        {
            File.Delete(body);
        }
    }
}
