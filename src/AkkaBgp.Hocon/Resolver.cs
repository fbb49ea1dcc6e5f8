namespace AkkaBgp.Hocon;

/// <summary>
/// Turns the unresolved tree into values. A field's definitions are folded in order (objects merge,
/// anything else replaces); substitutions are looked up lazily field by field, so an object may refer
/// to its own members without the whole object being in progress. A fold that is an object is an
/// <see cref="ObjNode"/> whose field stacks are still unfolded; a merge builds a new one, so the parsed
/// tree is never changed.
/// </summary>
internal sealed class Resolver
{
    private sealed record Enclosing(string[] Path, object? Previous);

    private readonly ObjNode _root;
    private readonly Func<string, string?> _environment;
    private readonly Dictionary<string, object?> _folded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HoconValue?> _values = new(StringComparer.Ordinal);
    private readonly List<string[]> _inProgress = [];
    private readonly HashSet<string> _inProgressKeys = new(StringComparer.Ordinal);

    public Resolver(ObjNode root, Func<string, string?> environment)
    {
        _root = root;
        _environment = environment;
    }

    public HoconObject ResolveRoot() => (HoconObject)ValueAt([])!;

    private static string Key(string[] path) => string.Join('\u0001', path);

    /// <summary>The final value at an absolute path, or null when there is none.</summary>
    private HoconValue? ValueAt(string[] path)
    {
        var key = Key(path);
        if (_values.TryGetValue(key, out var done)) return done;
        var folded = FoldedAt(path);
        var value = folded is ObjNode obj
            ? ToObject(obj, k => ValueAt([.. path, k]))
            : (HoconValue?)folded;
        _values[key] = value;
        return value;
    }

    /// <summary>The object whose fields are <paramref name="fieldValue"/> of each key, in order; keys without a value are left out.</summary>
    private static HoconObject ToObject(ObjNode node, Func<string, HoconValue?> fieldValue)
    {
        var keys = new List<string>();
        var fields = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        foreach (var k in node.Order)
        {
            var child = fieldValue(k);
            if (child == null) continue;
            keys.Add(k);
            fields[k] = child;
        }
        return new HoconObject(keys, fields, node.Origin);
    }

    /// <summary>The final fold at an absolute path: an <see cref="ObjNode"/>, a <see cref="HoconValue"/> or null.</summary>
    private object? FoldedAt(string[] path)
    {
        if (path.Length == 0) return _root;
        var key = Key(path);
        if (_folded.TryGetValue(key, out var done)) return done;
        object? result = null;
        if (FoldedAt(path[..^1]) is ObjNode parent && parent.Fields.TryGetValue(path[^1], out var stack))
        {
            result = Fold(path, stack);
        }
        _folded[key] = result;
        return result;
    }

    /// <param name="path">Absolute path of the field, or null for fields of objects inside arrays (not addressable).</param>
    private object? Fold(string[]? path, List<Node> stack, Enclosing? enclosing = null)
    {
        string? key = null;
        if (path != null)
        {
            key = Key(path);
            if (!_inProgressKeys.Add(key))
            {
                var start = _inProgress.FindIndex(p => Key(p) == key);
                var chain = _inProgress.Skip(start).Append(path).Select(PathExpression.Render);
                throw new HoconException(stack[^1].Origin, $"cycle in substitutions: {string.Join(" -> ", chain)}");
            }
            _inProgress.Add(path);
        }
        try
        {
            object? current = null;
            foreach (var definition in stack) current = Apply(path, current, definition, enclosing);
            return current;
        }
        finally
        {
            if (key != null)
            {
                _inProgressKeys.Remove(key);
                _inProgress.RemoveAt(_inProgress.Count - 1);
            }
        }
    }

    private object? Apply(string[]? path, object? current, Node definition, Enclosing? enclosing)
    {
        if (definition is ObjNode obj) return Stack(current, obj);
        var value = Evaluate(definition, path, current, enclosing);
        return value switch
        {
            // An undefined optional substitution leaves an earlier definition in place.
            null => current,
            HoconObject o => Stack(current, ObjNode.FromResolved(o)),
            _ => value,
        };
    }

    /// <remarks>The merged object takes the origin of the latest definition: the user's file rather than the defaults.</remarks>
    private static ObjNode Stack(object? current, ObjNode upper)
    {
        if (current is not ObjNode lower) return upper;
        var merged = new ObjNode(upper.Origin);
        merged.AddAll(lower);
        merged.AddAll(upper);
        return merged;
    }

    /// <summary>Values of a fold that is not the final one (the earlier value seen by a self-reference), not memoised.</summary>
    private HoconValue? Materialize(string[]? path, object? folded, Enclosing? enclosing = null)
    {
        if (folded is not ObjNode obj) return (HoconValue?)folded;
        return ToObject(obj, k =>
        {
            string[]? childPath = path == null ? null : [.. path, k];
            return Materialize(childPath, Fold(childPath, obj.Fields[k], enclosing), enclosing);
        });
    }

