using System.Globalization;
using AkkaBgp.Hocon;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// One object of the configuration being read: typed getters that record a problem instead of throwing, so
/// reading goes on and every problem in the file is reported in one pass. Getters return null when the
/// value is missing, null, or wrong (and then a problem is recorded).
/// </summary>
/// <remarks>
/// A neighbor is read from its own entry merged over neighbor-defaults. Problems with values that came from
/// the defaults were already reported when the defaults were read; <see cref="_own"/> is the entry as written,
/// and only problems with keys it sets are reported again, so one bad default does not show up once per neighbor.
/// </remarks>
internal sealed class ConfigSection
{
    private readonly List<ConfigProblem> _problems;
    private readonly bool _checkOwnership;
    private readonly HoconObject? _own;

    public ConfigSection(HoconConfig config, List<ConfigProblem> problems) : this(config, problems, false, null) { }

    private ConfigSection(HoconConfig config, List<ConfigProblem> problems, bool checkOwnership, HoconObject? own)
    {
        Config = config;
        _problems = problems;
        _checkOwnership = checkOwnership;
        _own = own;
    }

    public HoconConfig Config { get; }

    /// <summary>How many problems the whole read has recorded so far (to tell whether one section added any).</summary>
    public int ProblemCount => _problems.Count;

    /// <summary>This section merged over <paramref name="defaults"/>, reporting only problems with keys set here.</summary>
    public ConfigSection OverDefaults(HoconConfig defaults) =>
        new(Config.WithFallback(defaults).Resolve(), _problems, true, Config.Root);

    public bool Owns(string key) => !_checkOwnership || _own != null && _own.ContainsKey(key);

    /// <summary>True when the key has a non-null value.</summary>
    public bool Has(string key) => Config.HasPath(HoconConfig.QuoteKey(key));

    public HoconOrigin? OriginOf(string key) => Config.TryGetValue(HoconConfig.QuoteKey(key))?.Origin;

    public void Problem(string key, string message)
    {
        if (Owns(key)) Add(key, message);
    }

    /// <summary>A problem between two settings, reported at <paramref name="key"/> when either one is set here.</summary>
    public void Problem(string key, string otherKey, string message)
    {
        if (Owns(key) || Owns(otherKey)) Add(key, message);
    }

    private void Add(string key, string message)
    {
        var quoted = HoconConfig.QuoteKey(key);
        // A missing key is located at the object that lacks it: the entry as written, not the defaults under it.
        var origin = Config.TryGetValue(quoted)?.Origin ?? _own?.Origin ?? Config.Origin;
        _problems.Add(new ConfigProblem(Config.FullPath(quoted), origin, message));
    }

    /// <summary>Records "required" (whatever the ownership: nobody else will) and returns false when the key has no value.</summary>
    public bool Require(string key, string what)
    {
        if (Has(key)) return true;
        Add(key, Config.IsNull(HoconConfig.QuoteKey(key)) ? $"required ({what}), but set to null" : $"required ({what})");
        return false;
    }

    public void CheckKeys(IReadOnlyCollection<string> known, IReadOnlyDictionary<string, string>? misplaced = null)
    {
        foreach (var key in Config.GetKeys())
        {
            if (known.Contains(key)) continue;
            if (misplaced != null && misplaced.TryGetValue(key, out var why))
            {
                Problem(key, why);
                continue;
            }
            var suggestion = KeySuggestion.Closest(key, known);
            Problem(key, suggestion != null
                ? $"unknown key, did you mean {suggestion}?"
                : known.Count <= 8 ? $"unknown key (known here: {string.Join(", ", known)})" : "unknown key (HOCON/reference.conf lists every setting)");
        }
    }

    /// <summary>
    /// False when the key has no value, or when <paramref name="getter"/> finds the wrong kind of value (then a
    /// problem is recorded): every typed getter goes through here.
    /// </summary>
    private bool TryRead<T>(string key, Func<HoconConfig, string, T> getter, out T value)
    {
        value = default!;
        var quoted = HoconConfig.QuoteKey(key);
        if (!Config.HasPath(quoted)) return false;
        try
        {
            value = getter(Config, quoted);
            return true;
        }
        catch (HoconException e)
        {
            Problem(key, WithoutPath(e.Reason, Config.FullPath(quoted)));
            return false;
        }
    }

    private T? Get<T>(string key, Func<HoconConfig, string, T> getter) where T : struct =>
        TryRead(key, getter, out var value) ? value : null;

