using System.Text.RegularExpressions;
using AkkaBgp.Hocon;
using AkkaConfig = Akka.Configuration.ConfigurationFactory;
using AkkaValue = Akka.Configuration.Hocon.HoconValue;

// Cases from tests/AkkaBgp.Hocon.Tests (Syntax, Substitution, TrickyCase, Getter, Error): the text, and for the valid
// ones the environment our reader resolves with. Akka.NET's parser has no environment hook; it reads the process
// environment, so the variables are set for the run.
var valid = new (string Name, string Text, Dictionary<string, string>? Env)[]
{
    ("comments", "# hash comment\na = 1 // slash comment\nb = \"x // not a comment # either\"\n// last", null),
    ("separators", "a = 1\nb : 2\nc { d = 3 }\ne: { f: 4 }", null),
    ("json", """{ "a": {"b": [1, 2.5, "x", true, null]}, "c": false }""", null),
    ("commas and newlines", "a = 1, b = 2,\nc = [1, 2,]\nd = [\n 3\n 4\n]\ne { x = 1, }", null),
    ("empty object", "a {}\nb = 1", null),
    ("escapes", """a = "q\" b\\ s\/ \b\f\n\r\t \u00e9 \u20AC" """, null),
    ("triple quotes", "a = \"\"\"line1\n  \\n \"quoted\" line2\"\"\"\nb = \"\"\"x\"\"\"\"\"", null),
    ("unquoted typed only alone", "n = 42\nf = -1.5e3\nt = true\nz = null\ns = hello\nip = 10.0.0.1\nv = 1 2\nw = true false", null),
    ("string concatenation", "a =   foo   bar\t\"baz \"qux   \nb = include", null),
    ("path expressions", "a.b.c = 1\na.b.d = 2\npeers.\"10.0.0.1\".hold-time = 90s\n\"x.y\" = 3\nfoo include : 4\n\"include\" = 5", null),
    ("duplicate keys merge", "a { x = 1, y = 2 }\na { y = 3, z = 4 }\nb = 1\nb = 2\nc { x = 1 }\nc = 5\nd { x = 1 }\nd = null\nd { y = 2 }", null),
    ("object and array concatenation", "o = { a = 1 } { b = 2 } { a = 3 }\nl = [1, 2] [3] []", null),
    ("plus equals", "a = [1]\na += 2\na += [3]\nb += x\nnested { l += 1, l += 2 }", null),
    ("key order", "z = 1\na = 2\nm { q = 1, b = 2 }\nz = 3", null),
    ("crlf and bom", "\uFEFFa = 1\r\nb = two words\r\n", null),
    ("forward substitution", "a = ${b}\nb = 42\no = ${defaults}\ndefaults { hold = 90s }", null),
    ("substitution sees the final value", "bar { foo = 42, baz = ${bar.foo} }\nbar { foo = 43 }", null),
    ("substitution inside an object", "bar : { foo : 42,\n baz : ${bar.foo} }", null),
    ("substitution in a string", "animal.favorite = dog\na = ${animal.favorite} is my favorite animal\nb = ${animal.favorite}\" is quoted\"", null),
    ("substitution of arrays and objects", "base = [1, 2]\nmore = ${base} [3] ${base}\ndefaults { a = 1, b = 2 }\nobj = ${defaults} { c = 3 }", null),
    ("self reference", "path = \"/bin\"\npath = ${path}\":/usr/bin\"\nlist = [a]\nlist = ${list} [b]", null),
    ("environment fallback", "PATH = ${PATH}\":/opt/bgp\"", new() { ["PATH"] = "/usr/bin" }),
    ("optional, missing", "a = ${?nope}\nb = 1\nb = ${?nope}\nc = [${?nope}, 2]\nd = x${?nope}y", null),
    ("optional from environment", "router-id = 10.0.0.1\nrouter-id = ${?BGP_ROUTER_ID}\nlocal-as = 65000\nlocal-as = ${?BGP_LOCAL_AS}", new() { ["BGP_LOCAL_AS"] = "65001" }),
    ("null blocks environment", "HOME = null\nh = ${HOME}", new() { ["HOME"] = "/home/u" }),
    ("null in a string", "n = null\ns = a${n}b", null),
    ("plus equals ignores environment", "list += 1", new() { ["list"] = "oops" }),
    ("defaults merged into list entries", "defaults { hold-time = 90s }\nneighbors = [\n  ${defaults} { address = 10.0.0.1 }\n  ${defaults} { address = 10.0.0.2, hold-time = 30s }\n]", null),
    ("quoted path in substitution", "peers { \"10.0.0.1\" { as = 65001 } }\nx = ${peers.\"10.0.0.1\".as}", null),
    ("optional self reference", "a = ${?a}\nb = 1", null),
    ("object replaced by a value from inside it", "foo { a = 1 }\nfoo = ${foo.a}", null),
    ("chained self references", "a.b = 1\na.b = ${a.b}2\na.c = ${a.b}", null),
    ("optional in concatenations", "l = [1] ${?nope} [2]\no = { a = 1 } ${?nope}", null),
    ("substituted object merges", "extra { y = 2 }\nfoo { x = 1 }\nfoo = ${extra}", null),
    ("value hides earlier object", "foo { x = 1 }\nfoo = ${n}\nfoo { y = 2 }\nn = 5", null),
    ("substitution inside a substituted object", "base { port = ${default-port}, addr = \"[::1]:\"${base.port} }\ndefault-port = 179\ncopy = ${base}", null),
    ("number-like keys", "1.5 = x\n\"1.5\" = y", null),
    ("slashes in unquoted strings", "p = /var/lib/bgp-state\nq = a/b//comment", null),
    ("blank lines and indentation", "a = 1\n\n\nb = two\n  three = 3", null),
    ("numbered keys from environment", "listen.0 = ${?LISTEN_0}\nlisten.1 = ${?LISTEN_1}", new() { ["LISTEN_0"] = "127.0.0.1:1179", ["LISTEN_1"] = "[::1]:1179" }),
    ("forty keys", "x { " + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"k{i} = {i}")) + " }", null),
    ("self reference extended by an object", "a { b = 1 }\na = ${a} { c = ${a.b} }", null),
    ("typed getters", "a = \"65001\"\nb = 4294967295\nc = 2.5\nd = yes\ne = off", null),
    ("nested lists of objects", "akka-bgp {\n  neighbors = [\n    { address = 10.0.0.1 }\n    { address = 10.0.0.2, port = 1179 }\n  ]\n}", null),
    ("numerically indexed object", "l.1 = b\nl.0 = a\nl.10 = c", null),
    ("mixed document", "akka-bgp { router-id = 1.2.3.4, management { port = 8558, token = null }, peers { \"10.0.0.1\" { x = 1 } }, empty {} }", null),
};

