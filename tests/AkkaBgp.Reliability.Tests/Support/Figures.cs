using System.Globalization;

namespace AkkaBgp.Reliability.Tests.Support;

/// <summary>Run sizes and where figures go. The CI run uses the defaults; the scripts under tests/reliability/ set
/// RELIABILITY_* variables for the long versions and RELIABILITY_FIGURES to a file the figures are appended to.</summary>
public static class Figures
{
    public static int Count(string variable, int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : ciDefault;

    /// <summary>Writes <paramref name="text"/> to the test output and, when RELIABILITY_FIGURES names a file, appends it there.</summary>
    public static void Report(ITestOutputHelper output, string text)
    {
        output.WriteLine(text);
        if (Environment.GetEnvironmentVariable("RELIABILITY_FIGURES") is { Length: > 0 } path)
            lock (typeof(Figures)) File.AppendAllText(path, text + "\n");
    }
}
