namespace AkkaBgp.Service.Reload;

/// <summary>What a reload did; the body of <c>POST /config/reload</c>.</summary>
/// <param name="Applied">False when the files were refused (nothing applied) or a step failed (<see cref="PartlyApplied"/>).</param>
/// <param name="Problems">Why the files were refused (nothing applied), or which step failed, one line each.</param>
/// <param name="Added">Neighbors started.</param>
/// <param name="Removed">Neighbors stopped with Cease/3 and removed.</param>
/// <param name="Reset">Neighbors whose session was ended with Cease/6 and restarted with the new settings.</param>
/// <param name="Recreated">Neighbors without a session, re-created with the new settings (nothing sent).</param>
/// <param name="Deferred">Neighbors whose session stays up; changes that do not need a new session wait for its
/// next re-creation (listed as "address: setting, ...").</param>
/// <param name="Unchanged">Neighbors left alone.</param>
public sealed record ReloadResult(
    bool Applied,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Reset,
    IReadOnlyList<string> Recreated,
    IReadOnlyList<string> Deferred,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> RoutesAnnounced,
    IReadOnlyList<string> RoutesWithdrawn,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when a step got no answer: the lists say what was done before it, and the next reload diffs
    /// against what the actors acknowledged, so it does the rest.</summary>
    public bool PartlyApplied { get; init; }

    public static ReloadResult Refused(IReadOnlyList<string> problems) => new(false, problems, [], [], [], [], [], [], [], [], []);
}