// Our reader refuses each of these with file:line:col (ErrorTests); does Akka.NET's?
var broken = new[]
{
    "a {\n  hold-time }", "a = 1 2 ]", "a { b = 1", "a = [1, 2", "a = ", "a = }", "= 1", "a = 1,,\nb = 2", "a = [1,,2]",
    "url = http://x", "a = \"abc\nb = 1", "a = \"x\\qy\"", "a = x*y", "a = ${b", "${x} = 1", "[1, 2]", "{ a = 1 } b = 2",
    "a = { x = 1 } foo", "a = ${missing}", "a = ${b}\nb = ${c}\nc = ${a}",
};

// Child mode: one case through Akka.NET's parser, the outcome on stdout. Each case runs in a process of its own
// because some inputs make the parser loop forever or overflow the stack, which no try/catch survives.
if (args.Length == 2 && args[0] == "--akka")
{
    var index = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
    var text = index < valid.Length ? valid[index].Text : broken[index - valid.Length];
    try
    {
        foreach (var (k, v) in Leaves2(AkkaConfig.ParseString(text).Root))
            Console.WriteLine($"{k}\t{v.Replace("\\", "\\\\").Replace("\n", "\\n").Replace("\r", "\\r")}");
        Console.WriteLine("\u0001ok");
    }
    catch (Exception e)
    {
        Console.WriteLine($"\u0001{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
    }
    return;
}

var timeout = TimeSpan.FromSeconds(5);
int agree = 0, differ = 0, akkaErrors = 0, akkaHangs = 0;
Console.WriteLine("| case | Akka.NET 1.5.75 |\n|---|---|");
foreach (var (name, text, env) in valid)
{
    foreach (var (k, v) in env ?? []) Environment.SetEnvironmentVariable(k, v);
    var ours = Leaves(HoconConfig.ParseString(text, "t.conf").Resolve(n => env?.GetValueOrDefault(n)).Root);
    var (outcome, akka) = RunAkka(Array.FindIndex(valid, c => c.Name == name));
    foreach (var (k, _) in env ?? []) Environment.SetEnvironmentVariable(k, null);
    string verdict;
    if (outcome == "hang") { akkaHangs++; verdict = "**hangs** (no answer in 5 s)"; }
    else if (outcome.StartsWith("crash", StringComparison.Ordinal)) { akkaHangs++; verdict = "**crashes the process**: " + outcome; }
    else if (akka is null) { akkaErrors++; verdict = "**rejects**: " + outcome; }
    else
    {
        var diffs = ours.Keys.Union(akka.Keys).Order(StringComparer.Ordinal).Where(k => ours.GetValueOrDefault(k) != akka.GetValueOrDefault(k))
            .Select(k => $"`{k}`: ours {Show(ours.GetValueOrDefault(k))}, Akka {Show(akka.GetValueOrDefault(k))}").ToArray();
        if (diffs.Length == 0) { agree++; verdict = "same values"; }
        else { differ++; verdict = "**differs**: " + string.Join("; ", diffs.Take(3)) + (diffs.Length > 3 ? $" (+{diffs.Length - 3})" : ""); }
    }
    Console.WriteLine($"| {name} | {verdict} |");
}
Console.WriteLine($"\nValid cases: {valid.Length}; same values {agree}, different values {differ}, rejected {akkaErrors}, hung or crashed {akkaHangs}.\n");

int rejectedWithPosition = 0, rejectedWithout = 0, accepted = 0, hung = 0;
Console.WriteLine("| broken text | ours | Akka.NET 1.5.75 |\n|---|---|---|");
for (var b = 0; b < broken.Length; b++)
{
    var text = broken[b];
    string our;
    try { HoconConfig.ParseString(text, "t.conf").Resolve(_ => null); our = "accepted"; }
    catch (HoconException e) { our = e.Message; }
    var (outcome, akka) = RunAkka(valid.Length + b);
    string verdict;
    if (outcome == "hang" || outcome.StartsWith("crash", StringComparison.Ordinal)) { hung++; verdict = outcome == "hang" ? "**hangs**" : "**crashes the process**"; }
    else if (akka is not null) { accepted++; verdict = "**accepted**: " + string.Join(", ", akka.Select(kv => $"{kv.Key} = {Show(kv.Value)}")); }
    else if (Regex.IsMatch(outcome, @"[Ll]ine\s*\d|:\d+:\d+|position|column", RegexOptions.IgnoreCase)) { rejectedWithPosition++; verdict = outcome; }
    else { rejectedWithout++; verdict = outcome; }
    Console.WriteLine($"| `{text.Replace("\n", "\\n").Replace("|", "\\|")}` | {our.Replace("|", "\\|")} | {verdict.Replace("|", "\\|")} |");
}
Console.WriteLine($"\nBroken texts: {broken.Length}; Akka rejects with a position {rejectedWithPosition}, rejects without one {rejectedWithout}, accepts {accepted}, hangs or crashes {hung}.");

(string Outcome, SortedDictionary<string, string>? Leaves) RunAkka(int index)
{
    var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[] { typeof(HoconConfig).Assembly.Location.Replace("AkkaBgp.Hocon.dll", "HoconParserComparison.dll"), "--akka", index.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        psi.ArgumentList.Add(a);
    using var p = System.Diagnostics.Process.Start(psi)!;
    var output = p.StandardOutput.ReadToEndAsync();
    _ = p.StandardError.ReadToEndAsync();
    if (!p.WaitForExit(timeout))
    {
        p.Kill(entireProcessTree: true);
        return ("hang", null);
    }
    var lines = output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    var last = lines.LastOrDefault(l => l.StartsWith('\u0001'));
    if (last is null) return ($"crash (exit code {p.ExitCode})", null);
    if (last != "\u0001ok") return (last[1..], null);
    var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
    foreach (var l in lines.Where(l => !l.StartsWith('\u0001')))
    {
        var tab = l.IndexOf('\t');
        leaves[l[..tab]] = l[(tab + 1)..].Replace("\\n", "\n").Replace("\\r", "\r").Replace("\\\\", "\\");
    }
    return ("ok", leaves);
}

static string Show(string? v) => v is null ? "(absent)" : "`" + v.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t") + "`";

static SortedDictionary<string, string> Leaves(HoconValue root)
{
    var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
    void Walk(string path, HoconValue v)
    {
        switch (v)
        {
            case HoconObject o: foreach (var k in o.Keys) Walk(path.Length == 0 ? k : path + "." + k, o[k]); break;
            case HoconArray a: for (var i = 0; i < a.Count; i++) Walk($"{path}[{i}]", a[i]); break;
            case HoconScalar s: leaves[path] = s.Type == HoconType.Null ? "null" : s.Text; break;
        }
    }
    Walk("", root);
    return leaves;
}

static SortedDictionary<string, string> Leaves2(AkkaValue root)
{
    var leaves = new SortedDictionary<string, string>(StringComparer.Ordinal);
    void Walk(string path, AkkaValue v)
    {
        if (v.IsObject()) foreach (var (k, child) in v.GetObject().Items) Walk(path.Length == 0 ? k : path + "." + k, child);
        else if (v.IsArray()) { var items = v.GetArray(); for (var i = 0; i < items.Count; i++) Walk($"{path}[{i}]", items[i]); }
        else if (v.Values.Count > 0 && v.Values.All(e => e is Akka.Configuration.Hocon.HoconArray)) { }
        else leaves[path] = v.GetString() ?? "null";
    }
    Walk("", root);
    return leaves;
}