    private static string WithoutPath(string reason, string fullPath) =>
        reason.StartsWith(fullPath + ": ", StringComparison.Ordinal) ? reason[(fullPath.Length + 2)..] : reason;

    public string? String(string key) => TryRead(key, (c, k) => c.GetString(k), out var s) ? s : null;

    public bool? Bool(string key) => Get(key, (c, k) => c.GetBoolean(k));

    public long? Long(string key) => Get(key, (c, k) => c.GetLong(k));

    public TimeSpan? Duration(string key)
    {
        var d = Get(key, (c, k) => c.GetDuration(k));
        if (d < TimeSpan.Zero)
        {
            Problem(key, $"{Render(key)} is negative");
            return null;
        }
        return d;
    }

    /// <summary>The value as written, for messages; a bare number gets a note that it was read as milliseconds.</summary>
    public string Render(string key) => Config.Render(HoconConfig.QuoteKey(key));

    public string DurationText(string key)
    {
        var v = Config.TryGetValue(HoconConfig.QuoteKey(key));
        return v is HoconScalar { Type: HoconType.Number } ? $"{v.Render()} (a bare number is milliseconds)" : Render(key);
    }

    /// <summary>A whole number within [min, max]; outside it records "<paramref name="what"/> must be ...".</summary>
    public long? Number(string key, long min, long max)
    {
        var v = Long(key);
        if (v == null) return null;
        if (v < min || v > max)
        {
            Problem(key, $"{Render(key)} is out of range ({min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)})");
            return null;
        }
        return v;
    }

    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> choices) where T : struct
    {
        var s = String(key);
        if (s == null) return null;
        if (choices.TryGetValue(s.ToLowerInvariant(), out var value)) return value;
        Problem(key, $"{HoconValueText(s)} is not one of {string.Join(", ", choices.Keys)}");
        return null;
    }

    private static string HoconValueText(string s) => "\"" + s + "\"";

    public ConfigSection? Object(string key)
    {
        if (!TryRead(key, (c, k) => c.GetConfig(k), out var sub)) return null;
        var own = _own != null && _own.TryGetValue(key, out var o) ? o as HoconObject : null;
        return new ConfigSection(sub, _problems, _checkOwnership, own);
    }

    /// <summary>Elements of an array of objects; a wrong element is reported and skipped.</summary>
    public IReadOnlyList<ConfigSection> ObjectList(string key)
    {
        if (!TryRead(key, (c, k) => c.GetList(k), out var items)) return [];
        var quoted = HoconConfig.QuoteKey(key);
        var result = new List<ConfigSection>();
        var ownItems = _own != null && _own.TryGetValue(key, out var o) ? o : null;
        var wrong = false;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is HoconObject) continue;
            wrong = true;
            if (Owns(key)) _problems.Add(new ConfigProblem($"{Config.FullPath(quoted)}[{i}]", items[i].Origin, $"expected an object, found {items[i].Describe()}"));
        }
        // GetConfigList names each element by its index (akka-bgp.neighbors[3]) but takes only objects.
        if (wrong) return [];
        var elements = Config.GetConfigList(quoted);
        for (var i = 0; i < elements.Count; i++)
        {
            var own = ownItems is HoconArray a && i < a.Count ? a[i] as HoconObject : null;
            result.Add(new ConfigSection(elements[i], _problems, _checkOwnership, own));
        }
        return result;
    }

    /// <summary>Strings of an array (numbers and booleans count as their text) with each element's path and origin.</summary>
    public IReadOnlyList<ListItem> StringList(string key)
    {
        if (!TryRead(key, (c, k) => c.GetList(k), out var items)) return [];
        var quoted = HoconConfig.QuoteKey(key);
        var result = new List<ListItem>();
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{Config.FullPath(quoted)}[{i}]";
            if (items[i] is HoconScalar { Type: not HoconType.Null } s) result.Add(new ListItem(s.Text, path, s.Origin));
            else if (Owns(key)) _problems.Add(new ConfigProblem(path, items[i].Origin, $"expected a string, found {items[i].Describe()}"));
        }
        return result;
    }

    /// <summary>A problem with one element of a list read by <see cref="StringList"/>.</summary>
    public void Problem(string key, ListItem item, string message)
    {
        if (Owns(key)) _problems.Add(new ConfigProblem(item.Path, item.Origin, message));
    }
}

internal sealed record ListItem(string Text, string Path, HoconOrigin Origin);
