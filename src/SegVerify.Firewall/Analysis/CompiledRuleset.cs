using System.Collections.Concurrent;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>
/// The analysis' compiled form of a ruleset for one interface table: for every line (by <see cref="AclLine.Id"/>)
/// the packets it may match (over-approximation: unknown parts match) and surely matches (under-approximation:
/// unknown parts do not), as disjoint boxes. The model itself is never written to.
/// </summary>
public sealed class CompiledRuleset
{
    private readonly List<PacketBox>[] _over;
    private readonly List<PacketBox>[] _under;

    public FwRuleset Rules { get; }
    public IfaceTable Ifaces { get; }

    private CompiledRuleset(FwRuleset rs, IfaceTable ifaces)
    {
        Rules = rs; Ifaces = ifaces;
        _over = new List<PacketBox>[rs.LineCount];
        _under = new List<PacketBox>[rs.LineCount];
    }

    public static CompiledRuleset Compile(FwRuleset rs, IfaceTable ifaces)
    {
        var c = new CompiledRuleset(rs, ifaces);
        var all = new List<AclLine>();
        foreach (var acl in rs.Acls)
        {
            all.AddRange(acl.Lines);
            if (acl.Default is not null) all.Add(acl.Default);
        }
        all.Add(rs.Unfiltered);
        Parallel.ForEach(all, l =>
        {
            var (over, under) = c.Compile(l.Match);
            c._over[l.Id] = over;
            c._under[l.Id] = l.HasUnknown ? under : over;
        });
        return c;
    }

    public List<PacketBox> Over(AclLine l) => _over[l.Id];

    /// <summary>
    /// A concrete packet as one value per <see cref="Dim"/>, for <see cref="MayMatch"/>; null when an interface is not
    /// in the interface table.
    /// </summary>
    public UInt128[]? Point(ProbePacket p)
    {
        int i = Ifaces.IndexOf(p.InIf), o = Ifaces.IndexOf(p.OutIf);
        if (i < 0 || o < 0) return null;
        var v = new UInt128[Domains.DimCount];
        v[(int)Dim.InIf] = (UInt128)i;
        v[(int)Dim.OutIf] = (UInt128)o;
        foreach (var f in Enum.GetValues<HeaderField>()) v[(int)Domains.Of(f)] = p.Value(f);
        return v;
    }

    /// <summary>False when line <paramref name="l"/> cannot match the packet <paramref name="point"/>, even with its
    /// parts not understood taken to match (its over-approximation does not hold the packet).</summary>
    public bool MayMatch(AclLine l, UInt128[] point)
    {
        foreach (var b in _over[l.Id])
        {
            bool all = true;
            foreach (int d in PacketBox.TestOrder)
                if (!b.D[d].Contains(point[d])) { all = false; break; }
            if (all) return true;
        }
        return false;
    }

    private readonly ConcurrentDictionary<(Acl Acl, int In, int Out), PairLines> _byIfaces = new();

    /// <summary>
    /// The lines of <paramref name="acl"/> that can match a packet entering <paramref name="inIf"/> and leaving
    /// <paramref name="outIf"/> (interface table indices), cached per interface pair.
    /// </summary>
    public PairLines LinesFor(Acl acl, int inIf, int outIf) =>
        _byIfaces.GetOrAdd((acl, inIf, outIf), k => PairLines.Build(k.Acl, Over, k.In, k.Out));

    public List<PacketBox> Under(AclLine l) => _under[l.Id];

