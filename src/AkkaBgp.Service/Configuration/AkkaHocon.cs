using System.Globalization;
using System.Text;
using AkkaBgp.Hocon;

namespace AkkaBgp.Service.Configuration;

/// <summary>
/// Renders a resolved tree as HOCON text for Akka.NET's own parser: one field per line, strings always quoted, each
/// closing brace or bracket on its own line. The compact one-line form (<see cref="HoconValue.Render()"/>) is not
/// safe there: Akka.NET 1.5.75 reads <c>{ a = [] }</c> as an empty array concatenated with the space before the brace,
/// which is neither an array nor a string, and <c>[</c> and <c>]</c> on separate lines as an array holding one null
/// (AkkaParserAgreementTests).
/// </summary>
public static class AkkaHocon
{
    public static string Render(HoconValue value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, HoconValue value, int indent)
    {
        switch (value)
        {
            case HoconObject o:
                sb.Append("{\n");
                foreach (var key in o.Keys)
                {
                    sb.Append(' ', indent + 2).Append(HoconConfig.QuoteKey(key)).Append(" = ");
                    Write(sb, o[key], indent + 2);
                    sb.Append('\n');
                }
                sb.Append(' ', indent).Append('}');
                break;
            case HoconArray { Count: 0 }:
                // "[" and "]" on separate lines would read as an array holding one null.
                sb.Append("[]");
                break;
            case HoconArray a:
                sb.Append("[\n");
                for (var i = 0; i < a.Count; i++)
                {
                    sb.Append(' ', indent + 2);
                    Write(sb, a[i], indent + 2);
                    sb.Append(i < a.Count - 1 ? ",\n" : "\n");
                }
                sb.Append(' ', indent).Append(']');
                break;
            case HoconScalar { Type: HoconType.String } s:
                sb.Append(Quote(s.Text));
                break;
            case HoconScalar s:
                sb.Append(s.Text); // number, boolean or null, as written
                break;
        }
    }

    private static string Quote(string s)
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
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
