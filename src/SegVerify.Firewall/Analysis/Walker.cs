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
        foreach (var r in rs.AllRules)
            foreach (var c in r.Ifaces)
                foreach (var p in c.Patterns)
                {
                    if (p.Length > 0 && p[^1] == '*') t.Add(p[..^1] + "\u2026");
                    else t.Add(p);
                }
        t.Add(OtherName);
        return t;
    }

    public IntervalSet All => IntervalSet.Range(0, (UInt128)(_names.Count - 1));

    public IntervalSet Compile(IfaceConstraint c)
    {
        var ranges = new List<(UInt128, UInt128)>();
        for (int i = 0; i < _names.Count; i++)
            if (c.Matches(_names[i])) ranges.Add(((UInt128)i, (UInt128)i));
        return IntervalSet.FromRanges(ranges);
    }
}

/// <summary>Turns rules into packet boxes for one interface table.</summary>
public static class RuleCompiler
{
    public static void Compile(FwRuleset rs, IfaceTable table)
    {
        foreach (var c in rs.Chains)
        {
            foreach (var r in c.Rules) Compile(r, table);
            if (c.Policy is not null) Compile(c.Policy, table);
        }
    }

    public static void Compile(FwRule r, IfaceTable table)
    {
        r.Hit = false;
        if (r.Never) { r.Over = []; r.Under = []; return; }
        var d = (IntervalSet[])Domains.Full.Clone();
        foreach (var f in r.Fields) d[(int)f.Dim] = d[(int)f.Dim].Intersect(f.Values);
        foreach (var i in r.Ifaces)
        {
            int k = i.In ? (int)Dim.InIf : (int)Dim.OutIf;
            d[k] = d[k].Intersect(table.Compile(i));
        }
        var boxes = new List<PacketBox> { new(d) };
        foreach (var group in r.AnyOf)
        {
            var next = new List<PacketBox>();
            foreach (var b in boxes)
                foreach (var alt in group)
                {
                    var n = (IntervalSet[])b.D.Clone();
                    foreach (var f in alt) n[(int)f.Dim] = n[(int)f.Dim].Intersect(f.Values);
                    next.Add(new PacketBox(n));
                }
            boxes = next;
        }
        boxes.RemoveAll(b => b.IsEmpty);
        boxes = PacketSets.Disjoint(boxes);
        r.Over = boxes;
        r.Under = r.HasUnknown ? [] : boxes;
    }
}

/// <summary>A box of packets with the rule that decided it (accept or drop), if any yet.</summary>
public readonly record struct TaggedBox(PacketBox Box, FwRule? Rule);

/// <summary>
/// Walks chains symbolically over sets of packets, with jump/goto/return semantics. In the normal mode a rule with a
/// construct not understood is taken to match when it accepts (or jumps, goes to, returns) and not to match when it
/// drops, so the accepted set is an over-approximation. In shadow mode every such rule is taken not to match (so no
/// later rule is wrongly called shadowed), and <see cref="FwRule.Hit"/> records whether a rule can match at all.
/// </summary>
public sealed class SymbolicWalker
{
    private const int MaxDepth = 64;
    private readonly bool _shadowMode;

    public SymbolicWalker(bool shadowMode = false) { _shadowMode = shadowMode; }

    public sealed class Result
    {
        public List<TaggedBox> Accepted { get; } = [];
        public List<TaggedBox> Dropped { get; } = [];
        public List<TaggedBox> Returned { get; } = [];
    }

    /// <summary>Runs a base chain: what falls off its end takes the policy.</summary>
    public Result WalkBase(FwChain chain, List<TaggedBox> input)
    {
        var r = Walk(chain, input, 0);
        var pol = chain.Policy;
        bool accept = pol is null || pol.Action == RuleAction.Accept;
        foreach (var t in r.Returned)
        {
            if (accept) r.Accepted.Add(new TaggedBox(t.Box, t.Rule ?? pol));
            else r.Dropped.Add(new TaggedBox(t.Box, pol));
        }
        if (pol is not null && r.Returned.Count > 0) pol.Hit = true;
        r.Returned.Clear();
        return r;
    }

    /// <summary>
    /// Runs the base chains of one hook in order: a packet must be accepted by each base chain whose family covers it;
    /// a drop in any is final. <paramref name="familyDomain"/> gives each chain's source-address family.
    /// </summary>
    public Result WalkHook(IReadOnlyList<FwChain> chains, List<TaggedBox> input)
    {
        var cur = input;
        var dropped = new List<TaggedBox>();
        foreach (var c in chains)
        {
            var fam = FamilySet(c.Family);
            var inside = new List<TaggedBox>();
            var outside = new List<TaggedBox>();
            foreach (var t in cur)
            {
                var i = t.Box.With(Dim.Src, t.Box[Dim.Src].Intersect(fam));
                if (!i.IsEmpty) inside.Add(new TaggedBox(i, t.Rule));
                var o = t.Box.With(Dim.Src, t.Box[Dim.Src].Subtract(fam));
                if (!o.IsEmpty) outside.Add(new TaggedBox(o, t.Rule));
            }
            var r = WalkBase(c, inside);
            dropped.AddRange(r.Dropped);
            outside.AddRange(r.Accepted);
            cur = outside;
        }
        var res = new Result();
        res.Accepted.AddRange(cur);
        res.Dropped.AddRange(dropped);
        return res;
    }

