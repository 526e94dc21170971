using SegVerify.Core.Net;

namespace SegVerify.Firewall.Analysis;

/// <summary>The dimensions of a packet in the analysis.</summary>
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
}

/// <summary>Conntrack states as values of the <see cref="Dim.Ct"/> dimension (a packet has exactly one).</summary>
public static class CtStates
{
    public const int New = 0;
    public const int Established = 1;
    public const int Related = 2;
    public const int Invalid = 3;
    public const int Untracked = 4;
    public const int Max = 4;

    public static readonly string[] Names = ["new", "established", "related", "invalid", "untracked"];

    public static int Parse(string s) => s.ToLowerInvariant() switch
    {
        "new" => New,
        "established" => Established,
        "related" => Related,
        "invalid" => Invalid,
        "untracked" => Untracked,
        _ => -1,
    };
}

/// <summary>Domains of the dimensions and helpers to convert addresses.</summary>
public static class Domains
{
    public const int DimCount = 9;
    /// <summary>Interface indices: table entries are 0..N-1; the domain is wider so complements stay finite.</summary>
    public const int MaxIfaces = 4096;
    public const ulong MacMax = 0xFFFF_FFFF_FFFFUL;

    public static readonly UInt128[] Max =
    [
        MaxIfaces - 1, MaxIfaces - 1, UInt128.MaxValue, UInt128.MaxValue, 255, 65535, 65535, MacMax, CtStates.Max,
    ];

    public static readonly IntervalSet[] Full = Max.Select(m => IntervalSet.Range(0, m)).ToArray();

    /// <summary>IPv4 addresses (stored IPv4-mapped, ::ffff:0:0/96).</summary>
    public static readonly IntervalSet V4 = IntervalSet.Range(ToU(IpAddr.FromV4(0)), ToU(IpAddr.FromV4(uint.MaxValue)));
    /// <summary>Every address that is not IPv4-mapped: the IPv6 family.</summary>
    public static readonly IntervalSet V6 = Full[(int)Dim.Src].Subtract(V4);

    /// <summary>Protocols whose packets carry ports in the analysis: tcp, udp, dccp, sctp, udplite.</summary>
    public static readonly IntervalSet PortedProtos =
        IntervalSet.FromRanges([(6, 6), (17, 17), (33, 33), (132, 132), (136, 136)]);

    public static readonly IntervalSet ZeroPort = IntervalSet.Single(0);

    public static UInt128 ToU(IpAddr a) => ((UInt128)a.Hi << 64) | a.Lo;
    public static IpAddr ToIp(UInt128 v) => new((ulong)(v >> 64), (ulong)v);

    public static IntervalSet Cidr(Cidr c) => IntervalSet.Range(ToU(c.Network), ToU(c.Last));

    public static IntervalSet Complement(Dim d, IntervalSet s) => Full[(int)d].Subtract(s);
}

/// <summary>
/// A generalised box: the product of one interval set per dimension. A set of packets is a list of such boxes.
/// Subtracting one box from another yields at most <see cref="Domains.DimCount"/> disjoint boxes, exactly.
/// </summary>
public sealed class PacketBox
{
    public readonly IntervalSet[] D;

    public PacketBox(IntervalSet[] d) { D = d; }

    public static PacketBox Universe() => new((IntervalSet[])Domains.Full.Clone());

    public IntervalSet this[Dim d] => D[(int)d];

    public PacketBox With(Dim d, IntervalSet s)
    {
        var n = (IntervalSet[])D.Clone();
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

    // Order in which dimensions are tested: the most discriminating first, so misses are cheap.
    private static readonly int[] TestOrder = [6, 3, 2, 0, 1, 4, 5, 7, 8];

    public bool Intersects(PacketBox o)
    {
        foreach (int i in TestOrder)
            if (!D[i].Intersects(o.D[i])) return false;
        return true;
    }

    public PacketBox? Intersect(PacketBox o)
    {
        var n = new IntervalSet[Domains.DimCount];
        for (int i = 0; i < n.Length; i++)
        {
            n[i] = D[i].Intersect(o.D[i]);
            if (n[i].IsEmpty) return null;
        }
        return new PacketBox(n);
    }

    /// <summary>this \ o as disjoint boxes (this itself when they do not meet).</summary>
    public void SubtractInto(PacketBox o, List<PacketBox> output)
    {
        if (!Intersects(o)) { output.Add(this); return; }
        var cur = (IntervalSet[])D.Clone();
        for (int i = 0; i < cur.Length; i++)
        {
            var diff = cur[i].Subtract(o.D[i]);
            if (!diff.IsEmpty)
            {
                var piece = (IntervalSet[])cur.Clone();
                piece[i] = diff;
                output.Add(new PacketBox(piece));
            }
            cur[i] = cur[i].Intersect(o.D[i]);
        }
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
