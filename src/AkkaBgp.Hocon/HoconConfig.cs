using System.Globalization;

namespace AkkaBgp.Hocon;

/// <summary>
/// A configuration tree. Parsing yields an unresolved config so that fallbacks can be attached before
/// substitutions are looked up (a user file may refer to a shipped default); getters resolve on first use,
/// <see cref="Resolve"/> does it up front so errors surface at load time.
/// </summary>
public sealed class HoconConfig
{
    private readonly ObjNode? _unresolved;
    private HoconObject? _root;

    private HoconConfig(ObjNode unresolved, string basePath = "")
    {
        _unresolved = unresolved;
        BasePath = basePath;
    }

    private HoconConfig(HoconObject root, string basePath)
    {
        _root = root;
        BasePath = basePath;
    }

    public static HoconConfig Empty { get; } = new(new HoconObject([], [], HoconOrigin.None), "");

    /// <summary>Where this config sits in the tree it was taken from, as shown in messages (e.g. <c>akka-bgp.neighbors[2]</c>); empty for a root.</summary>
    public string BasePath { get; }

    public bool IsResolved => _root != null;

    /// <param name="sourceName">Name used in origins and messages.</param>
    /// <param name="baseDirectory">Where relative includes are looked for; defaults to the directory of <paramref name="sourceName"/>.</param>
    public static HoconConfig ParseString(string text, string sourceName = "(string)", string? baseDirectory = null)
    {
        var dir = baseDirectory ?? Path.GetDirectoryName(sourceName) ?? "";
        return new HoconConfig(Parser.ParseText(text, sourceName, dir, new HashSet<string>(StringComparer.Ordinal)));
    }

    /// <summary>Parses a file; origins name it as <paramref name="path"/> was given, includes are relative to its directory.</summary>
    public static HoconConfig ParseFile(string path) =>
        new(Parser.ParseFile(path, new HashSet<string>(StringComparer.Ordinal), null));

    /// <summary>
    /// This config with <paramref name="fallback"/> underneath: as if the fallback's text came first and this
    /// config's text after it, so objects merge and other values here win. Substitutions are resolved
    /// afterwards against the merged tree.
    /// </summary>
    public HoconConfig WithFallback(HoconConfig fallback)
    {
        var merged = new ObjNode(fallback.Node().Origin);
        merged.AddAll(fallback.Node());
        merged.AddAll(Node());
        return new HoconConfig(merged, BasePath);
    }

    private ObjNode Node() => _unresolved ?? ObjNode.FromResolved(_root!);

    /// <summary>
    /// Resolves substitutions, falling back to environment variables for paths not in the tree. Resolution
    /// happens once: a config already resolved (explicitly or by a getter) returns itself and ignores
    /// <paramref name="environment"/>. Call it before sharing a config between threads.
    /// </summary>
    /// <param name="environment">Environment lookup; defaults to the process environment.</param>
    public HoconConfig Resolve(Func<string, string?>? environment = null)
    {
        if (_root != null) return this;
        var root = new Resolver(_unresolved!, environment ?? Environment.GetEnvironmentVariable).ResolveRoot();
        _root = root;
        return this;
    }

    public HoconObject Root
    {
        get
        {
            Resolve();
            return _root!;
        }
    }

    public HoconOrigin Origin => Root.Origin;

    /// <summary>The path as shown in messages, prefixed with <see cref="BasePath"/>.</summary>
    public string FullPath(string path) => FullPathOf(PathExpression.Parse(path));

    /// <summary>"path (file:line:column)" for messages about a value, e.g. <c>akka-bgp.neighbors[2].hold-time (conf/x.conf:14:5)</c>.</summary>
    public string Describe(string path)
    {
        var value = TryGetValue(path);
        return value == null ? FullPath(path) : $"{FullPath(path)} ({value.Origin})";
    }

