using System.Runtime.CompilerServices;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Classification;

/// <summary>
/// Longest-prefix match of addresses to segments. IPv4 uses a DIR-16-8-8 table (one to three array reads per
/// lookup, no hashing); IPv6 uses one hash table per distinct prefix length, longest first. Built once per topology;
/// lookups allocate nothing.
/// </summary>
public sealed class ZoneClassifier
{
    // Entry encoding in the IPv4 tables: 0 = no segment, >0 = segment index + 1, <0 = -(child table index + 1).
    private readonly int[] _l1 = new int[65536];
    private readonly List<int[]> _l2 = [];
    private readonly List<int[]> _l3 = [];
    private int[][] _l2a = [], _l3a = [];

    private readonly (int Length, Dictionary<(ulong, ulong), int> Map)[] _v6;
    private readonly Segment[] _segments;
    private readonly Topology.Topology _topology;

    public IReadOnlyList<Segment> Segments => _segments;

    public ZoneClassifier(Topology.Topology topology)
    {
        _topology = topology;
        _segments = topology.Zones.SelectMany(z => z.Segments).ToArray();
        var v4 = Enumerable.Range(0, _segments.Length).Where(i => _segments[i].Cidr.IsV4)
            .OrderBy(i => _segments[i].Cidr.PrefixLength).ToList();
        foreach (var i in v4) InsertV4(_segments[i].Cidr, i + 1);
        _l2a = _l2.ToArray();
        _l3a = _l3.ToArray();

        _v6 = Enumerable.Range(0, _segments.Length).Where(i => !_segments[i].Cidr.IsV4)
            .GroupBy(i => _segments[i].Cidr.PrefixLength)
            .OrderByDescending(g => g.Key)
            .Select(g => (g.Key, g.ToDictionary(j => (_segments[j].Cidr.Network.Hi, _segments[j].Cidr.Network.Lo), j => j)))
            .ToArray();
    }

    // Prefixes are inserted shortest first, so no child table exists yet below a shorter prefix's entries, and a
    // longer prefix simply overwrites (its child table starts as a copy of the covering entry).
    private void InsertV4(Cidr c, int value)
    {
        uint net = c.Network.V4;
        int len = c.PrefixLength;
        if (len <= 16)
        {
            int first = (int)(net >> 16), count = 1 << (16 - len);
            for (int i = first; i < first + count; i++) _l1[i] = value;
            return;
        }
        int l2 = EnsureChild(_l1, (int)(net >> 16), _l2, 256);
        if (len <= 24)
        {
            int first = (int)((net >> 8) & 0xFF), count = 1 << (24 - len);
            for (int i = first; i < first + count; i++) _l2[l2][i] = value;
            return;
        }
        int l3 = EnsureChild(_l2[l2], (int)((net >> 8) & 0xFF), _l3, 256);
        int f3 = (int)(net & 0xFF), c3 = 1 << (32 - len);
        for (int i = f3; i < f3 + c3; i++) _l3[l3][i] = value;
    }

    private static int EnsureChild(int[] parent, int i, List<int[]> children, int size)
    {
        if (parent[i] < 0) return -parent[i] - 1;
        var t = new int[size];
        Array.Fill(t, parent[i]);
        children.Add(t);
        parent[i] = -children.Count;
        return children.Count - 1;
    }

    /// <summary>Index into <see cref="Segments"/> of the most specific segment holding the address, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public int FindSegment(IpAddr a)
    {
        if (a.IsV4)
        {
            uint v = a.V4;
            int e = _l1[v >> 16];
            if (e >= 0) return e - 1;
            e = _l2a[-e - 1][(v >> 8) & 0xFF];
            if (e >= 0) return e - 1;
            return _l3a[-e - 1][v & 0xFF] - 1;
        }
        return FindV6(a);
    }

    private int FindV6(IpAddr a)
    {
        foreach (var (len, map) in _v6)
        {
            var m = Cidr.Mask(a, len);
            if (map.TryGetValue((m.Hi, m.Lo), out int i)) return i;
        }
        return -1;
    }

    public Segment Segment(int index) => _segments[index];

    /// <summary>
    /// Classifies an address: its zone (declared, or the implicit external zone) and category.
    /// <paramref name="asDestination"/> also treats the directed broadcast address of its segment as special.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public AddressCategory Classify(IpAddr a, bool asDestination, out Zone? zone, out int segment)
    {
        zone = null;
        segment = -1;
        if (AddressRanges.IsSpecial(a)) return AddressCategory.Special;
        segment = FindSegment(a);
        if (segment >= 0)
        {
            var s = _segments[segment];
            if (asDestination && a.IsV4 && s.Cidr.PrefixLength <= 30 && a == s.Cidr.Last) return AddressCategory.Special;
            zone = s.Zone;
            return AddressCategory.Segment;
        }
        if (AddressRanges.IsPrivate(a)) return AddressCategory.Unclassified;
        zone = _topology.External;
        return AddressCategory.External;
    }
}
