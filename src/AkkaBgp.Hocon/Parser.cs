namespace AkkaBgp.Hocon;

/// <summary>Recursive descent over the token list, building an unresolved <see cref="ObjNode"/> tree.</summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private readonly string _baseDir;
    private readonly HashSet<string> _activeFiles;
    private int _index;

    private Parser(List<Token> tokens, string baseDir, HashSet<string> activeFiles)
    {
        _tokens = tokens;
        _baseDir = baseDir;
        _activeFiles = activeFiles;
    }

    public static ObjNode ParseText(string text, string file, string baseDir, HashSet<string> activeFiles) =>
        new Parser(Lexer.Tokenize(text, file), baseDir, activeFiles).ParseRoot();

    /// <param name="display">The path as shown in origins; relative paths stay relative so messages match what the user typed.</param>
    public static ObjNode ParseFile(string display, HashSet<string> activeFiles, HoconOrigin? includedFrom)
    {
        var full = Path.GetFullPath(display);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HoconException(includedFrom ?? new HoconOrigin(display, 0, 0), $"cannot read '{display}': {e.Message}");
        }
        activeFiles.Add(full);
        try
        {
            return ParseText(text, display, Path.GetDirectoryName(display) ?? "", activeFiles);
        }
        finally
        {
            activeFiles.Remove(full);
        }
    }

    private Token Peek => _tokens[_index];

    private Token Advance()
    {
        var t = _tokens[_index];
        if (t.Kind != TokenKind.End) _index++;
        return t;
    }

    private void SkipSpace()
    {
        while (Peek.Kind == TokenKind.Whitespace) _index++;
    }

    private void SkipSpaceAndNewlines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline) _index++;
    }

    private ObjNode ParseRoot()
    {
        SkipSpaceAndNewlines();
        var first = Peek;
        var root = new ObjNode(first.Origin);
        if (first.Kind == TokenKind.LBrace)
        {
            Advance();
            ParseObjectBody(root, [], TokenKind.RBrace, first);
            SkipSpaceAndNewlines();
            if (Peek.Kind != TokenKind.End)
            {
                throw new HoconException(Peek.Origin, $"expected end of input after the root object, found {Peek.Display}");
            }
            return root;
        }
        if (first.Kind == TokenKind.LBracket)
        {
            throw new HoconException(first.Origin, "expected an object at the root, found '[' (a configuration cannot be an array)");
        }
        ParseObjectBody(root, [], TokenKind.End, null);
        return root;
    }

    /// <param name="prefix">Absolute path of this object, used to re-root substitutions of included files; null inside arrays.</param>
    private void ParseObjectBody(ObjNode obj, string[]? prefix, TokenKind close, Token? open)
    {
        var closeText = close == TokenKind.End ? "end of input" : "'}'";
        while (true)
        {
            SkipSpaceAndNewlines();
            var t = Peek;
            if (t.Kind == close)
            {
                Advance();
                return;
            }
            if (t.Kind == TokenKind.End)
            {
                throw new HoconException(t.Origin, $"expected '}}' to close the object opened at {open!.Origin}, found end of input");
            }
            var key = t.Kind == TokenKind.Unquoted && t.Text == "include"
                ? ParseInclude(obj, prefix)
                : ParseField(obj, prefix);

            SkipSpace();
            t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Comma:
                    Advance();
                    SkipSpaceAndNewlines();
                    if (Peek.Kind == TokenKind.Comma)
                    {
                        throw new HoconException(Peek.Origin, $"expected a key or {closeText}, found ','");
                    }
                    continue;
                case TokenKind.Newline:
                    continue;
            }
            if (t.Kind == close || t.Kind == TokenKind.End) continue;
            var hint = t.Kind == TokenKind.Colon ? " (quote strings containing ':')" : "";
            throw new HoconException(t.Origin, $"expected ',' or newline or {closeText} after the value of '{key}', found {t.Display}{hint}");
        }
    }

    private string ParseField(ObjNode obj, string[]? prefix)
    {
        var start = Peek;
        var keyTokens = new List<Token>();
        while (Peek.Kind is TokenKind.Unquoted or TokenKind.Quoted or TokenKind.Whitespace) keyTokens.Add(Advance());
        var sep = Peek;
        if (keyTokens.Count == 0)
        {
            var what = sep.Kind == TokenKind.Substitution ? " (substitutions are not allowed in keys)" : "";
            throw new HoconException(sep.Origin, $"expected a key, found {sep.Display}{what}");
        }
        var path = PathExpression.FromTokens(keyTokens, start.Origin, "key");
        var keyText = PathExpression.Render(path);
        var fieldPrefix = prefix?.Concat(path).ToArray();

        Node value;
        switch (sep.Kind)
        {
            case TokenKind.Colon:
            case TokenKind.Equals:
                Advance();
                SkipSpaceAndNewlines();
                value = ParseValue(fieldPrefix)
                        ?? throw new HoconException(Peek.Origin, $"expected a value after '{keyText} {sep.Text}', found {Peek.Display}");
                break;
            case TokenKind.PlusEquals:
                Advance();
                SkipSpaceAndNewlines();
                var element = ParseValue(null)
                              ?? throw new HoconException(Peek.Origin, $"expected a value after '{keyText} +=', found {Peek.Display}");
                // The spec defines a += b as a = ${?a} [b].
                value = new ConcatNode(sep.Origin, [new PreviousValueNode(sep.Origin), new ArrNode(element.Origin, [element])]);
                break;
            case TokenKind.LBrace:
                value = ParseValue(fieldPrefix)!;
                break;
            default:
                throw new HoconException(sep.Origin, $"expected '=' or ':' or '{{' after key '{keyText}', found {sep.Display}");
        }

        for (var i = path.Length - 1; i >= 1; i--)
        {
            var wrapper = new ObjNode(start.Origin);
            wrapper.Add(path[i], value);
            value = wrapper;
        }
        obj.Add(path[0], value);
        return keyText;
    }

    private Node? ParseValue(string[]? prefix)
    {
        var parts = new List<Node>();
        Token? pendingSpace = null;
        var hasSubstitution = false;
        while (true)
        {
            var t = Peek;
            if (t.Kind == TokenKind.Whitespace)
            {
                Advance();
                if (parts.Count > 0) pendingSpace = t;
                continue;
            }
            if (t.Kind is not (TokenKind.Quoted or TokenKind.Unquoted or TokenKind.Substitution or TokenKind.LBrace or TokenKind.LBracket))
            {
                break;
            }
            if (pendingSpace != null)
            {
                parts.Add(new ScalarNode(pendingSpace.Origin, HoconType.String, pendingSpace.Text, isWhitespace: true));
                pendingSpace = null;
            }
            switch (t.Kind)
            {
                case TokenKind.Quoted:
                    Advance();
                    parts.Add(new ScalarNode(t.Origin, HoconType.String, t.Text));
                    break;
                case TokenKind.Unquoted:
                    Advance();
                    parts.Add(new ScalarNode(t.Origin, ClassifyUnquoted(t.Text), t.Text));
                    break;
                case TokenKind.Substitution:
                    Advance();
                    hasSubstitution = true;
                    parts.Add(new SubNode(t.Origin, t.Path!, t.Optional));
                    break;
                case TokenKind.LBrace:
                    parts.Add(ParseObject(prefix));
                    break;
                default:
                    parts.Add(ParseArray());
                    break;
            }
        }
        if (parts.Count == 0) return null;
        if (parts.Count == 1) return parts[0];
        return hasSubstitution ? new ConcatNode(parts[0].Origin, parts) : ConcatenateLiterals(parts);
    }

    private static HoconType ClassifyUnquoted(string text) => text switch
    {
        "true" or "false" => HoconType.Boolean,
        "null" => HoconType.Null,
        _ => Lexer.LooksLikeNumber(text) ? HoconType.Number : HoconType.String,
    };

    /// <summary>Without substitutions the result of a concatenation is known now, so errors point at the offending part.</summary>
    private static Node ConcatenateLiterals(List<Node> parts)
    {
        var solid = parts.Where(p => p is not ScalarNode { IsWhitespace: true }).ToList();
        if (solid.All(p => p is ObjNode))
        {
            var merged = new ObjNode(solid[0].Origin);
            foreach (var o in solid.Cast<ObjNode>()) merged.AddAll(o);
            return merged;
        }
        if (solid.All(p => p is ArrNode))
        {
            return new ArrNode(solid[0].Origin, solid.Cast<ArrNode>().SelectMany(a => a.Items).ToList());
        }
        if (solid.Any(p => p is ObjNode or ArrNode))
        {
            var bad = solid.First(p => Category(p) != Category(solid[0]));
            throw new HoconException(bad.Origin, $"cannot concatenate {Category(solid[0])} with {Category(bad)} (arrays join only with arrays, objects only with objects)");
        }
        var text = string.Concat(parts.Cast<ScalarNode>().Select(s => s.Text));
        return new ScalarNode(parts[0].Origin, HoconType.String, text);
    }

    private static string Category(Node n) => n switch
    {
        ObjNode => "an object",
        ArrNode => "an array",
        ScalarNode s => s.Type == HoconType.String ? $"string {HoconValue.Quote(s.Text)}" : s.Text,
        _ => "a value",
    };

    private ObjNode ParseObject(string[]? prefix)
    {
        var open = Advance();
        var obj = new ObjNode(open.Origin);
        ParseObjectBody(obj, prefix, TokenKind.RBrace, open);
        return obj;
    }

    private ArrNode ParseArray()
    {
        var open = Advance();
        var items = new List<Node>();
        while (true)
        {
            SkipSpaceAndNewlines();
            var t = Peek;
            if (t.Kind == TokenKind.RBracket)
            {
                Advance();
                return new ArrNode(open.Origin, items);
            }
            if (t.Kind == TokenKind.End)
            {
                throw new HoconException(t.Origin, $"expected ']' to close the array opened at {open.Origin}, found end of input");
            }
            items.Add(ParseValue(null)
                      ?? throw new HoconException(t.Origin, $"expected a value or ']' in array, found {t.Display}"));
            SkipSpace();
            t = Peek;
            if (t.Kind == TokenKind.Comma)
            {
                Advance();
                continue;
            }
            if (t.Kind is TokenKind.Newline or TokenKind.RBracket or TokenKind.End) continue;
            throw new HoconException(t.Origin, $"expected ',' or newline or ']' in array, found {t.Display}");
        }
    }

    private string ParseInclude(ObjNode obj, string[]? prefix)
    {
        var include = Advance();
        SkipSpaceAndNewlines();
        var required = false;
        var kind = "file";
        var parens = 0;
        var t = Peek;
        if (t.Kind == TokenKind.Unquoted)
        {
            var text = Advance().Text;
            if (text.StartsWith("required(", StringComparison.Ordinal))
            {
                required = true;
                parens++;
                text = text["required(".Length..];
                if (text.Length == 0)
                {
                    SkipSpace();
                    if (Peek.Kind == TokenKind.Unquoted) text = Advance().Text;
                }
            }
            foreach (var k in new[] { "file(", "url(", "classpath(" })
            {
                if (text == k)
                {
                    kind = k[..^1];
                    parens++;
                    text = "";
                    break;
                }
            }
            if (text.Length > 0)
            {
                throw new HoconException(t.Origin, $"expected a quoted file name, file(\"...\") or required(\"...\") after 'include', found '{text}'");
            }
            SkipSpace();
        }
        t = Peek;
        if (t.Kind != TokenKind.Quoted)
        {
            throw new HoconException(t.Origin, $"expected a quoted file name after 'include', found {t.Display}");
        }
        var name = Advance().Text;
        while (parens > 0)
        {
            SkipSpace();
            t = Peek;
            if (t.Kind != TokenKind.Unquoted || t.Text.Any(c => c != ')') || t.Text.Length > parens)
            {
                throw new HoconException(t.Origin, $"expected ')' to close the include of \"{name}\", found {t.Display}");
            }
            parens -= Advance().Text.Length;
        }
        if (kind != "file")
        {
            throw new HoconException(include.Origin, $"include {kind}(...) is not supported, only files: use include file(\"...\")");
        }

        var included = LoadInclude(name, required, include.Origin);
        if (included == null) return "include";
        if (prefix is { Length: > 0 }) Reroot(included, prefix);
        obj.AddAll(included);
        return "include";
    }

    private ObjNode? LoadInclude(string name, bool required, HoconOrigin at)
    {
        var path = Path.IsPathRooted(name) ? name : Path.Combine(_baseDir, name);
        var candidates = new List<string>();
        if (File.Exists(path)) candidates.Add(path);
        else if (Path.GetExtension(name).Length == 0)
        {
            // Without an extension the spec loads every known format, JSON before HOCON.
            candidates.AddRange(new[] { path + ".json", path + ".conf" }.Where(File.Exists));
        }
        if (candidates.Count == 0)
        {
            if (required) throw new HoconException(at, $"required include \"{name}\" not found (looked for {path})");
            return null;
        }
        var result = new ObjNode(at);
        foreach (var file in candidates)
        {
            if (_activeFiles.Contains(Path.GetFullPath(file)))
            {
                throw new HoconException(at, $"include cycle: \"{name}\" ({file}) is already being read");
            }
            result.AddAll(ParseFile(file, _activeFiles, at));
        }
        return result;
    }

    /// <summary>Substitutions in an included file are written relative to that file's root.</summary>
    private static void Reroot(Node node, string[] prefix)
    {
        switch (node)
        {
            case ObjNode o:
                foreach (var stack in o.Fields.Values)
                {
                    foreach (var n in stack) Reroot(n, prefix);
                }
                break;
            case ArrNode a:
                foreach (var n in a.Items) Reroot(n, prefix);
                break;
            case ConcatNode c:
                foreach (var n in c.Parts) Reroot(n, prefix);
                break;
            case SubNode s:
                s.Unprefixed ??= s.Path;
                s.Path = [.. prefix, .. s.Path];
                break;
        }
    }
}