    /// <summary>A value or null when missing. A value set to null is returned as a null-typed scalar.</summary>
    public HoconValue? TryGetValue(string path)
    {
        HoconValue current = Root;
        foreach (var segment in PathExpression.Parse(path))
        {
            if (current is not HoconObject obj || !obj.TryGetValue(segment, out var next)) return null;
            current = next;
        }
        return current;
    }

    /// <summary>True when the path has a value other than null (as in the spec's API).</summary>
    public bool HasPath(string path) => TryGetValue(path) is { Type: not HoconType.Null };

    public bool IsNull(string path) => TryGetValue(path) is { Type: HoconType.Null };

    public HoconValue GetValue(string path)
    {
        HoconValue current = Root;
        var segments = PathExpression.Parse(path);
        for (var i = 0; i < segments.Length; i++)
        {
            if (current is not HoconObject obj)
            {
                var parent = FullPathOf(segments[..i]);
                throw new HoconException(current.Origin, $"{FullPath(path)}: {parent} is {current.Describe()}, not an object");
            }
            if (!obj.TryGetValue(segments[i], out var next))
            {
                throw new HoconException(obj.Origin, $"{FullPath(path)}: missing (no value at this path)");
            }
            current = next;
        }
        return current;
    }

    private string FullPathOf(string[] segments)
    {
        var rendered = PathExpression.Render(segments);
        if (BasePath.Length == 0) return rendered;
        return rendered.Length == 0 ? BasePath : BasePath + "." + rendered;
    }

    public HoconOrigin GetOrigin(string path) => GetValue(path).Origin;

    /// <summary>The value at <paramref name="path"/> as HOCON text, e.g. <c>2s</c> or <c>[1, 2]</c>.</summary>
    public string Render(string path = "") => GetValue(path).Render();

    private HoconException TypeError(string path, HoconValue value, string expected) =>
        new(value.Origin, $"{FullPath(path)}: expected {expected}, found {value.Describe()}");

    private HoconScalar Scalar(string path, string expected)
    {
        var value = GetValue(path);
        if (value is HoconScalar { Type: not HoconType.Null } s) return s;
        throw TypeError(path, value, expected);
    }

    public string GetString(string path) => Scalar(path, "a string").Text;

    public string GetString(string path, string defaultValue) => HasPath(path) ? GetString(path) : defaultValue;

