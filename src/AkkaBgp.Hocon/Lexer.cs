using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AkkaBgp.Hocon;

internal enum TokenKind
{
    LBrace, RBrace, LBracket, RBracket, Comma, Colon, Equals, PlusEquals,
    Newline, Whitespace, Quoted, Unquoted, Substitution, End,
}

internal sealed record Token(TokenKind Kind, string Text, HoconOrigin Origin)
{
    public string[]? Path { get; init; }
    public bool Optional { get; init; }

    /// <summary>How the token is named in "found ..." parts of messages.</summary>
    public string Display => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.Newline => "newline",
        TokenKind.Whitespace => "whitespace",
        TokenKind.Quoted => HoconValue.Quote(Text),
        TokenKind.Substitution => "'${" + (Optional ? "?" : "") + Text + "}'",
        _ => "'" + Text + "'",
    };
}

/// <summary>
/// Splits HOCON text into tokens. Whitespace is kept as tokens because value concatenation
/// preserves the whitespace between values; comments are dropped but the newline ending them is kept
/// because newlines separate fields.
/// </summary>
internal sealed partial class Lexer
{
    private readonly string _text;
    private readonly string _file;
    private int _pos;
    private int _line = 1;
    private int _col = 1;

    private Lexer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static List<Token> Tokenize(string text, string file)
    {
        var lexer = new Lexer(text, file);
        var tokens = new List<Token>();
        while (true)
        {
            var t = lexer.Next();
            tokens.Add(t);
            if (t.Kind == TokenKind.End) return tokens;
        }
    }

    public static bool IsForbiddenInUnquoted(char c) => c switch
    {
        '$' or '"' or '{' or '}' or '[' or ']' or ':' or '=' or ',' or '+' or '#' or '`' or '^' or '?' or '!' or '@' or '*' or '&' or '\\' => true,
        _ => false,
    };

    [GeneratedRegex(@"^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    public static bool LooksLikeNumber(string s) => NumberPattern().IsMatch(s);

    private static bool IsSpace(char c) => c != '\n' && (char.IsWhiteSpace(c) || c == '\uFEFF');

    private HoconOrigin Here => new(_file, _line, _col);
    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';
    private bool AtEnd => _pos >= _text.Length;

    private char Advance()
    {
        var c = _text[_pos++];
        if (c == '\n') { _line++; _col = 1; }
        else _col++;
        return c;
    }

    private Token Next()
    {
        while (true)
        {
            if (AtEnd) return new Token(TokenKind.End, "", Here);
            var c = Peek();
            if (c == '#' || c == '/' && Peek(1) == '/')
            {
                while (!AtEnd && Peek() != '\n') Advance();
                continue;
            }
            break;
        }

        var start = Here;
        var ch = Peek();
        if (ch == '\n')
        {
            Advance();
            return new Token(TokenKind.Newline, "\n", start);
        }
        if (IsSpace(ch))
        {
            var sb = new StringBuilder();
            while (!AtEnd && IsSpace(Peek())) sb.Append(Advance());
            return new Token(TokenKind.Whitespace, sb.ToString(), start);
        }
        switch (ch)
        {
            case '{': Advance(); return new Token(TokenKind.LBrace, "{", start);
            case '}': Advance(); return new Token(TokenKind.RBrace, "}", start);
            case '[': Advance(); return new Token(TokenKind.LBracket, "[", start);
            case ']': Advance(); return new Token(TokenKind.RBracket, "]", start);
            case ',': Advance(); return new Token(TokenKind.Comma, ",", start);
            case ':': Advance(); return new Token(TokenKind.Colon, ":", start);
            case '=': Advance(); return new Token(TokenKind.Equals, "=", start);
            case '+':
                if (Peek(1) == '=')
                {
                    Advance(); Advance();
                    return new Token(TokenKind.PlusEquals, "+=", start);
                }
                throw new HoconException(start, "unexpected '+' (only '+=' is allowed; quote strings containing '+')");
            case '"':
                return Peek(1) == '"' && Peek(2) == '"' ? TripleQuoted(start) : Quoted(start);
            case '$':
                if (Peek(1) == '{') return Substitution(start);
                throw new HoconException(start, "unexpected '$' (substitutions are written ${path}; quote strings containing '$')");
        }
        if (IsForbiddenInUnquoted(ch))
        {
            throw new HoconException(start, $"unexpected character '{ch}' (quote strings containing it)");
        }
        var text = new StringBuilder();
        while (!AtEnd)
        {
            var c = Peek();
            if (IsSpace(c) || c == '\n' || IsForbiddenInUnquoted(c) || c == '/' && Peek(1) == '/') break;
            text.Append(Advance());
        }
        return new Token(TokenKind.Unquoted, text.ToString(), start);
    }

    private Token Quoted(HoconOrigin start)
    {
        Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Peek() == '\n')
            {
                throw new HoconException(start, "unterminated quoted string (expected '\"' before end of line)");
            }
            var c = Advance();
            if (c == '"') return new Token(TokenKind.Quoted, sb.ToString(), start);
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            var escapeAt = new HoconOrigin(_file, _line, _col - 1);
            if (AtEnd) throw new HoconException(escapeAt, "unterminated escape sequence in quoted string");
            var e = Advance();
            switch (e)
            {
                case '"': sb.Append('"'); break;
                case '\\': sb.Append('\\'); break;
                case '/': sb.Append('/'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    var hex = _pos + 4 <= _text.Length ? _text.Substring(_pos, 4) : "";
                    if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new HoconException(escapeAt, "invalid \\u escape in quoted string (expected 4 hex digits)");
                    }
                    for (var k = 0; k < 4; k++) Advance();
                    sb.Append((char)code);
                    break;
                default:
                    throw new HoconException(escapeAt, $"invalid escape '\\{(e == '\n' ? "n" : e)}' in quoted string (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
            }
        }
    }

    private Token TripleQuoted(HoconOrigin start)
    {
        Advance(); Advance(); Advance();
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd) throw new HoconException(start, "unterminated triple-quoted string (expected '\"\"\"')");
            if (Peek() == '"' && Peek(1) == '"' && Peek(2) == '"')
            {
                // Quotes right before the closing delimiter belong to the string: """a"""" is a".
                while (Peek(3) == '"') sb.Append(Advance());
                Advance(); Advance(); Advance();
                return new Token(TokenKind.Quoted, sb.ToString(), start);
            }
            sb.Append(Advance());
        }
    }

    private Token Substitution(HoconOrigin start)
    {
        Advance(); Advance();
        var optional = false;
        if (Peek() == '?')
        {
            Advance();
            optional = true;
        }
        var inner = new List<Token>();
        while (true)
        {
            if (AtEnd) throw new HoconException(start, "unterminated substitution (expected '}')");
            if (Peek() == '}')
            {
                Advance();
                break;
            }
            var t = Next();
            if (t.Kind is not (TokenKind.Unquoted or TokenKind.Quoted or TokenKind.Whitespace))
            {
                throw new HoconException(t.Origin, $"expected a path or '}}' in substitution, found {t.Display}");
            }
            inner.Add(t);
        }
        var path = PathExpression.FromTokens(inner, start, "substitution");
        return new Token(TokenKind.Substitution, PathExpression.Render(path), start) { Path = path, Optional = optional };
    }
}

