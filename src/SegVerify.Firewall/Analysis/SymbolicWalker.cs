using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>A box of packets with the line that decided it (accept or drop), if any yet.</summary>
public readonly record struct TaggedBox(PacketBox Box, AclLine? Rule);

/// <summary>
/// Walks ACLs symbolically over sets of packets, with call/goto/return semantics. In the normal mode a line with a
/// construct not understood is taken to match when it accepts (or calls, goes to, returns) and not to match when it
/// drops, so the accepted set is an over-approximation. In shadow mode every such line is taken not to match (so no
/// later line is wrongly called shadowed), and <see cref="IsHit"/> records whether a line can match at all.
/// </summary>
public sealed class SymbolicWalker
{
    private readonly CompiledRuleset _c;
    private readonly bool _shadowMode;
    private readonly bool[] _hit;
    private readonly HashSet<Acl> _reached = [];
    // Chain results by (ACL, input), kept for one top-level walk (WalkEntry, WalkStage): an ACL is walked once per
    // distinct input set, however many paths lead to it. Walks of different interface pairs never share an input,
    // so a memo outliving its walk would only hold memory.

    private sealed class MemoKey : IEquatable<MemoKey>
    {
        private readonly Acl _acl;
        private readonly List<TaggedBox> _input;
        private readonly int _hash;

        public MemoKey(Acl acl, List<TaggedBox> input)
        {
            _acl = acl; _input = input;
            var h = new HashCode();
            h.Add(acl);
            foreach (var t in input) { h.Add(t.Box.Hash); h.Add(t.Rule); }
            _hash = h.ToHashCode();
        }

        public bool Equals(MemoKey? o)
        {
            if (o is null || o._hash != _hash || o._acl != _acl || o._input.Count != _input.Count) return false;
            for (int i = 0; i < _input.Count; i++)
                if (_input[i].Rule != o._input[i].Rule || !_input[i].Box.SameAs(o._input[i].Box)) return false;
            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as MemoKey);
        public override int GetHashCode() => _hash;
    }

    public SymbolicWalker(CompiledRuleset compiled, bool shadowMode = false)
    {
        _c = compiled;
        _shadowMode = shadowMode;
        _hit = new bool[compiled.Rules.LineCount];
    }

    public bool IsHit(AclLine l) => _hit[l.Id];

    public bool IsReached(Acl a)
    {
        lock (_reached) return _reached.Contains(a);
    }

    public sealed class Result
    {
        public List<TaggedBox> Accepted { get; } = [];
        public List<TaggedBox> Dropped { get; } = [];
        public List<TaggedBox> Returned { get; } = [];
    }

    /// <summary>Runs an entry ACL: what falls off its end or returns takes its default line.</summary>
    public Result WalkEntry(Acl acl, List<TaggedBox> input) => WalkEntry(acl, input, new Dictionary<MemoKey, Result>());

    private Result WalkEntry(Acl acl, List<TaggedBox> input, Dictionary<MemoKey, Result> memo)
    {
        var walked = Walk(acl, input, memo);
        var r = new Result();
        r.Accepted.AddRange(walked.Accepted);
        r.Dropped.AddRange(walked.Dropped);
        r.Returned.AddRange(walked.Returned);
        var pol = acl.Default;
        bool accept = pol is null || pol.Action is LineAction.Accept;
        foreach (var t in r.Returned)
        {
            if (accept) r.Accepted.Add(new TaggedBox(t.Box, t.Rule ?? pol));
            else r.Dropped.Add(new TaggedBox(t.Box, pol));
        }
        if (pol is not null && r.Returned.Count > 0) _hit[pol.Id] = true;
        r.Returned.Clear();
        return r;
    }

    /// <summary>
    /// Runs a list of attachments in order: a packet must be accepted by each attachment that applies to it (its
    /// family and interfaces); a drop in any is final. Packets no attachment applies to are tagged with
    /// <paramref name="unfiltered"/> and accepted or dropped by it.
    /// </summary>
    /// <remarks>Input boxes must be untagged (Rule null).</remarks>
    public Result WalkStage(IReadOnlyList<AclAttachment> stage, List<TaggedBox> input, AclLine unfiltered)
    {
        var cur = input;
        var dropped = new List<TaggedBox>();
        var memo = new Dictionary<MemoKey, Result>();
        foreach (var a in stage)
        {
            var fam = FieldDomains.Addresses(a.Families);
            var inIf = _c.IfaceSet(a.InInterfaces);
            var outIf = _c.IfaceSet(a.OutInterfaces);
            var inside = new List<TaggedBox>();
            var outside = new List<TaggedBox>();
            foreach (var t in cur)
            {
                var i = t.Box.With(Dim.Src, t.Box[Dim.Src].Intersect(fam)).With(Dim.InIf, t.Box[Dim.InIf].Intersect(inIf)).With(Dim.OutIf, t.Box[Dim.OutIf].Intersect(outIf));
                if (!i.IsEmpty) inside.Add(new TaggedBox(i, t.Rule));
                var scope = PacketBox.Universe().With(Dim.Src, fam).With(Dim.InIf, inIf).With(Dim.OutIf, outIf);
                var rest = new List<PacketBox>();
                t.Box.SubtractInto(scope, rest);
                foreach (var o in rest) outside.Add(new TaggedBox(o, t.Rule));
            }
            var r = WalkEntry(a.Acl, inside, memo);
            dropped.AddRange(r.Dropped);
            outside.AddRange(r.Accepted);
            cur = outside;
        }
        var res = new Result();
        // Packets no attachment saw (still untagged) take the unfiltered verdict.
        bool accept = unfiltered.Action is LineAction.Accept;
        foreach (var t in cur)
        {
            if (t.Rule is not null || accept) res.Accepted.Add(new TaggedBox(t.Box, t.Rule ?? unfiltered));
            else dropped.Add(new TaggedBox(t.Box, unfiltered));
        }
        res.Dropped.AddRange(dropped);
        return res;
    }

