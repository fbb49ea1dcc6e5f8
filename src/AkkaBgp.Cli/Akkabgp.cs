using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using AkkaBgp.Service.Configuration;

namespace AkkaBgp.Cli;

/// <summary>
/// akkabgp: what birdc, gobgp and bgpctl are to their daemons, over AkkaBgp's management API. Human tables by
/// default, the API's JSON with -j. Exit codes: 0 ok, 1 refused by the service (4xx) or not found, or config check
/// found problems, 2 usage, 3 the endpoint cannot be reached or failed (5xx).
/// </summary>
public static class Akkabgp
{
    private static readonly Option<string?> Url = new("--url") { Description = $"management endpoint, e.g. http://127.0.0.1:8558 (else ${Endpoint.UrlVariable}, else --config's management section)", Recursive = true };
    private static readonly Option<string?> Token = new("--token") { Description = $"bearer token for the write endpoints (else ${Endpoint.TokenVariable})", Recursive = true };
    private static readonly Option<string?> ConfigFile = new("--config") { Description = "the service's configuration file, to find the endpoint and token in", Recursive = true };
    private static readonly Option<bool> Json = new("--json", "-j") { Description = "print the API's JSON instead of a table", Recursive = true };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?> environment, CancellationToken ct = default)
    {
        var root = Build(output, error, environment);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) await error.WriteLineAsync($"akkabgp: {e.Message}");
            await error.WriteLineAsync("akkabgp: see akkabgp --help");
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (CliException e)
        {
            await error.WriteLineAsync($"akkabgp: {e.Message}");
            return e.ExitCode;
        }
    }

    private static RootCommand Build(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var root = new RootCommand("akkabgp: the AkkaBgp speaker's command line (its management API).\n" +
            "Exit codes: 0 ok; 1 refused by the service (4xx), not found, or config check found problems; 2 usage; 3 endpoint unreachable or failing (5xx).\n" +
            "Completion: install dotnet-suggest (dotnet tool install -g dotnet-suggest) and source its shell shim.");
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(ConfigFile);
        root.Options.Add(Json);

        ManagementClient Client(ParseResult p) =>
            ManagementClient.Create(Endpoint.Resolve(p.GetValue(Url), p.GetValue(Token), p.GetValue(ConfigFile), environment));

        async Task<int> Print(ParseResult p, JsonElement json, Action<JsonElement> table)
        {
            if (p.GetValue(Json)) await output.WriteLineAsync(JsonSerializer.Serialize(json, Indented));
            else table(json);
            return ExitCodes.Ok;
        }

        // ---- neighbor ------------------------------------------------------------------------------------
        var neighborAddress = new Argument<string?>("address") { Arity = ArgumentArity.ZeroOrOne, Description = "the neighbor; none: all, as a table" };
        var neighborAction = new Argument<string?>("action") { Arity = ArgumentArity.ZeroOrOne, Description = "start, stop, reset or refresh" };
        neighborAction.AcceptOnlyFromAmong("start", "stop", "reset", "refresh");
        var message = new Option<string?>("--message", "-m") { Description = "shutdown communication (RFC 9003) for stop and reset" };
        var neighbor = new Command("neighbor", "neighbors: the table, one in detail, or start/stop/reset/refresh one") { neighborAddress, neighborAction, message };
        neighbor.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            string? address = p.GetValue(neighborAddress);
            string? action = p.GetValue(neighborAction);
            if (address is null)
                return await Print(p, await api.GetAsync("bgp/neighbors", ct), json => Tables.Neighbors(output, json));
            if (action is null)
                return await Print(p, await api.GetAsync($"bgp/neighbors/{address}", ct), json => Tables.Neighbor(output, json));
            object? body = p.GetValue(message) is { } text && action is "stop" or "reset" ? new { communication = text } : null;
            var result = await api.SendAsync(HttpMethod.Post, $"bgp/neighbors/{address}/{action}", body, ct);
            return await Print(p, result, json => output.WriteLine(Tables.Text(json, "message") ?? $"{action}: done"));
        });
        root.Subcommands.Add(neighbor);

        // ---- rib -----------------------------------------------------------------------------------------
        var prefix = new Argument<string?>("prefix") { Arity = ArgumentArity.ZeroOrOne, Description = "a prefix; none: every route (IPv4 and IPv6)" };
        var longer = new Option<bool>("--longer") { Description = "the prefix and every more specific one" };
        var community = new Option<string?>("--community") { Description = "only paths carrying this community (65000:100, no-export, ...)" };
        var asPath = new Option<string?>("--as-path") { Description = "only paths whose AS path (\"65001 65002\") matches this regular expression" };
        var fromNeighbor = new Option<string?>("--neighbor") { Description = "only paths from this neighbor (its Adj-RIB-In after import policy)" };
        var advertised = new Option<bool>("--out") { Description = "with --neighbor: its Adj-RIB-Out, what we advertise to it, as it is sent" };
        var prePolicy = new Option<bool>("--pre-policy") { Description = "with --neighbor: what it sent, the routes its import policy rejected too (needs keep-filtered for it)" };
        var limit = new Option<int>("--limit") { Description = "at most this many prefixes", DefaultValueFactory = _ => 10_000 };
        var rib = new Command("rib", "routes in the RIB: every path per prefix, the best marked") { prefix, longer, community, asPath, fromNeighbor, advertised, prePolicy, limit };
        rib.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            Regex? pathFilter = null;
            if (p.GetValue(asPath) is { } pattern)
                try { pathFilter = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
                catch (ArgumentException e) { throw new CliException(ExitCodes.Usage, $"--as-path: {e.Message}"); }
            string? wanted = p.GetValue(prefix);
            if (p.GetValue(fromNeighbor) is { } from)
            {
                if (wanted is not null && !p.GetValue(longer)) throw new CliException(ExitCodes.Usage, "--neighbor lists a range: give --longer with a prefix");
                var paths = new List<JsonElement>();
                if (p.GetValue(advertised) && p.GetValue(prePolicy)) throw new CliException(ExitCodes.Usage, "--out and --pre-policy do not go together");
                string view = p.GetValue(advertised) ? "out" : "in";
                string policy = p.GetValue(prePolicy) ? "pre" : "post";
                for (int offset = 0; paths.Count < Math.Max(1, p.GetValue(limit)); offset += RibPage)
                {
                    var page = await api.GetAsync($"bgp/neighbors/{Uri.EscapeDataString(from)}/rib/{view}?policy={policy}&offset={offset}&limit={RibPage}" +
                        (wanted is null ? "" : $"&prefix={Uri.EscapeDataString(wanted)}&match=longer"), ct);
                    var items = page.GetProperty("routes").EnumerateArray().ToArray();
                    paths.AddRange(items.Where(r => Keep(r, null, p.GetValue(community), pathFilter)));
                    if (items.Length < RibPage) break;
                }
                return await Print(p, JsonSerializer.SerializeToElement(new { routes = paths }), j => Tables.Routes(output, j));
            }
            if (p.GetValue(prePolicy) || p.GetValue(advertised)) throw new CliException(ExitCodes.Usage, "--pre-policy and --out need --neighbor");
            var queries = wanted is null ? new[] { ("0.0.0.0/0", true), ("::/0", true) } : [(wanted, p.GetValue(longer))];
            var routes = new List<JsonElement>();
            int max = Math.Max(1, p.GetValue(limit));
            int prefixes = 0;
            foreach (var (q, more) in queries)
            {
                for (string? after = null; prefixes < max;)
                {
                    var page = await api.GetAsync($"bgp/rib?prefix={Uri.EscapeDataString(q)}&match={(more ? "longer" : "exact")}&limit={RibPage}" +
                        (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"), ct);
                    var items = page.GetProperty("routes").EnumerateArray().ToArray();
                    int distinct = items.Select(r => r.GetProperty("prefix").GetString()).Distinct().Count();
                    prefixes += distinct;
                    routes.AddRange(items.Where(r => Keep(r, p.GetValue(fromNeighbor), p.GetValue(community), pathFilter)));
                    if (!more || distinct < RibPage) break;
                    after = items[^1].GetProperty("prefix").GetString();
                }
            }
            if (wanted is not null && routes.Count == 0 && !p.GetValue(Json))
                throw new CliException(ExitCodes.Refused, $"{wanted}: no route{(p.GetValue(longer) ? " (or more specific)" : "")} in the RIB");
            var json = JsonSerializer.SerializeToElement(new { routes });
            return await Print(p, json, j => Tables.Routes(output, j));
        });
        var ribSummary = new Command("summary", "prefix and path counts per family, per neighbor");
        ribSummary.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            return await Print(p, await api.GetAsync("bgp/rib/summary", ct), json => Tables.Summary(output, json));
        });
        rib.Subcommands.Add(ribSummary);
        root.Subcommands.Add(rib);

        // ---- route ---------------------------------------------------------------------------------------
        var route = new Command("route", "routes we originate at run time");
        var routePrefix = new Argument<string>("prefix") { Description = "e.g. 192.0.2.0/24" };
        var nextHop = new Option<string?>("--next-hop") { Description = "an address, or self (default)" };
        var communities = new Option<string[]>("--community") { Description = "community to attach (repeatable)", AllowMultipleArgumentsPerToken = true };
        var large = new Option<string[]>("--large-community") { Description = "large community (RFC 8092) to attach (repeatable)" };
        var med = new Option<uint?>("--med") { Description = "MULTI_EXIT_DISC" };
        var localPref = new Option<uint?>("--local-pref") { Description = "LOCAL_PREF (internal neighbors)" };
        var prepend = new Option<int?>("--prepend") { Description = "extra copies of our AS in the AS path" };
        var add = new Command("add", "announce a route") { routePrefix, nextHop, communities, large, med, localPref, prepend };
        add.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            var body = new Dictionary<string, object?> { ["prefix"] = p.GetValue(routePrefix) };
            if (p.GetValue(nextHop) is { } nh) body["nextHop"] = nh;
            if (p.GetValue(communities) is { Length: > 0 } cs) body["communities"] = cs;
            if (p.GetValue(large) is { Length: > 0 } ls) body["largeCommunities"] = ls;
            if (p.GetValue(med) is { } m) body["med"] = m;
            if (p.GetValue(localPref) is { } lp) body["localPref"] = lp;
            if (p.GetValue(prepend) is { } pp) body["asPathPrepend"] = pp;
            var result = await api.SendAsync(HttpMethod.Post, "bgp/routes", body, ct);
            return await Print(p, result, json => output.WriteLine($"{Tables.Text(json, "prefix")}: {Tables.Text(json, "message")}"));
        });
        var delPrefix = new Argument<string>("prefix");
        var del = new Command("del", "withdraw a route we announced") { delPrefix };
        del.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            var result = await api.SendAsync(HttpMethod.Delete, $"bgp/routes?prefix={Uri.EscapeDataString(p.GetValue(delPrefix)!)}", null, ct);
            return await Print(p, result, json => output.WriteLine($"{Tables.Text(json, "prefix")}: {Tables.Text(json, "message")}"));
        });
        route.Subcommands.Add(add);
        route.Subcommands.Add(del);
        root.Subcommands.Add(route);

        // ---- events --------------------------------------------------------------------------------------
        var events = new Command("events", "follow the event stream (state changes, best-path changes) until Ctrl-C");
        events.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            api.Http.Timeout = Timeout.InfiniteTimeSpan;
            HttpResponseMessage response;
            try { response = await api.Http.GetAsync("bgp/events", HttpCompletionOption.ResponseHeadersRead, ct); }
            catch (HttpRequestException e) { throw new CliException(ExitCodes.Unavailable, $"cannot reach {api.Http.BaseAddress}: {e.Message}"); }
            using (response)
            {
                if (!response.IsSuccessStatusCode) throw new CliException((int)response.StatusCode >= 500 ? ExitCodes.Unavailable : ExitCodes.Refused, $"events: {(int)response.StatusCode}");
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                string name = "message";
                try
                {
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
                        else if (line.StartsWith("data:", StringComparison.Ordinal))
                            await output.WriteLineAsync(p.GetValue(Json) ? line[5..].Trim() : $"{DateTime.Now:HH:mm:ss} {name} {Tables.OneLine(line[5..].Trim())}");
                        await output.FlushAsync(ct);
                    }
                }
                catch (OperationCanceledException) { }
            }
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(events);

        // ---- config --------------------------------------------------------------------------------------
        var config = new Command("config", "check a configuration file, or have the service reload its own");
        var file = new Argument<string>("file");
        var reference = new Option<string?>("--reference") { Description = "the service's reference.conf (default: HOCON/reference.conf here, else the one shipped with akkabgp)" };
        var check = new Command("check", "validate a file the way the service would, without a service") { file, reference };
        check.SetAction(async (p, ct) =>
        {
            string path = p.GetValue(file)!;
            if (!File.Exists(path)) throw new CliException(ExitCodes.Usage, $"{path}: no such file");
            var result = ConfigLoader.Load(path, p.GetValue(reference) ?? ReferenceFile());
            if (p.GetValue(Json))
                await output.WriteLineAsync(JsonSerializer.Serialize(new { valid = result.IsValid, problems = result.Problems.Select(x => x.ToString()) }, Indented));
            else if (result.IsValid) await output.WriteLineAsync($"{path}: OK ({result.Config!.Neighbors.Count} neighbors)");
            else foreach (var problem in result.Problems) await error.WriteLineAsync(problem.ToString());
            return result.IsValid ? ExitCodes.Ok : ExitCodes.Refused;
        });
        var reload = new Command("reload", "have the service reload its configuration file");
        reload.SetAction(async (p, ct) =>
        {
            using var api = Client(p);
            return await Print(p, await api.SendAsync(HttpMethod.Post, "config/reload", null, ct), json => output.WriteLine(Tables.OneLine(json.ToString())));
        });
        config.Subcommands.Add(check);
        config.Subcommands.Add(reload);
        root.Subcommands.Add(config);

        // ---- bfd, rpki, mrt, bmp: one call each, shown as "key: value" lines ------------------------------------
        Command Simple(string name, string description, HttpMethod method, string path)
        {
            var command = new Command(name, description);
            command.SetAction(async (p, ct) =>
            {
                using var api = Client(p);
                return await Print(p, await api.SendAsync(method, path, null, ct), json => Tables.Generic(output, json));
            });
            return command;
        }
        root.Subcommands.Add(Simple("bfd", "BFD sessions (RFC 5880)", HttpMethod.Get, "bfd/sessions"));
        root.Subcommands.Add(Simple("rpki", "RPKI caches and VRP counts (RFC 8210)", HttpMethod.Get, "bgp/rpki"));
        var mrt = Simple("mrt", "MRT files (RFC 6396): status, or dump the table now", HttpMethod.Get, "bgp/mrt");
        mrt.Subcommands.Add(Simple("dump", "write a TABLE_DUMP_V2 file now", HttpMethod.Post, "bgp/mrt/dump"));
        root.Subcommands.Add(mrt);
        root.Subcommands.Add(Simple("bmp", "BMP collectors (RFC 7854)", HttpMethod.Get, "bgp/bmp"));
        return root;
    }

    private const int RibPage = 1000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static bool Keep(JsonElement route, string? neighbor, string? community, Regex? asPath)
    {
        if (neighbor is not null && Tables.Text(route, "neighbor") != neighbor) return false;
        var attributes = route.GetProperty("attributes");
        if (community is not null && !(attributes.TryGetProperty("communities", out var cs) && cs.ValueKind == JsonValueKind.Array
                && cs.EnumerateArray().Any(c => string.Equals(c.GetString(), community, StringComparison.OrdinalIgnoreCase))))
            return false;
        if (asPath is not null && !asPath.IsMatch(Tables.Text(attributes, "asPath") ?? "")) return false;
        return true;
    }

    /// <summary>HOCON/reference.conf under the working directory (a repository checkout), else the copy next to akkabgp.</summary>
    private static string ReferenceFile()
    {
        var local = Path.Combine("HOCON", "reference.conf");
        return File.Exists(local) ? local : Path.Combine(AppContext.BaseDirectory, "HOCON", "reference.conf");
    }
}
