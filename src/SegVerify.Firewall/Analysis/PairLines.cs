using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Analysis;

/// <summary>
/// The lines of one ACL that can match a packet entering one interface and leaving another (the others cannot,
/// whatever the rest of the packet is), in ACL order, with an index by destination port: a concrete packet only needs
/// the lines whose port set holds its port (<see cref="ByPort"/>) and those that match many ports (<see cref="AnyPort"/>).
/// </summary>
public sealed class PairLines
{
    // A line whose (over-approximated) destination ports are at most this many values is indexed under each of them.
    private const int MaxIndexedPorts = 64;
    private static readonly int[] None = [];

    /// <summary>The lines that can match the interface pair, in ACL order.</summary>
    public AclLine[] Lines { get; }

    private readonly Dictionary<int, int[]> _byPort;
    private readonly int[] _anyPort;

    private PairLines(AclLine[] lines, Dictionary<int, int[]> byPort, int[] anyPort)
    {
        Lines = lines; _byPort = byPort; _anyPort = anyPort;
    }

    /// <summary>Positions in <see cref="Lines"/> (ascending) of the lines whose ports are few and include <paramref name="dport"/>.</summary>
    public int[] ByPort(int dport) => _byPort.TryGetValue(dport, out var p) ? p : None;

    /// <summary>Positions in <see cref="Lines"/> (ascending) of the lines that match too many ports to be indexed.</summary>
    public int[] AnyPort => _anyPort;

    public static PairLines Build(Acl acl, Func<AclLine, List<PacketBox>> over, int inIf, int outIf)
    {
        var keep = new List<AclLine>();
        var byPort = new Dictionary<int, List<int>>();
        var anyPort = new List<int>();
        var ports = new List<(UInt128 Lo, UInt128 Hi)>();
        foreach (var l in acl.Lines)
        {
            var boxes = over(l);
            bool meets = false;
            foreach (var b in boxes)
                if (b[Dim.InIf].Contains((UInt128)inIf) && b[Dim.OutIf].Contains((UInt128)outIf)) { meets = true; break; }
            if (!meets) continue;
            int pos = keep.Count;
            keep.Add(l);
            ports.Clear();
            UInt128 count = 0;
            foreach (var b in boxes)
            {
                var d = b[Dim.Dport];
                for (int k = 0; k < d.Count; k++)
                {
                    ports.Add((d.Lo(k), d.Hi(k)));
                    count += d.Hi(k) - d.Lo(k) + 1;
                }
            }
            if (count > MaxIndexedPorts) { anyPort.Add(pos); continue; }
            foreach (var (lo, hi) in IntervalSet.FromRanges(ports).Ranges())
                for (var v = lo; v <= hi; v++)
                {
                    if (!byPort.TryGetValue((int)v, out var list)) byPort[(int)v] = list = [];
                    list.Add(pos);
                }
        }
        return new PairLines(keep.ToArray(), byPort.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), anyPort.ToArray());
    }
}