    /// <summary>Walks an ACL, memoised; the result's lists are shared and must not be changed.</summary>
    private Result Walk(Acl acl, List<TaggedBox> input, Dictionary<MemoKey, Result> memo)
    {
        var key = new MemoKey(acl, input);
        if (memo.TryGetValue(key, out var known)) return known;
        var res = WalkUncached(acl, input, memo);
        memo[key] = res;
        return res;
    }

    private Result WalkUncached(Acl acl, List<TaggedBox> input, Dictionary<MemoKey, Result> memo)
    {
        var res = new Result();
        var rem = input;
        if (input.Count > 0) lock (_reached) _reached.Add(acl);
        var hull = Hull(input);
        // When every input packet enters one interface and leaves one, only the lines that can match that pair.
        IReadOnlyList<AclLine> lines = acl.Lines;
        if (hull is not null && hull[Dim.InIf].Count == 1 && hull[Dim.InIf].Lo(0) == hull[Dim.InIf].Hi(0)
            && hull[Dim.OutIf].Count == 1 && hull[Dim.OutIf].Lo(0) == hull[Dim.OutIf].Hi(0))
            lines = _c.LinesFor(acl, (int)hull[Dim.InIf].Lo(0), (int)hull[Dim.OutIf].Lo(0)).Lines;
        // What is left alternates between two lists of this walk (the input itself is never written to).
        List<TaggedBox>? spare = null;
        var pieces = new List<PacketBox>();
        foreach (var rule in lines)
        {
            if (rem.Count == 0) break;
            var over = _c.Over(rule);
            if (hull is not null && !MayMeet(over, hull)) continue;
            var m = Effective(rule);
            // In shadow mode a line is hit when its over-approximation meets what is left; when that is also what it
            // takes (no part not understood), the search for the first box met below answers it.
            bool hitBySearch = _shadowMode && ReferenceEquals(m, over) && rule.Action != LineAction.Continue;
            if (_shadowMode && !_hit[rule.Id] && !hitBySearch)
            {
                foreach (var t in rem)
                {
                    foreach (var b in over)
                        if (t.Box.Intersects(b)) { _hit[rule.Id] = true; break; }
                    if (_hit[rule.Id]) break;
                }
            }
            if (m.Count == 0 || rule.Action == LineAction.Continue) continue;
            // Most lines meet none of the remaining boxes: find the first one met before building anything.
            int first = -1;
            for (int k = 0; k < rem.Count && first < 0; k++)
                foreach (var b in m)
                    if (rem[k].Box.Intersects(b)) { first = k; break; }
            if (first < 0) continue;
            if (hitBySearch) _hit[rule.Id] = true;
            // In shadow mode only what returns to the caller matters, not what is accepted or dropped.
            bool keepMatched = !_shadowMode || rule.Action is LineAction.Return or LineAction.Call or LineAction.Goto;
            var matched = new List<TaggedBox>();
            var next = spare ?? new List<TaggedBox>(rem.Count + 8);
            next.Clear();
            for (int k = 0; k < first; k++) next.Add(rem[k]);
            for (int k = first; k < rem.Count; k++)
            {
                var t = rem[k];
                bool any = false;
                foreach (var b in m)
                    if (t.Box.Intersects(b)) { any = true; break; }
                if (!any) { next.Add(t); continue; }
                if (m.Count == 1)
                {
                    pieces.Clear();
                    var inter = t.Box.SplitInto(m[0], pieces);
                    if (inter is not null && keepMatched) matched.Add(new TaggedBox(inter, t.Rule));
                    foreach (var x in pieces) next.Add(new TaggedBox(x, t.Rule));
                    continue;
                }
                List<PacketBox> cur = [t.Box];
                foreach (var b in m)
                {
                    var nxt = new List<PacketBox>(cur.Count + 4);
                    foreach (var x in cur)
                    {
                        var inter = x.SplitInto(b, nxt);
                        if (inter is not null && keepMatched) matched.Add(new TaggedBox(inter, t.Rule));
                    }
                    cur = nxt;
                }
                foreach (var x in cur) next.Add(new TaggedBox(x, t.Rule));
            }
            if (!_shadowMode) _hit[rule.Id] = true;
            spare = ReferenceEquals(rem, input) ? null : rem;
            rem = next;
            switch (rule.Action)
            {
                case LineAction.Accept:
                case LineAction.Translate:
                    foreach (var t in matched) res.Accepted.Add(new TaggedBox(t.Box, t.Rule is null || t.Rule.IsDefault ? rule : t.Rule));
                    break;
                case LineAction.Drop:
                case LineAction.Reject:
                    foreach (var t in matched) res.Dropped.Add(new TaggedBox(t.Box, rule));
                    break;
                case LineAction.Return:
                    res.Returned.AddRange(matched);
                    break;
                case LineAction.Call:
                case LineAction.Goto:
                    {
                        var sub = Walk(rule.TargetAcl!, matched, memo);
                        res.Accepted.AddRange(sub.Accepted);
                        res.Dropped.AddRange(sub.Dropped);
                        if (rule.Action == LineAction.Call) rem.AddRange(sub.Returned);
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

    private List<PacketBox> Effective(AclLine r)
    {
        if (_shadowMode) return _c.Under(r);
        return r.Action is LineAction.Drop or LineAction.Reject ? _c.Under(r) : _c.Over(r);
    }
}
