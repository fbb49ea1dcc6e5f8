namespace AkkaBgp.Hocon;

/// <summary>Where a token or value came from. Line 0 means the value did not come from a file (environment, code).</summary>
public readonly record struct HoconOrigin(string File, int Line, int Column)
{
    public static readonly HoconOrigin None = new("(no source)", 0, 0);

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>
/// The only exception the reader throws: parse, include, resolve and type errors alike, so callers
/// catch one type and always have a location to show.
/// </summary>
public sealed class HoconException : Exception
{
    public HoconException(HoconOrigin origin, string reason)
        : base($"{origin}: {reason}")
    {
        Origin = origin;
        Reason = reason;
    }

    public HoconOrigin Origin { get; }
    public string File => Origin.File;
    public int Line => Origin.Line;
    public int Column => Origin.Column;

    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }
}
