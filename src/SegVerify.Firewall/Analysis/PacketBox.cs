using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>The dimensions of a packet in the analysis: the interfaces, then the header fields.</summary>
public enum Dim
{
    InIf = 0,
    OutIf = 1,
    Src = 2,
    Dst = 3,
    Proto = 4,
    Sport = 5,
    Dport = 6,
    SrcMac = 7,
    Ct = 8,
    IcmpType = 9,
    IcmpCode = 10,
    TcpFlags = 11,
    DstNat = 12,
}

/// <summary>Domains of the dimensions (the header fields' from <see cref="FieldDomains"/>, plus interface indices).</summary>
public static class Domains
{
    public const int DimCount = 13;
    /// <summary>Interface indices: table entries are 0..N-1; the domain is wider so complements stay finite.</summary>
    public const int MaxIfaces = 4096;

    public static readonly UInt128[] Max = [MaxIfaces - 1, MaxIfaces - 1, .. FieldDomains.Max];

    public static readonly IntervalSet[] Full = Max.Select(m => IntervalSet.Range(0, m)).ToArray();

    /// <summary>The dimension of a header field.</summary>
    public static Dim Of(HeaderField f) => (Dim)((int)f + 2);

    public static IntervalSet V4 => FieldDomains.V4;
    public static IntervalSet V6 => FieldDomains.V6;
    public static IntervalSet PortedProtos => FieldDomains.PortedProtocols;

    public static readonly IntervalSet ZeroPort = IntervalSet.Single(0);

    public static UInt128 ToU(IpAddr a) => FieldDomains.ToU(a);
    public static IpAddr ToIp(UInt128 v) => FieldDomains.ToIp(v);
    public static IntervalSet Cidr(Cidr c) => FieldDomains.Cidr(c);
    public static IntervalSet Complement(Dim d, IntervalSet s) => Full[(int)d].Subtract(s);
}

/// <summary>
/// A generalised box: the product of one interval set per dimension. A set of packets is a list of such boxes.
/// Subtracting one box from another yields at most <see cref="Domains.DimCount"/> disjoint boxes, exactly.
/// </summary>
public sealed class PacketBox
{
    public readonly IntervalSet[] D;

    // The hull of the source addresses, kept in the box: most boxes that do not meet differ there, and this answers
    // without reaching into the sets. (The sets of a box are never changed once it is built.)
    private readonly UInt128 _srcLo, _srcHi;

    public PacketBox(IntervalSet[] d)
    {
        D = d;
        var s = d[(int)Dim.Src];
        if (s.IsEmpty) { _srcLo = UInt128.MaxValue; _srcHi = UInt128.Zero; }
        else { _srcLo = s.Lo(0); _srcHi = s.Hi(s.Count - 1); }
    }

    private int _hash;

    /// <summary>A structural hash of the box (cached).</summary>
    public int Hash
    {
        get
        {
            if (_hash != 0) return _hash;
            var h = new HashCode();
            foreach (var s in D) h.Add(s.GetHashCode());
            int v = h.ToHashCode();
            return _hash = v == 0 ? 1 : v;
        }
    }

    /// <summary>True when both boxes hold the same sets in every dimension.</summary>
    public bool SameAs(PacketBox o)
    {
        if (ReferenceEquals(this, o)) return true;
        if (Hash != o.Hash) return false;
        for (int i = 0; i < D.Length; i++) if (!D[i].Equals(o.D[i])) return false;
        return true;
    }

    public static PacketBox Universe() => new(Copy(Domains.Full));

    public IntervalSet this[Dim d] => D[(int)d];

    /// <summary>A copy of a box's sets (a plain allocation and copy: cheaper than <see cref="Array.Clone"/>).</summary>
    internal static IntervalSet[] Copy(IntervalSet[] d)
    {
        var n = new IntervalSet[Domains.DimCount];
        d.AsSpan().CopyTo(n);
        return n;
    }

    public PacketBox With(Dim d, IntervalSet s)
    {
        var n = Copy(D);
        n[(int)d] = s;
        return new PacketBox(n);
    }

    public bool IsEmpty
    {
        get
        {
            foreach (var s in D) if (s.IsEmpty) return true;
            return false;
        }
    }

    // Order in which dimensions are tested: the most discriminating first, so misses are cheap. What is left of a set
    // walk is mostly pieces that differ in their addresses (a line's match cut out of a box leaves the other sources,
    // then the other destinations of that source, then the other ports), hence the addresses before the ports.
    internal static readonly int[] TestOrder = [2, 3, 6, 0, 1, 4, 5, 7, 8, 9, 10, 11, 12];

