using SegVerify.Firewall.Model;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>
/// The interval-set operations (which skip runs of intervals by galloping) against a bit-per-value reference, on
/// random sets of very different sizes over a small universe, and at the ends of the 128-bit range.
/// </summary>
public class IntervalSetTests
{
    private const int Universe = 300;

    private static (IntervalSet Set, bool[] Bits) Random(Random rnd, int intervals)
    {
        var bits = new bool[Universe];
        var ranges = new List<(UInt128, UInt128)>();
        for (int k = 0; k < intervals; k++)
        {
            int lo = rnd.Next(Universe), len = rnd.Next(4) == 0 ? rnd.Next(40) : rnd.Next(3);
            int hi = Math.Min(Universe - 1, lo + len);
            ranges.Add(((UInt128)lo, (UInt128)hi));
            for (int v = lo; v <= hi; v++) bits[v] = true;
        }
        return (IntervalSet.FromRanges(ranges), bits);
    }

    private static void AssertSame(bool[] expected, IntervalSet actual, string what)
    {
        for (int v = 0; v < Universe; v++)
            Assert.True(expected[v] == actual.Contains((UInt128)v), $"{what}: value {v} expected {(expected[v] ? "in" : "out")}, set {actual}");
        // Normalised: sorted, disjoint, non-adjacent.
        for (int i = 1; i < actual.Count; i++) Assert.True(actual.Lo(i) > actual.Hi(i - 1) + 1, $"{what}: not normalised: {actual}");
    }

    [Fact]
    public void OperationsAgreeWithAReferenceOnRandomSets()
    {
        var rnd = new Random(7);
        int[] sizes = [0, 1, 2, 5, 30, 120];
        for (int round = 0; round < 400; round++)
        {
            var (a, ab) = Random(rnd, sizes[rnd.Next(sizes.Length)]);
            var (b, bb) = Random(rnd, sizes[rnd.Next(sizes.Length)]);
            var and = new bool[Universe]; var or = new bool[Universe]; var minus = new bool[Universe];
            bool meets = false;
            for (int v = 0; v < Universe; v++)
            {
                and[v] = ab[v] && bb[v]; or[v] = ab[v] || bb[v]; minus[v] = ab[v] && !bb[v];
                meets |= and[v];
            }
            AssertSame(and, a.Intersect(b), $"{a} & {b}");
            AssertSame(or, a.Union(b), $"{a} | {b}");
            AssertSame(or, IntervalSet.UnionAll([a, b]), $"UnionAll({a}, {b})");
            AssertSame(minus, a.Subtract(b), $"{a} - {b}");
            Assert.Equal(meets, a.Intersects(b));
            Assert.Equal(!minus.Contains(true), a.IsSubsetOf(b));
        }
    }

    [Fact]
    public void OperationsAtTheEndsOfTheRange()
    {
        var max = UInt128.MaxValue;
        var all = IntervalSet.Range(0, max);
        var top = IntervalSet.Range(max - 1, max);
        var bottom = IntervalSet.Single(0);
        Assert.Equal(IntervalSet.Range(1, max - 2), all.Subtract(top).Subtract(bottom));
        Assert.Equal(all, all.Subtract(top).Union(top));
        Assert.Equal(all, IntervalSet.UnionAll([IntervalSet.Range(0, max - 2), top]));
        Assert.Equal(top, all.Intersect(top));
        Assert.True(top.Intersects(all));
        Assert.False(top.Intersects(bottom));
    }
}
