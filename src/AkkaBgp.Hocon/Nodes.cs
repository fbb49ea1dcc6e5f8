namespace AkkaBgp.Hocon;

/// <summary>
/// Parsed but unresolved values. Substitutions can look forward and into fallbacks, so nothing that
/// depends on them can be decided until the whole tree is assembled.
/// </summary>
internal abstract class Node(HoconOrigin origin)
{
    public HoconOrigin Origin { get; } = origin;
}

/// <summary>
/// Every definition of a key is kept in order (its "stack") instead of being merged eagerly:
/// whether two definitions merge depends on whether the ones in between turn out to be objects,
/// which substitutions hide until resolution.
/// </summary>
internal sealed class ObjNode(HoconOrigin origin) : Node(origin)
{
    public List<string> Order { get; } = [];
    public Dictionary<string, List<Node>> Fields { get; } = new(StringComparer.Ordinal);

    public void Add(string key, Node value)
    {
        if (!Fields.TryGetValue(key, out var stack))
        {
            stack = [];
            Fields[key] = stack;
            Order.Add(key);
        }
        stack.Add(value);
    }

    public void AddAll(ObjNode other)
    {
        foreach (var k in other.Order)
        {
            foreach (var v in other.Fields[k]) Add(k, v);
        }
    }

    public static ObjNode FromResolved(HoconObject obj)
    {
        var node = new ObjNode(obj.Origin);
        foreach (var k in obj.Keys) node.Add(k, new ResolvedNode(obj[k]));
        return node;
    }
}

internal sealed class ArrNode(HoconOrigin origin, List<Node> items) : Node(origin)
{
    public List<Node> Items { get; } = items;
}

/// <summary>A literal. <see cref="IsWhitespace"/> marks the spaces between parts of a concatenation.</summary>
internal sealed class ScalarNode(HoconOrigin origin, HoconType type, string text, bool isWhitespace = false) : Node(origin)
{
    public HoconType Type { get; } = type;
    public string Text { get; } = text;
    public bool IsWhitespace { get; } = isWhitespace;
}

internal sealed class SubNode(HoconOrigin origin, string[] path, bool optional) : Node(origin)
{
    /// <summary>Absolute path, already prefixed with the include point for included files.</summary>
    public string[] Path { get; set; } = path;

    /// <summary>The path as written in an included file, tried when the prefixed one is missing.</summary>
    public string[]? Unprefixed { get; set; }
    public bool Optional { get; } = optional;
}

/// <summary>The value this field had before the current definition; what <c>+=</c> appends to.</summary>
internal sealed class PreviousValueNode(HoconOrigin origin) : Node(origin);

internal sealed class ConcatNode(HoconOrigin origin, List<Node> parts) : Node(origin)
{
    public List<Node> Parts { get; } = parts;
}

/// <summary>An already resolved value placed back into an unresolved tree (WithFallback on resolved configs).</summary>
internal sealed class ResolvedNode(HoconValue value) : Node(value.Origin)
{
    public HoconValue Value { get; } = value;
}
