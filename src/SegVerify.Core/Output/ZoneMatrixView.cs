using SegVerify.Core.Findings;

namespace SegVerify.Core.Output;

/// <summary>
/// The zone-to-zone flow matrix of a run, ready to draw: the zones to show (in the summary's order, then any other
/// zone the matrix names), the counts, and which cells had a violation among the findings a sink received.
/// </summary>
public sealed class ZoneMatrixView
{
    public IReadOnlyList<string> Zones { get; }
    private readonly Dictionary<(string From, string To), long> _counts;
    private readonly HashSet<(string From, string To)> _violating;

    private ZoneMatrixView(List<string> zones, Dictionary<(string, string), long> counts, HashSet<(string, string)> violating)
    {
        Zones = zones;
        _counts = counts;
        _violating = violating;
    }

    /// <param name="activeOnly">Show only zones that appear in a non-zero cell (the text table); else every zone.</param>
    public static ZoneMatrixView Build(RunSummary summary, IEnumerable<Finding> findings, bool activeOnly)
    {
        var violating = new HashSet<(string, string)>();
        foreach (var f in findings) NoteViolation(violating, f);
        return Build(summary, violating, activeOnly);
    }

    /// <summary>Adds the finding's zone pair to <paramref name="violating"/> when it is a violation between two zones.</summary>
    public static void NoteViolation(HashSet<(string From, string To)> violating, Finding f)
    {
        if (f.Severity == Severity.Violation && f.SrcZone is not null && f.DstZone is not null)
            violating.Add((f.SrcZone, f.DstZone));
    }

    public static ZoneMatrixView Build(RunSummary summary, HashSet<(string From, string To)> violating, bool activeOnly)
    {

        var active = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, n) in summary.ZoneMatrix)
        {
            if (n <= 0) continue;
            active.Add(key.From);
            active.Add(key.To);
        }
        var zones = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var z in summary.ZoneNames)
            if ((!activeOnly || active.Contains(z)) && seen.Add(z)) zones.Add(z);
        var extra = active.Where(z => !seen.Contains(z)).OrderBy(z => z, StringComparer.Ordinal);
        zones.AddRange(extra);
        return new ZoneMatrixView(zones, new Dictionary<(string, string), long>(summary.ZoneMatrix), new HashSet<(string, string)>(violating));
    }

    public long Count(string from, string to) => _counts.GetValueOrDefault((from, to));
    public bool Violating(string from, string to) => _violating.Contains((from, to));
    public long Max => _counts.Count == 0 ? 0 : _counts.Values.Max();
}
