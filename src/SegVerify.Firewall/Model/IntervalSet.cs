namespace SegVerify.Firewall.Model;

/// <summary>
/// An immutable set of unsigned values as sorted, disjoint, non-adjacent closed intervals. Used for every packet
/// dimension (interfaces, 128-bit addresses, protocol, ports, 48-bit MACs, conntrack state).
/// </summary>
public sealed class IntervalSet : IEquatable<IntervalSet>
{
    // Pairs: lo0, hi0, lo1, hi1, ... sorted, disjoint, with a gap of at least one value between intervals.
    private readonly UInt128[] _v;

    public static readonly IntervalSet Empty = new([]);

    private IntervalSet(UInt128[] v) { _v = v; }

    public int Count => _v.Length / 2;
    public bool IsEmpty => _v.Length == 0;
    public UInt128 Lo(int i) => _v[2 * i];
    public UInt128 Hi(int i) => _v[2 * i + 1];
    public UInt128 First => _v[0];

    public static IntervalSet Range(UInt128 lo, UInt128 hi) => lo > hi ? Empty : new([lo, hi]);
    public static IntervalSet Single(UInt128 v) => new([v, v]);

    /// <summary>Builds a normalised set from arbitrary (possibly overlapping, unsorted) intervals.</summary>
    public static IntervalSet FromRanges(IEnumerable<(UInt128 Lo, UInt128 Hi)> ranges)
    {
        var list = ranges.Where(r => r.Lo <= r.Hi).OrderBy(r => r.Lo).ToList();
        if (list.Count == 0) return Empty;
        var outv = new List<UInt128>(list.Count * 2);
        UInt128 lo = list[0].Lo, hi = list[0].Hi;
        for (int i = 1; i < list.Count; i++)
        {
            var r = list[i];
            if (hi != UInt128.MaxValue && r.Lo > hi + 1)
            {
                outv.Add(lo); outv.Add(hi);
                lo = r.Lo; hi = r.Hi;
            }
            else if (r.Hi > hi) hi = r.Hi;
        }
        outv.Add(lo); outv.Add(hi);
        return new IntervalSet(outv.ToArray());
    }

    public bool Contains(UInt128 x)
    {
        // Binary search over intervals.
        int a = 0, b = Count - 1;
        while (a <= b)
        {
            int m = (a + b) >> 1;
            if (x < _v[2 * m]) b = m - 1;
            else if (x > _v[2 * m + 1]) a = m + 1;
            else return true;
        }
        return false;
    }

    public bool Intersects(IntervalSet o)
    {
        int i = 0, j = 0;
        var a = _v; var b = o._v;
        while (i < a.Length && j < b.Length)
        {
            if (a[i + 1] < b[j]) i += 2;
            else if (b[j + 1] < a[i]) j += 2;
            else return true;
        }
        return false;
    }

    public IntervalSet Intersect(IntervalSet o)
    {
        if (ReferenceEquals(this, o)) return this;
        var a = _v; var b = o._v;
        if (a.Length == 2 && b.Length == 2)
        {
            if (a[0] >= b[0] && a[1] <= b[1]) return this;
            if (b[0] >= a[0] && b[1] <= a[1]) return o;
        }
        var res = new List<UInt128>();
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            var lo = a[i] > b[j] ? a[i] : b[j];
            var hi = a[i + 1] < b[j + 1] ? a[i + 1] : b[j + 1];
            if (lo <= hi) { res.Add(lo); res.Add(hi); }
            if (a[i + 1] < b[j + 1]) i += 2; else j += 2;
        }
        if (res.Count == a.Length && SameAs(res, a)) return this;
        return res.Count == 0 ? Empty : new IntervalSet(res.ToArray());
    }

    private static bool SameAs(List<UInt128> r, UInt128[] a)
    {
        for (int k = 0; k < a.Length; k++) if (r[k] != a[k]) return false;
        return true;
    }

    public IntervalSet Subtract(IntervalSet o)
    {
        if (o.IsEmpty || IsEmpty) return this;
        var res = new List<UInt128>();
        var a = _v; var b = o._v;
        int j = 0;
        for (int i = 0; i < a.Length; i += 2)
        {
            UInt128 lo = a[i], hi = a[i + 1];
            bool alive = true;
            while (j < b.Length && b[j + 1] < lo) j += 2;
            int k = j;
            while (alive && k < b.Length && b[k] <= hi)
            {
                if (b[k] > lo) { res.Add(lo); res.Add(b[k] - 1); }
                if (b[k + 1] >= hi) alive = false;
                else lo = b[k + 1] + 1;
                k += 2;
            }
            if (alive) { res.Add(lo); res.Add(hi); }
        }
        if (res.Count == a.Length && SameAs(res, a)) return this;
        return res.Count == 0 ? Empty : new IntervalSet(res.ToArray());
    }

    public IntervalSet Union(IntervalSet o)
    {
        if (o.IsEmpty) return this;
        if (IsEmpty) return o;
        var all = new List<(UInt128, UInt128)>(Count + o.Count);
        for (int i = 0; i < Count; i++) all.Add((Lo(i), Hi(i)));
        for (int i = 0; i < o.Count; i++) all.Add((o.Lo(i), o.Hi(i)));
        return FromRanges(all);
    }

    public bool IsSubsetOf(IntervalSet o) => Subtract(o).IsEmpty;

    public IEnumerable<(UInt128 Lo, UInt128 Hi)> Ranges()
    {
        for (int i = 0; i < Count; i++) yield return (Lo(i), Hi(i));
    }

    public bool Equals(IntervalSet? o)
    {
        if (o is null) return false;
        if (ReferenceEquals(this, o)) return true;
        if (o._v.Length != _v.Length) return false;
        for (int i = 0; i < _v.Length; i++) if (_v[i] != o._v[i]) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is IntervalSet o && Equals(o);

    private int _hash;

    public override int GetHashCode()
    {
        if (_hash != 0) return _hash;
        var h = new HashCode();
        foreach (var x in _v) h.Add(x);
        int v = h.ToHashCode();
        return _hash = v == 0 ? 1 : v;
    }

    public override string ToString() =>
        IsEmpty ? "{}" : string.Join(",", Ranges().Select(r => r.Lo == r.Hi ? r.Lo.ToString() : $"{r.Lo}-{r.Hi}"));
}
