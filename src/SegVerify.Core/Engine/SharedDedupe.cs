using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Engine;

/// <summary>
/// The once-only findings of several <see cref="Verifier"/>s that share one run (replay --threads): the frame-level
/// findings (once per finding, source MAC and source address) and unclassified-address (once per address).
/// <para>
/// Each shard sees only part of the capture, so "the first one" must be decided across shards, and the same one as a
/// single-threaded run would pick whatever the threads' timing: every shard offers its candidate with the position it
/// would have had in a single-threaded run, the best candidate of each key is kept, and the winners are written by
/// <see cref="EmitAll"/> once every shard has finished. A frame-level finding's position is the frame's index in the
/// input (exact). An unclassified-address finding's position is the order in which its flow was judged: capture
/// clock at judgement, expiry list, last activity, then the flow's identity (see <see cref="FlowOrder"/>).
/// </para>
/// <para>Offers are rare (only on the failing path) and take a lock.</para>
/// </summary>
public sealed class SharedDedupe
{
    private readonly record struct FrameKey(byte Rule, ulong Mac, IpAddr Ip);

    private readonly object _lock = new();
    private readonly Dictionary<FrameKey, (long Seq, Finding? Finding)> _frame = new();
    private readonly Dictionary<IpAddr, (FlowOrder Order, Finding? Finding)> _unclassified = new();

    /// <summary>True when a frame-level finding at input index <paramref name="seq"/> would beat the current candidate.</summary>
    internal bool WantsFrame(byte rule, ulong mac, IpAddr ip, long seq)
    {
        lock (_lock)
            return !_frame.TryGetValue(new FrameKey(rule, mac, ip), out var cur) || seq < cur.Seq;
    }

    internal void OfferFrame(byte rule, ulong mac, IpAddr ip, long seq, Finding finding)
    {
        var key = new FrameKey(rule, mac, ip);
        lock (_lock)
            if (!_frame.TryGetValue(key, out var cur) || seq < cur.Seq) _frame[key] = (seq, finding);
    }

    /// <summary>True when an unclassified-address finding judged at <paramref name="order"/> would beat the current candidate.</summary>
    internal bool WantsUnclassified(IpAddr address, in FlowOrder order)
    {
        lock (_lock)
            return !_unclassified.TryGetValue(address, out var cur) || order.CompareTo(cur.Order) < 0;
    }

    internal void OfferUnclassified(IpAddr address, in FlowOrder order, Finding finding)
    {
        lock (_lock)
            if (!_unclassified.TryGetValue(address, out var cur) || order.CompareTo(cur.Order) < 0)
                _unclassified[address] = (order, finding);
    }

    /// <summary>Number of findings kept so far.</summary>
    public int Count
    {
        get { lock (_lock) return _frame.Count + _unclassified.Count; }
    }

    /// <summary>Writes the winning findings (frame-level ones in input order, then unclassified-address ones in judgement order).</summary>
    public void EmitAll(IFindingSink sink)
    {
        List<(long, Finding)> frames;
        List<(FlowOrder, Finding)> unclassified;
        lock (_lock)
        {
            frames = _frame.Values.Where(v => v.Finding is not null).Select(v => (v.Seq, v.Finding!)).ToList();
            unclassified = _unclassified.Values.Where(v => v.Finding is not null).Select(v => (v.Order, v.Finding!)).ToList();
            _frame.Clear();
            _unclassified.Clear();
        }
        frames.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        unclassified.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        foreach (var (_, f) in frames) sink.OnFinding(f);
        foreach (var (_, f) in unclassified) sink.OnFinding(f);
    }
}

/// <summary>
/// Where a flow's judgement falls in a single-threaded run: the capture clock when it was judged (long.MaxValue at the
/// end of input), the rank of the list it was expired from in that pass, its last activity in that list, then its
/// first packet and its key (only to make ties deterministic).
/// </summary>
internal readonly struct FlowOrder : IComparable<FlowOrder>
{
    public readonly long Clock;
    public readonly int Rank;
    public readonly long Activity;
    public readonly long FirstTs;
    public readonly FlowKey Key;

    public FlowOrder(long clock, int rank, long activity, long firstTs, FlowKey key)
    {
        Clock = clock; Rank = rank; Activity = activity; FirstTs = firstTs; Key = key;
    }

    public int CompareTo(FlowOrder o)
    {
        int c = Clock.CompareTo(o.Clock);
        if (c != 0) return c;
        if ((c = Rank.CompareTo(o.Rank)) != 0) return c;
        if ((c = Activity.CompareTo(o.Activity)) != 0) return c;
        if ((c = FirstTs.CompareTo(o.FirstTs)) != 0) return c;
        if ((c = Key.A.CompareTo(o.Key.A)) != 0) return c;
        if ((c = Key.B.CompareTo(o.Key.B)) != 0) return c;
        if ((c = Key.PortA.CompareTo(o.Key.PortA)) != 0) return c;
        if ((c = Key.PortB.CompareTo(o.Key.PortB)) != 0) return c;
        if ((c = Key.Proto.CompareTo(o.Key.Proto)) != 0) return c;
        return Key.Vlan.CompareTo(o.Key.Vlan);
    }
}
