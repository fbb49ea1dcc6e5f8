using System.Globalization;

namespace AkkaBgp.Hocon;

/// <summary>The spec's "units format": a number, optional whitespace, an optional unit made of letters.</summary>
internal static class Units
{
    private static readonly Dictionary<string, double> TicksPerDurationUnit = BuildDurationUnits();
    private static readonly Dictionary<string, decimal> BytesPerSizeUnit = BuildSizeUnits();

    private static Dictionary<string, double> BuildDurationUnits()
    {
        var units = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(double ticks, params string[] names)
        {
            foreach (var n in names) units[n] = ticks;
        }
        Add(TimeSpan.TicksPerMicrosecond / 1000.0, "ns", "nano", "nanos", "nanosecond", "nanoseconds");
        Add(TimeSpan.TicksPerMicrosecond, "us", "micro", "micros", "microsecond", "microseconds");
        Add(TimeSpan.TicksPerMillisecond, "ms", "milli", "millis", "millisecond", "milliseconds");
        Add(TimeSpan.TicksPerSecond, "s", "second", "seconds");
        Add(TimeSpan.TicksPerMinute, "m", "minute", "minutes");
        Add(TimeSpan.TicksPerHour, "h", "hour", "hours");
        Add(TimeSpan.TicksPerDay, "d", "day", "days");
        return units;
    }

    private static Dictionary<string, decimal> BuildSizeUnits()
    {
        var units = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["B"] = 1, ["b"] = 1, ["byte"] = 1, ["bytes"] = 1 };
        var powers = new[]
        {
            ("k", "K", "kilo", "kibi"), ("M", "M", "mega", "mebi"), ("G", "G", "giga", "gibi"), ("T", "T", "tera", "tebi"),
            ("P", "P", "peta", "pebi"), ("E", "E", "exa", "exbi"), ("Z", "Z", "zetta", "zebi"), ("Y", "Y", "yotta", "yobi"),
        };
        decimal ten = 1, two = 1;
        foreach (var (siLetter, letter, si, binary) in powers)
        {
            ten *= 1000;
            two *= 1024;
            foreach (var n in new[] { siLetter + "B", si + "byte", si + "bytes" }) units[n] = ten;
            var lower = letter.ToLowerInvariant();
            foreach (var n in new[] { letter, lower, letter + "i", letter + "iB", binary + "byte", binary + "bytes" }) units[n] = two;
        }
        return units;
    }

    private static (string Number, string Unit) Split(string text)
    {
        var s = text.Trim();
        var end = s.Length;
        while (end > 0 && char.IsLetter(s[end - 1])) end--;
        return (s[..end].TrimEnd(), s[end..]);
    }

    /// <returns>Null when the text is not a duration, with <paramref name="expected"/> saying what was expected.</returns>
    public static TimeSpan? ParseDuration(string text, out string expected)
    {
        expected = "";
        var (number, unit) = Split(text);
        double ticksPerUnit;
        if (unit.Length == 0) ticksPerUnit = TimeSpan.TicksPerMillisecond;
        else if (!TicksPerDurationUnit.TryGetValue(unit, out ticksPerUnit))
        {
            expected = $"a duration with a unit of ns, us, ms, s, m, h or d (lowercase) or their long forms; '{unit}' is not one";
            return null;
        }
        if (!double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var amount))
        {
            expected = "a duration (a number with an optional unit such as 90s, 500ms, 2m)";
            return null;
        }
        var ticks = Math.Round(amount * ticksPerUnit);
        if (double.IsNaN(ticks) || ticks > TimeSpan.MaxValue.Ticks || ticks < TimeSpan.MinValue.Ticks)
        {
            expected = "a duration within TimeSpan's range";
            return null;
        }
        return TimeSpan.FromTicks((long)ticks);
    }

    public static long? ParseBytes(string text, out string expected)
    {
        expected = "";
        var (number, unit) = Split(text);
        decimal perUnit = 1;
        if (unit.Length > 0 && !BytesPerSizeUnit.TryGetValue(unit, out perUnit))
        {
            expected = $"a size with a unit of B, kB/MB/GB... (powers of ten) or K/Ki/KiB, M/Mi/MiB... (powers of two); '{unit}' is not one";
            return null;
        }
        if (!decimal.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var amount))
        {
            expected = "a size in bytes (a number with an optional unit such as 512K, 10MB)";
            return null;
        }
        try
        {
            var bytes = amount * perUnit;
            if (bytes != decimal.Truncate(bytes))
            {
                expected = "a whole number of bytes";
                return null;
            }
            if (bytes > long.MaxValue || bytes < long.MinValue)
            {
                expected = "a size in bytes within the 64-bit range";
                return null;
            }
            return (long)bytes;
        }
        catch (OverflowException)
        {
            expected = "a size in bytes within the 64-bit range";
            return null;
        }
    }
}
