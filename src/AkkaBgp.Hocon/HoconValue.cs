using System.Globalization;
using System.Text;

namespace AkkaBgp.Hocon;

public enum HoconType { Object, Array, String, Number, Boolean, Null }

/// <summary>A fully resolved value: no substitutions, concatenations or merges remain.</summary>
public abstract class HoconValue
{
    private protected HoconValue(HoconOrigin origin) => Origin = origin;

    public HoconOrigin Origin { get; }
    public abstract HoconType Type { get; }

    /// <summary>HOCON text for this value, compact and on one line, for messages.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        Render(sb);
        return sb.ToString();
    }

    internal abstract void Render(StringBuilder sb);

    /// <summary>Type and value for "found ..." in error messages, e.g. <c>string "abc"</c>.</summary>
    public string Describe() => Type switch
    {
        HoconType.String => "string " + Quote(((HoconScalar)this).Text),
        HoconType.Number => "number " + ((HoconScalar)this).Text,
        HoconType.Boolean => "boolean " + ((HoconScalar)this).Text,
        HoconType.Null => "null",
        HoconType.Array => "array " + Abbreviate(Render()),
        _ => "object " + Abbreviate(Render()),
    };

    // A whole subtree would drown the message it is quoted in.
    private static string Abbreviate(string text) => text.Length <= 80 ? text : text[..77] + "...";

    public override string ToString() => Render();

    internal static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Renders a key or string bare when it would read back as the same string.</summary>
    internal static string QuoteIfNeeded(string s, bool isKey)
    {
        if (s.Length == 0 || s == "include" && isKey) return Quote(s);
        foreach (var c in s)
        {
            if (Lexer.IsForbiddenInUnquoted(c) || char.IsWhiteSpace(c) || isKey && c == '.') return Quote(s);
        }
        if (s.Contains("//")) return Quote(s);
        if (!isKey && (s is "true" or "false" or "null" || Lexer.LooksLikeNumber(s))) return Quote(s);
        return s;
    }
}

/// <summary>A string, number, boolean or null. <see cref="Text"/> keeps the source spelling of numbers.</summary>
public sealed class HoconScalar : HoconValue
{
    internal HoconScalar(HoconType type, string text, HoconOrigin origin) : base(origin)
    {
        Type = type;
        Text = text;
    }

    public override HoconType Type { get; }
    public string Text { get; }

    internal override void Render(StringBuilder sb) =>
        sb.Append(Type == HoconType.String ? QuoteIfNeeded(Text, isKey: false) : Text);
}

public sealed class HoconArray : HoconValue
{
    internal HoconArray(IReadOnlyList<HoconValue> items, HoconOrigin origin) : base(origin) => Items = items;

    public override HoconType Type => HoconType.Array;
    public IReadOnlyList<HoconValue> Items { get; }
    public int Count => Items.Count;
    public HoconValue this[int index] => Items[index];

    internal override void Render(StringBuilder sb)
    {
        sb.Append('[');
        for (var i = 0; i < Items.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Items[i].Render(sb);
        }
        sb.Append(']');
    }
}

public sealed class HoconObject : HoconValue
{
    private readonly Dictionary<string, HoconValue> _fields;

    internal HoconObject(IReadOnlyList<string> keys, Dictionary<string, HoconValue> fields, HoconOrigin origin) : base(origin)
    {
        Keys = keys;
        _fields = fields;
    }

    public override HoconType Type => HoconType.Object;

    /// <summary>Keys in the order they first appeared (fallback keys before keys only the primary adds).</summary>
    public IReadOnlyList<string> Keys { get; }
    public int Count => Keys.Count;
    public HoconValue this[string key] => _fields[key];
    public bool ContainsKey(string key) => _fields.ContainsKey(key);
    public bool TryGetValue(string key, out HoconValue value) => _fields.TryGetValue(key, out value!);

    internal override void Render(StringBuilder sb)
    {
        if (Keys.Count == 0) { sb.Append("{}"); return; }
        sb.Append("{ ");
        for (var i = 0; i < Keys.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(QuoteIfNeeded(Keys[i], isKey: true)).Append(" = ");
            _fields[Keys[i]].Render(sb);
        }
        sb.Append(" }");
    }

    internal HoconObject WithOrigin(HoconOrigin origin) => new(Keys, _fields, origin);

    /// <summary>Merges as duplicate keys do: objects merge recursively, anything else in <paramref name="upper"/> wins.</summary>
    internal static HoconObject Merge(HoconObject lower, HoconObject upper)
    {
        var keys = new List<string>(lower.Keys);
        var fields = new Dictionary<string, HoconValue>(lower._fields);
        foreach (var k in upper.Keys)
        {
            var u = upper._fields[k];
            if (fields.TryGetValue(k, out var l))
            {
                fields[k] = l is HoconObject lo && u is HoconObject uo ? Merge(lo, uo) : u;
            }
            else
            {
                keys.Add(k);
                fields[k] = u;
            }
        }
        return new HoconObject(keys, fields, upper.Origin);
    }
}