    /// <param name="path">The field being defined, null when it is not addressable (inside an array).</param>
    /// <param name="previous">That field's fold before this definition.</param>
    /// <param name="enclosing">The nearest addressable field whose definition contains this one.</param>
    private HoconValue? Evaluate(Node node, string[]? path, object? previous, Enclosing? enclosing)
    {
        switch (node)
        {
            case ScalarNode s:
                return new HoconScalar(s.Type, s.Text, s.Origin);
            case ResolvedNode r:
                return r.Value;
            case ObjNode o:
                // Fields of an object inside a value are not addressable, but references into the value's own
                // field still mean its earlier value: a = ${a} { c = ${a.b} } reads the old a.b.
                return Materialize(null, o, path != null ? new Enclosing(path, previous) : enclosing);
            case ArrNode a:
                var items = new List<HoconValue>();
                foreach (var item in a.Items)
                {
                    var v = Evaluate(item, path, previous, enclosing);
                    if (v != null) items.Add(v);
                }
                return new HoconArray(items, a.Origin);
            case SubNode sub:
                return Substitute(sub, path, previous, enclosing);
            case PreviousValueNode:
                return Materialize(path, previous);
            case ConcatNode c:
                return Concatenate(c, path, previous, enclosing);
            default:
                throw new InvalidOperationException("unknown node " + node.GetType().Name);
        }
    }

    private HoconValue? Substitute(SubNode sub, string[]? path, object? previous, Enclosing? enclosing)
    {
        HoconValue? value;
        if (path != null && IsWithin(sub.Path, path))
        {
            // A reference to the field being defined (or below it) means its value before this definition,
            // which is how "path = ${path}:/x" extends instead of looping.
            value = Descend(path, previous, sub.Path[path.Length..]);
        }
        else if (path == null && enclosing != null && IsWithin(sub.Path, enclosing.Path))
        {
            value = Descend(enclosing.Path, enclosing.Previous, sub.Path[enclosing.Path.Length..]);
        }
        else
        {
            value = ValueAt(sub.Path);
            if (value == null && sub.Unprefixed != null) value = ValueAt(sub.Unprefixed);
        }
        if (value != null) return value;

        var name = string.Join('.', sub.Unprefixed ?? sub.Path);
        var env = _environment(name);
        if (!string.IsNullOrEmpty(env))
        {
            return new HoconScalar(HoconType.String, env, new HoconOrigin("environment variable " + name, 0, 0));
        }
        if (sub.Optional) return null;
        throw new HoconException(sub.Origin, $"could not resolve substitution ${{{PathExpression.Render(sub.Path)}}}: no value at that path and no environment variable {name}");
    }

    private static bool IsWithin(string[] candidate, string[] path)
    {
        if (candidate.Length < path.Length) return false;
        for (var i = 0; i < path.Length; i++)
        {
            if (candidate[i] != path[i]) return false;
        }
        return true;
    }

    private HoconValue? Descend(string[] path, object? folded, string[] rest)
    {
        var current = folded;
        var at = path;
        foreach (var segment in rest)
        {
            if (current is not ObjNode obj || !obj.Fields.TryGetValue(segment, out var stack)) return null;
            at = [.. at, segment];
            current = Fold(at, stack);
        }
        return Materialize(at, current);
    }

    private HoconValue? Concatenate(ConcatNode concat, string[]? path, object? previous, Enclosing? enclosing)
    {
        // Errors point at the part as written here, not where a substituted value was defined.
        var values = new List<(HoconValue Value, bool Space, HoconOrigin At)>();
        foreach (var part in concat.Parts)
        {
            if (part is ScalarNode { IsWhitespace: true } space)
            {
                values.Add((new HoconScalar(HoconType.String, space.Text, space.Origin), true, space.Origin));
                continue;
            }
            var v = Evaluate(part, path, previous, enclosing);
            if (v != null) values.Add((v, false, part.Origin));
        }
        var solid = values.Where(v => !v.Space).ToList();
        if (solid.Count == 0) return null;
        if (values.Count == 1) return values[0].Value;

        if (solid.Any(v => v.Value.Type is HoconType.Object or HoconType.Array))
        {
            var first = solid[0].Value;
            var bad = solid.FirstOrDefault(v => v.Value.Type != first.Type);
            if (bad.Value != null)
            {
                throw new HoconException(bad.At, $"cannot concatenate {first.Describe()} with {bad.Value.Describe()} (arrays join only with arrays, objects only with objects)");
            }
            if (first is HoconArray)
            {
                return new HoconArray(solid.Select(v => v.Value).Cast<HoconArray>().SelectMany(a => a.Items).ToList(), concat.Origin);
            }
            var merged = (HoconObject)first;
            foreach (var o in solid.Skip(1).Select(v => v.Value).Cast<HoconObject>()) merged = HoconObject.Merge(merged, o);
            return merged.WithOrigin(concat.Origin);
        }
        // The spec turns null into the empty string inside a string concatenation.
        var text = string.Concat(values.Select(v => v.Value.Type == HoconType.Null ? "" : ((HoconScalar)v.Value).Text));
        return new HoconScalar(HoconType.String, text, concat.Origin);
    }
}