    public static IntervalSet FamilySet(Family f) => f switch
    {
        Family.V4 => Domains.V4,
        Family.V6 => Domains.V6,
        _ => Domains.Full[(int)Dim.Src],
    };

    private Result Walk(FwChain chain, List<TaggedBox> input, int depth)
    {
        var res = new Result();
        if (depth > MaxDepth)
        {
            // A loop (not allowed by the kernel): stop here and let the packets return.
            res.Returned.AddRange(input);
            return res;
        }
        var rem = input;
        if (input.Count > 0) chain.Reached = true;
        var hull = Hull(input);
        foreach (var rule in chain.Rules)
        {
            if (rem.Count == 0) break;
            if (hull is not null && !MayMeet(rule.Over, hull)) continue;
            var m = Effective(rule);
            if (_shadowMode && !rule.Hit)
            {
                foreach (var t in rem)
                {
                    foreach (var b in rule.Over)
                        if (t.Box.Intersects(b)) { rule.Hit = true; break; }
                    if (rule.Hit) break;
                }
            }
            if (m.Count == 0 || rule.Action == RuleAction.Continue) continue;
            var matched = new List<TaggedBox>();
            var next = new List<TaggedBox>(rem.Count);
            var pieces = new List<PacketBox>();
            foreach (var t in rem)
            {
                bool any = false;
                foreach (var b in m)
                    if (t.Box.Intersects(b)) { any = true; break; }
                if (!any) { next.Add(t); continue; }
                List<PacketBox> cur = [t.Box];
                foreach (var b in m)
                {
                    var nxt = new List<PacketBox>(cur.Count + 4);
                    foreach (var x in cur)
                    {
                        var inter = x.Intersect(b);
                        if (inter is not null) matched.Add(new TaggedBox(inter, t.Rule));
                        x.SubtractInto(b, nxt);
                    }
                    cur = nxt;
                }
                foreach (var x in cur) next.Add(new TaggedBox(x, t.Rule));
            }
            if (matched.Count == 0) continue;
            if (!_shadowMode) rule.Hit = true;
            rem = next;
            switch (rule.Action)
            {
                case RuleAction.Accept:
                    foreach (var t in matched) res.Accepted.Add(new TaggedBox(t.Box, t.Rule is null || t.Rule.IsPolicy ? rule : t.Rule));
                    break;
                case RuleAction.Drop:
                case RuleAction.Reject:
                    foreach (var t in matched) res.Dropped.Add(new TaggedBox(t.Box, rule));
                    break;
                case RuleAction.Return:
                    res.Returned.AddRange(matched);
                    break;
                case RuleAction.Jump:
                case RuleAction.Goto:
                    {
                        var sub = Walk(rule.TargetChain!, matched, depth + 1);
                        res.Accepted.AddRange(sub.Accepted);
                        res.Dropped.AddRange(sub.Dropped);
                        if (rule.Action == RuleAction.Jump) rem.AddRange(sub.Returned);
                        else res.Returned.AddRange(sub.Returned);
                        break;
                    }
            }
        }
        res.Returned.AddRange(rem);
        return res;
    }

    /// <summary>The smallest single-interval-per-dimension box holding every input box (a cheap pre-filter).</summary>
    private static PacketBox? Hull(List<TaggedBox> input)
    {
        if (input.Count == 0) return null;
        var lo = new UInt128[Domains.DimCount];
        var hi = new UInt128[Domains.DimCount];
        for (int d = 0; d < lo.Length; d++) { lo[d] = UInt128.MaxValue; hi[d] = UInt128.Zero; }
        foreach (var t in input)
            for (int d = 0; d < lo.Length; d++)
            {
                var s = t.Box.D[d];
                if (s.IsEmpty) continue;
                if (s.Lo(0) < lo[d]) lo[d] = s.Lo(0);
                if (s.Hi(s.Count - 1) > hi[d]) hi[d] = s.Hi(s.Count - 1);
            }
        var dims = new IntervalSet[Domains.DimCount];
        for (int d = 0; d < dims.Length; d++) dims[d] = IntervalSet.Range(lo[d], hi[d]);
        return new PacketBox(dims);
    }

    private static bool MayMeet(List<PacketBox> boxes, PacketBox hull)
    {
        foreach (var b in boxes) if (b.Intersects(hull)) return true;
        return false;
    }

    private List<PacketBox> Effective(FwRule r)
    {
        if (_shadowMode) return r.Under;
        return r.Action is RuleAction.Drop or RuleAction.Reject ? r.Under : r.Over;
    }
}