    public bool Intersects(PacketBox o)
    {
        if (o._srcHi < _srcLo || _srcHi < o._srcLo) return false;
        foreach (int i in TestOrder)
            if (!D[i].Intersects(o.D[i])) return false;
        return true;
    }

    public PacketBox? Intersect(PacketBox o)
    {
        if (!Intersects(o)) return null; // most calls miss: no allocation then
        var n = new IntervalSet[Domains.DimCount];
        for (int i = 0; i < n.Length; i++)
        {
            n[i] = D[i].Intersect(o.D[i]);
            if (n[i].IsEmpty) return null;
        }
        return new PacketBox(n);
    }

    /// <summary>this \ o as disjoint boxes (this itself when they do not meet).</summary>
    public void SubtractInto(PacketBox o, List<PacketBox> output) => Split(o, output);

    /// <summary>
    /// Adds this \ o to <paramref name="outside"/> as <see cref="SubtractInto"/> does and returns this ∩ o (null when
    /// they do not meet): one pass for both halves of a split.
    /// </summary>
    public PacketBox? SplitInto(PacketBox o, List<PacketBox> outside) => Split(o, outside) is { } inside ? new PacketBox(inside) : null;

    /// <summary>Adds this \ o to <paramref name="outside"/> as disjoint boxes and returns the dimensions of this ∩ o (null when they do not meet).</summary>
    private IntervalSet[]? Split(PacketBox o, List<PacketBox> outside)
    {
        if (!Intersects(o)) { outside.Add(this); return null; }
        var cur = Copy(D);
        for (int i = 0; i < cur.Length; i++)
        {
            var diff = cur[i].Subtract(o.D[i]);
            if (!diff.IsEmpty)
            {
                var piece = Copy(cur);
                piece[i] = diff;
                outside.Add(new PacketBox(piece));
            }
            cur[i] = cur[i].Intersect(o.D[i]);
        }
        return cur;
    }

    public bool IsSubsetOf(PacketBox o)
    {
        for (int i = 0; i < D.Length; i++) if (!D[i].IsSubsetOf(o.D[i])) return false;
        return true;
    }

    /// <summary>Index of the only dimension where the boxes differ, -1 when equal, -2 when more than one differs.</summary>
    public int SingleDifference(PacketBox o)
    {
        int diff = -1;
        for (int i = 0; i < D.Length; i++)
        {
            if (!D[i].Equals(o.D[i]))
            {
                if (diff >= 0) return -2;
                diff = i;
            }
        }
        return diff;
    }

    public override string ToString() => string.Join(" ", D.Select((s, i) => $"{(Dim)i}={s}"));
}

/// <summary>Operations on packet sets held as lists of boxes.</summary>
public static class PacketSets
{
    public static List<PacketBox> Subtract(List<PacketBox> a, IReadOnlyList<PacketBox> b)
    {
        var cur = a;
        foreach (var x in b)
        {
            var next = new List<PacketBox>(cur.Count + 4);
            foreach (var y in cur) y.SubtractInto(x, next);
            cur = next;
            if (cur.Count == 0) break;
        }
        return cur;
    }

    public static List<PacketBox> Intersect(IReadOnlyList<PacketBox> a, IReadOnlyList<PacketBox> b)
    {
        var res = new List<PacketBox>();
        foreach (var x in a)
            foreach (var y in b)
            {
                var i = x.Intersect(y);
                if (i is not null) res.Add(i);
            }
        return res;
    }

    /// <summary>Makes a list of possibly overlapping boxes disjoint.</summary>
    public static List<PacketBox> Disjoint(IReadOnlyList<PacketBox> boxes)
    {
        var res = new List<PacketBox>();
        foreach (var b in boxes)
        {
            var pieces = Subtract([b], res);
            res.AddRange(pieces);
        }
        return res;
    }

    /// <summary>Merges boxes that differ in exactly one dimension (repeatedly) into fewer, larger boxes.</summary>
    public static List<PacketBox> Merge(List<PacketBox> boxes)
    {
        var list = new List<PacketBox>(boxes);
        if (list.Count > 2000) return list;
        bool changed = true;
        while (changed && list.Count > 1)
        {
            changed = false;
            for (int i = 0; i < list.Count; i++)
                for (int j = i + 1; j < list.Count; j++)
                {
                    int d = list[i].SingleDifference(list[j]);
                    if (d == -2) continue;
                    if (d >= 0) list[i] = list[i].With((Dim)d, list[i].D[d].Union(list[j].D[d]));
                    list.RemoveAt(j);
                    j--;
                    changed = true;
                }
        }
        return list;
    }
}
