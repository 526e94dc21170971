using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>
/// The interface names the analysis distinguishes: the firewall's interfaces from the topology, every literal name a
/// rule uses, one invented name per wildcard (so a wildcard is told apart from its literals) and one "other" name.
/// </summary>
public sealed class IfaceTable
{
    public const string OtherName = "\u2039other\u203a";
    private readonly List<string> _names = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Names => _names;

    public int Add(string name)
    {
        if (_index.TryGetValue(name, out int i)) return i;
        if (_names.Count >= Domains.MaxIfaces - 1) return _index[OtherName];
        _index[name] = _names.Count;
        _names.Add(name);
        return _names.Count - 1;
    }

    public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i : -1;

    public static IfaceTable Build(IEnumerable<string> known, FwRuleset rs)
    {
        var t = new IfaceTable();
        foreach (var n in known) t.Add(n);
        void AddPattern(string p)
        {
            if (p.Length > 0 && p[^1] == '*') t.Add(p[..^1] + "\u2026");
            else t.Add(p);
        }
        foreach (var acl in rs.Acls)
            foreach (var l in acl.Lines)
                foreach (var leaf in l.Match.Leaves())
                    if (leaf is MatchInterface mi)
                        foreach (var p in mi.Patterns) AddPattern(p);
        foreach (var a in rs.Filters.Concat(rs.DestinationNat))
            foreach (var p in (a.InInterfaces ?? []).Concat(a.OutInterfaces ?? [])) AddPattern(p);
        t.Add(OtherName);
        return t;
    }

    public IntervalSet All => IntervalSet.Range(0, (UInt128)(_names.Count - 1));

    /// <summary>The indices of the names some pattern matches.</summary>
    public IntervalSet Compile(IReadOnlyList<string> patterns)
    {
        var ranges = new List<(UInt128, UInt128)>();
        for (int i = 0; i < _names.Count; i++)
        {
            foreach (var p in patterns)
                if (MatchInterface.PatternMatches(p, _names[i])) { ranges.Add(((UInt128)i, (UInt128)i)); break; }
        }
        return IntervalSet.FromRanges(ranges);
    }
}