    public bool GetBoolean(string path)
    {
        var s = Scalar(path, "a boolean");
        return s.Text switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw TypeError(path, s, "a boolean (true/false, yes/no, on/off)"),
        };
    }

    public bool GetBoolean(string path, bool defaultValue) => HasPath(path) ? GetBoolean(path) : defaultValue;

    public double GetDouble(string path)
    {
        var s = Scalar(path, "a number");
        if (Lexer.LooksLikeNumber(s.Text.Trim()) &&
            double.TryParse(s.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }
        throw TypeError(path, s, "a number");
    }

    public long GetLong(string path)
    {
        var s = Scalar(path, "a number");
        var text = s.Text.Trim();
        if (!Lexer.LooksLikeNumber(text)) throw TypeError(path, s, "a number");
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m == decimal.Truncate(m)
            && m >= long.MinValue && m <= long.MaxValue)
        {
            return (long)m;
        }
        throw TypeError(path, s, "a whole number in the 64-bit range");
    }

    public long GetLong(string path, long defaultValue) => HasPath(path) ? GetLong(path) : defaultValue;

    public int GetInt(string path)
    {
        var l = GetLong(path);
        if (l is < int.MinValue or > int.MaxValue) throw TypeError(path, GetValue(path), "a whole number in the 32-bit range");
        return (int)l;
    }

    public int GetInt(string path, int defaultValue) => HasPath(path) ? GetInt(path) : defaultValue;

    /// <summary>Durations with units ns, us, ms, s, m, h, d or long forms (<c>90s</c>, <c>90 seconds</c>); bare numbers are milliseconds.</summary>
    public TimeSpan GetDuration(string path)
    {
        var s = Scalar(path, "a duration");
        return Units.ParseDuration(s.Text, out var expected) ?? throw TypeError(path, s, expected);
    }

    public TimeSpan GetDuration(string path, TimeSpan defaultValue) => HasPath(path) ? GetDuration(path) : defaultValue;

    /// <summary>Sizes with units B, kB/MB/... (powers of ten), K/Ki/KiB, M/Mi/MiB, ... (powers of two); bare numbers are bytes.</summary>
    public long GetBytes(string path)
    {
        var s = Scalar(path, "a size in bytes");
        return Units.ParseBytes(s.Text, out var expected) ?? throw TypeError(path, s, expected);
    }

    public HoconConfig GetConfig(string path) => new(ObjectAt(path), FullPath(path));

    private HoconObject ObjectAt(string path)
    {
        var value = GetValue(path);
        return value as HoconObject ?? throw TypeError(path, value, "an object");
    }

    /// <summary>The elements of an array; an object with keys 0, 1, 2... counts as an array (spec: handy for environment overrides).</summary>
    public IReadOnlyList<HoconValue> GetList(string path)
    {
        var value = GetValue(path);
        switch (value)
        {
            case HoconArray array:
                return array.Items;
            case HoconObject obj when obj.Keys.Count > 0 && obj.Keys.All(k => k.Length > 0 && k.All(char.IsAsciiDigit)):
                return obj.Keys
                    .Select(k => (Index: int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue, Value: obj[k]))
                    .OrderBy(e => e.Index)
                    .Select(e => e.Value)
                    .ToList();
            default:
                throw TypeError(path, value, "an array");
        }
    }

    public IReadOnlyList<string> GetStringList(string path)
    {
        var items = GetList(path);
        var result = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not HoconScalar { Type: not HoconType.Null } s)
            {
                throw new HoconException(items[i].Origin, $"{FullPath(path)}[{i}]: expected a string, found {items[i].Describe()}");
            }
            result.Add(s.Text);
        }
        return result;
    }

    /// <summary>Each element as a config whose <see cref="BasePath"/> is <c>path[i]</c>, so messages about it name the element.</summary>
    public IReadOnlyList<HoconConfig> GetConfigList(string path)
    {
        var items = GetList(path);
        var result = new List<HoconConfig>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not HoconObject obj)
            {
                throw new HoconException(items[i].Origin, $"{FullPath(path)}[{i}]: expected an object, found {items[i].Describe()}");
            }
            result.Add(new HoconConfig(obj, $"{FullPath(path)}[{i}]"));
        }
        return result;
    }

    /// <summary>Direct keys of the object at <paramref name="path"/> (the root when empty), in source order.</summary>
    public IReadOnlyList<string> GetKeys(string path = "") => ObjectAt(path).Keys;

    /// <summary>
    /// Every leaf under <paramref name="path"/> as a path expression relative to it (objects are descended,
    /// arrays and scalars are leaves), in source order; for "unknown key" checks.
    /// </summary>
    public IReadOnlyList<string> GetLeafPaths(string path = "")
    {
        var result = new List<string>();
        Collect(ObjectAt(path), [], result);
        return result;

        static void Collect(HoconObject obj, List<string> prefix, List<string> result)
        {
            foreach (var k in obj.Keys)
            {
                prefix.Add(k);
                if (obj[k] is HoconObject child && child.Count > 0) Collect(child, prefix, result);
                else result.Add(PathExpression.Render(prefix));
                prefix.RemoveAt(prefix.Count - 1);
            }
        }
    }

    /// <summary>Quotes a key for use in a path given to the getters, e.g. <c>"10.0.0.1"</c>.</summary>
    public static string QuoteKey(string key) => HoconValue.QuoteIfNeeded(key, isKey: true);

    public override string ToString() => Root.Render();
}