/// <summary>Path expressions: dots split unquoted text, quoted text is taken whole (so "10.0.0.1" is one key).</summary>
internal static class PathExpression
{
    public static string[] FromTokens(IReadOnlyList<Token> tokens, HoconOrigin origin, string what)
    {
        var first = 0;
        var last = tokens.Count - 1;
        while (first <= last && tokens[first].Kind == TokenKind.Whitespace) first++;
        while (last >= first && tokens[last].Kind == TokenKind.Whitespace) last--;
        if (first > last) throw new HoconException(origin, $"expected a path in {what}, found nothing");

        var segments = new List<string>();
        var current = new StringBuilder();
        var has = false;
        for (var i = first; i <= last; i++)
        {
            var t = tokens[i];
            switch (t.Kind)
            {
                case TokenKind.Quoted:
                case TokenKind.Whitespace:
                    current.Append(t.Text);
                    has = true;
                    break;
                case TokenKind.Unquoted:
                    var pieces = t.Text.Split('.');
                    for (var p = 0; p < pieces.Length; p++)
                    {
                        if (p > 0)
                        {
                            if (!has) throw new HoconException(t.Origin, $"empty element in path '{Raw(tokens, first, last)}' in {what} (quote keys containing '.')");
                            segments.Add(current.ToString());
                            current.Clear();
                            has = false;
                        }
                        if (pieces[p].Length > 0)
                        {
                            current.Append(pieces[p]);
                            has = true;
                        }
                    }
                    break;
                default:
                    throw new HoconException(t.Origin, $"expected a path in {what}, found {t.Display}");
            }
        }
        if (!has) throw new HoconException(tokens[last].Origin, $"path '{Raw(tokens, first, last)}' in {what} ends with '.'");
        segments.Add(current.ToString());
        return segments.ToArray();
    }

    private static string Raw(IReadOnlyList<Token> tokens, int first, int last)
    {
        var sb = new StringBuilder();
        for (var i = first; i <= last; i++)
        {
            sb.Append(tokens[i].Kind == TokenKind.Quoted ? HoconValue.Quote(tokens[i].Text) : tokens[i].Text);
        }
        return sb.ToString();
    }

    /// <summary>Parses a path given to a getter, e.g. <c>akka-bgp.neighbors</c> or <c>peers."10.0.0.1".hold-time</c>.</summary>
    public static string[] Parse(string path)
    {
        if (path.Length == 0) return [];
        var tokens = Lexer.Tokenize(path, "path \"" + path + "\"");
        tokens.RemoveAt(tokens.Count - 1);
        return FromTokens(tokens, new HoconOrigin("path \"" + path + "\"", 1, 1), "path \"" + path + "\"");
    }

    public static string Render(IEnumerable<string> segments) =>
        string.Join('.', segments.Select(s => HoconValue.QuoteIfNeeded(s, isKey: true)));
}