    /// <summary>
    /// One (in, out) pair of interface table indices for each class of pairs that every line treats alike: each box
    /// of every line (over- and under-approximation) holds the in interface of one pair of a class exactly when it
    /// holds the in interface of any other, and likewise the out interface. Walking a packet set for one pair of a
    /// class is walking it for all of them: the same lines match the same parts.
    /// </summary>
    public List<(int In, int Out)> DistinctInterfacePairs()
    {
        int n = Ifaces.Names.Count;
        var boxes = new List<PacketBox>();
        for (int id = 0; id < _over.Length; id++)
        {
            if (_over[id] is { } o) boxes.AddRange(o);
            if (_under[id] is { } u && !ReferenceEquals(u, _over[id])) boxes.AddRange(u);
        }
        // Whether each box holds each interface, as one signature per interface and direction; a pair's class is
        // its (in signature, out signature).
        string Signature(Dim d, int i)
        {
            var chars = new char[boxes.Count];
            for (int k = 0; k < boxes.Count; k++) chars[k] = boxes[k][d].Contains((UInt128)i) ? '1' : '0';
            return new string(chars);
        }
        var inClass = new int[n];
        var outClass = new int[n];
        var inSeen = new Dictionary<string, int>();
        var outSeen = new Dictionary<string, int>();
        for (int i = 0; i < n; i++)
        {
            var si = Signature(Dim.InIf, i);
            if (!inSeen.TryGetValue(si, out inClass[i])) inSeen[si] = inClass[i] = inSeen.Count;
            var so = Signature(Dim.OutIf, i);
            if (!outSeen.TryGetValue(so, out outClass[i])) outSeen[so] = outClass[i] = outSeen.Count;
        }
        var res = new List<(int, int)>();
        var taken = new HashSet<(int, int)>();
        for (int i = 0; i < n; i++)
            for (int o = 0; o < n; o++)
                if (taken.Add((inClass[i], outClass[o]))) res.Add((i, o));
        return res;
    }

    /// <summary>The boxes of an interface pattern list (null: every interface).</summary>
    public IntervalSet IfaceSet(IReadOnlyList<string>? patterns) => patterns is null ? Domains.Full[(int)Dim.InIf] : Ifaces.Compile(patterns);

    private static List<PacketBox> Universe() => [PacketBox.Universe()];

    /// <summary>Over- and under-approximation of an expression, each as disjoint boxes.</summary>
    private (List<PacketBox> Over, List<PacketBox> Under) Compile(MatchExpr e)
    {
        switch (e)
        {
            case MatchField f:
                {
                    var b = f.Values.IsEmpty ? new List<PacketBox>() : [PacketBox.Universe().With(Domains.Of(f.Field), f.Values)];
                    return (b, b);
                }
            case MatchInterface i:
                {
                    var set = Ifaces.Compile(i.Patterns);
                    var b = set.IsEmpty ? new List<PacketBox>() : [PacketBox.Universe().With(i.Ingress ? Dim.InIf : Dim.OutIf, set)];
                    return (b, b);
                }
            case MatchUnknown:
                return (Universe(), []);
            case MatchNot n:
                {
                    var (o, u) = Compile(n.Term);
                    return (PacketSets.Subtract(Universe(), u), PacketSets.Subtract(Universe(), o));
                }
            case MatchAnd a:
                {
                    // Fields of single-box terms are intersected in place; the rest multiply out.
                    var d = PacketBox.Copy(Domains.Full);
                    var complexO = new List<List<PacketBox>>();
                    var complexU = new List<List<PacketBox>>();
                    bool sameUnder = true;
                    foreach (var t in a.Terms)
                    {
                        if (t is MatchField f) { int k = (int)Domains.Of(f.Field); d[k] = d[k].Intersect(f.Values); continue; }
                        if (t is MatchInterface mi) { int k = mi.Ingress ? (int)Dim.InIf : (int)Dim.OutIf; d[k] = d[k].Intersect(Ifaces.Compile(mi.Patterns)); continue; }
                        var (o, u) = Compile(t);
                        complexO.Add(o); complexU.Add(u);
                        if (!ReferenceEquals(o, u)) sameUnder = false;
                    }
                    var start = new PacketBox(d);
                    if (start.IsEmpty) return ([], []);
                    List<PacketBox> over = [start];
                    foreach (var o in complexO) { over = PacketSets.Intersect(over, o); if (over.Count == 0) break; }
                    if (sameUnder) return (over, over);
                    List<PacketBox> under = [start];
                    foreach (var u in complexU) { under = PacketSets.Intersect(under, u); if (under.Count == 0) break; }
                    return (over, under);
                }
            case MatchOr or:
                {
                    var over = new List<PacketBox>();
                    var under = new List<PacketBox>();
                    bool same = true;
                    foreach (var t in or.Terms)
                    {
                        var (o, u) = Compile(t);
                        over.AddRange(o); under.AddRange(u);
                        if (!ReferenceEquals(o, u)) same = false;
                    }
                    over = PacketSets.Disjoint(over);
                    return same ? (over, over) : (over, PacketSets.Disjoint(under));
                }
            default:
                throw new InvalidOperationException($"unknown match expression {e.GetType().Name}");
        }
    }
}
