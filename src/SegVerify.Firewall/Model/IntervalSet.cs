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
        var list = new List<(UInt128 Lo, UInt128 Hi)>();
        bool sorted = true;
        foreach (var r in ranges)
        {
            if (r.Lo > r.Hi) continue;
            if (list.Count > 0 && r.Lo < list[^1].Lo) sorted = false;
            list.Add(r);
        }
        if (list.Count == 0) return Empty;
        if (!sorted) list.Sort(static (x, y) => x.Lo.CompareTo(y.Lo));
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

    // The binary operations below walk both operands in order but skip runs of intervals that cannot meet the other
    // operand by galloping (exponential then binary search), so a small set against a large one costs
    // O(small * log large) (plus the copy of the result), and two sets of similar size O(n).

    /// <summary>
    /// The first even index k' >= <paramref name="k"/> whose interval ends at or after <paramref name="x"/> (hi >= x),
    /// or v.Length when none does.
    /// </summary>
    private static int Gallop(UInt128[] v, int k, UInt128 x)
    {
        int n = v.Length;
        if (k >= n || v[k + 1] >= x) return k;
        int lo = k, step = 2, hi = k + step; // invariant: v[lo + 1] < x
        while (hi < n && v[hi + 1] < x) { lo = hi; step <<= 1; hi = k + step; }
        if (hi > n) hi = n;
        while (hi - lo > 2) // (lo, hi]: v[hi + 1] >= x or hi == n
        {
            int mid = lo + (((hi - lo) / 2) & ~1);
            if (v[mid + 1] < x) lo = mid; else hi = mid;
        }
        return hi;
    }

    public bool Intersects(IntervalSet o)
    {
        var a = _v; var b = o._v;
        if (a.Length == 0 || b.Length == 0) return false;
        if (a[^1] < b[0] || b[^1] < a[0]) return false;
        if (a.Length == 2 || b.Length == 2)
        {
            // One interval against a set: a hull overlap is enough when the set is one interval too, else one search.
            if (a.Length == 2 && b.Length == 2) return true;
            var (one, many) = a.Length == 2 ? (a, b) : (b, a);
            int k = Gallop(many, 0, one[0]);
            return k < many.Length && many[k] <= one[1];
        }
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i + 1] < b[j]) i = Gallop(a, i, b[j]);
            else if (b[j + 1] < a[i]) j = Gallop(b, j, a[i]);
            else return true;
        }
        return false;
    }

    public IntervalSet Intersect(IntervalSet o)
    {
        if (ReferenceEquals(this, o)) return this;
        var a = _v; var b = o._v;
        if (a.Length == 0) return this;
        if (b.Length == 0) return o;
        if (b.Length == 2 && b[0] <= a[0] && a[^1] <= b[1]) return this; // o covers this
        if (a.Length == 2 && a[0] <= b[0] && b[^1] <= a[1]) return o;    // this covers o
        if (a.Length + b.Length >= CacheMin) return Cached(this, o, OpIntersect);
        return IntersectCore(o);
    }

    private IntervalSet IntersectCore(IntervalSet o)
    {
        var a = _v; var b = o._v;
        // The result has at most |a| + |b| intervals: merge into a scratch buffer, exact copy at the end.
        var buf = Rent(a.Length + b.Length);
        int n = 0, i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i + 1] < b[j]) { i = Gallop(a, i, b[j]); continue; }
            if (b[j + 1] < a[i]) { j = Gallop(b, j, a[i]); continue; }
            var lo = a[i] > b[j] ? a[i] : b[j];
            var hi = a[i + 1] < b[j + 1] ? a[i + 1] : b[j + 1];
            buf[n++] = lo; buf[n++] = hi;
            if (a[i + 1] < b[j + 1]) i += 2; else j += 2;
        }
        return Finish(buf, n, this, o);
    }

    public IntervalSet Subtract(IntervalSet o)
    {
        if (o.IsEmpty || IsEmpty) return this;
        var a = _v; var b = o._v;
        if (b[^1] < a[0] || a[^1] < b[0]) return this;
        if (a.Length + b.Length >= CacheMin) return Cached(this, o, OpSubtract);
        return SubtractCore(o);
    }

    private IntervalSet SubtractCore(IntervalSet o)
    {
        var a = _v; var b = o._v;
        var buf = Rent(a.Length + b.Length);
        int n = 0, i = 0, j = 0;
        while (i < a.Length)
        {
            if (j >= b.Length)
            {
                a.AsSpan(i).CopyTo(buf.AsSpan(n));
                n += a.Length - i;
                break;
            }
            if (b[j + 1] < a[i]) { j = Gallop(b, j, a[i]); continue; }
            if (a[i + 1] < b[j])
            {
                // Intervals of this set wholly before the next one of o are kept as they are.
                int i2 = Gallop(a, i, b[j]);
                a.AsSpan(i, i2 - i).CopyTo(buf.AsSpan(n));
                n += i2 - i;
                i = i2;
                continue;
            }
            UInt128 lo = a[i], hi = a[i + 1];
            bool alive = true;
            int k = j;
            while (alive && k < b.Length && b[k] <= hi)
            {
                if (b[k] > lo) { buf[n++] = lo; buf[n++] = b[k] - 1; }
                if (b[k + 1] >= hi) alive = false;
                else lo = b[k + 1] + 1;
                k += 2;
            }
            if (alive) { buf[n++] = lo; buf[n++] = hi; }
            i += 2;
        }
        return Finish(buf, n, this, null);
    }

    /// <summary>Linear merge of two normalised sets.</summary>
    public IntervalSet Union(IntervalSet o)
    {
        if (o.IsEmpty || ReferenceEquals(this, o)) return this;
        if (IsEmpty) return o;
        if (_v.Length + o._v.Length >= CacheMin) return Cached(this, o, OpUnion);
        return UnionCore(o);
    }

    private IntervalSet UnionCore(IntervalSet o)
    {
        var a = _v; var b = o._v;
        var buf = Rent(a.Length + b.Length);
        int n = 0, i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            UInt128 lo, hi;
            if (j >= b.Length || (i < a.Length && a[i] <= b[j])) { lo = a[i]; hi = a[i + 1]; i += 2; }
            else { lo = b[j]; hi = b[j + 1]; j += 2; }
            // Adjacent to or overlapping the last interval: extend it.
            if (n > 0 && (buf[n - 1] == UInt128.MaxValue || lo <= buf[n - 1] + 1))
            {
                if (hi > buf[n - 1]) buf[n - 1] = hi;
            }
            else { buf[n++] = lo; buf[n++] = hi; }
        }
        return Finish(buf, n, this, o);
    }

    /// <summary>The union of many sets at once: O(n log n) in their total number of intervals.</summary>
    public static IntervalSet UnionAll(IEnumerable<IntervalSet> sets)
    {
        var ranges = new List<(UInt128, UInt128)>();
        foreach (var s in sets)
            for (int i = 0; i < s._v.Length; i += 2) ranges.Add((s._v[i], s._v[i + 1]));
        return FromRanges(ranges);
    }

    // Results of recent operations on large sets, by operand identity (per thread, a few entries): the same large
    // sets meet again and again (a box split by protocol carries the same address sets in each piece, every
    // interface pair starts from the same family and zone sets), and sharing the result also shares its memory.
    private const int CacheMin = 256; // values, i.e. 128 intervals in both operands together
    private const byte OpIntersect = 0, OpSubtract = 1, OpUnion = 2;
    private const int CacheSlots = 16;

    private sealed class CacheEntry
    {
        public IntervalSet? A, B, Result;
        public byte Op;
    }

    [ThreadStatic] private static CacheEntry[]? _cache;

    private static IntervalSet Cached(IntervalSet a, IntervalSet b, byte op)
    {
        var cache = _cache ??= CreateCache();
        int h = (System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(a) * 31 + System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(b)) * 3 + op;
        var e = cache[(int)((uint)h % CacheSlots)];
        if (ReferenceEquals(e.A, a) && ReferenceEquals(e.B, b) && e.Op == op) return e.Result!;
        var r = op switch { OpIntersect => a.IntersectCore(b), OpSubtract => a.SubtractCore(b), _ => a.UnionCore(b) };
        e.A = a; e.B = b; e.Op = op; e.Result = r;
        return r;
    }

    private static CacheEntry[] CreateCache()
    {
        var c = new CacheEntry[CacheSlots];
        for (int i = 0; i < c.Length; i++) c[i] = new CacheEntry();
        return c;
    }

    [ThreadStatic] private static UInt128[]? _scratch;

    private static UInt128[] Rent(int size)
    {
        var s = _scratch;
        if (s is null || s.Length < size) _scratch = s = new UInt128[Math.Max(size, 64)];
        return s;
    }

    /// <summary>The set of the first <paramref name="n"/> values of the scratch buffer, reusing an operand equal to it.</summary>
    private static IntervalSet Finish(UInt128[] buf, int n, IntervalSet a, IntervalSet? b)
    {
        if (n == 0) return Empty;
        var span = buf.AsSpan(0, n);
        if (span.SequenceEqual(a._v)) return a;
        if (b is not null && span.SequenceEqual(b._v)) return b;
        return new IntervalSet(span.ToArray());
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
