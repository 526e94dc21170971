using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>
/// Puts the later fragments of an IP datagram (which carry no transport header) into the flow of the datagram's first
/// fragment, whatever the protocol. A datagram is identified by source, destination, protocol and identification.
/// <list type="bullet">
/// <item>First fragments are remembered with their flow key for <see cref="LifetimeNs"/> after the datagram's last
/// fragment seen.</item>
/// <item>Later fragments that arrive before their first fragment are held (counted, not stored) for up to
/// <see cref="LifetimeNs"/>: when the first fragment comes, they join its flow; otherwise they are orphans
/// (<see cref="FlowCounters.OrphanFragments"/>, the summary's <c>undecoded</c> <c>orphan-fragment</c>).</item>
/// </list>
/// Both tables are bounded (<see cref="MaxDatagrams"/> each): when full, the oldest entry goes first (a held one is then
/// counted as orphan). Nothing is allocated per packet once the tables have grown.
/// </summary>
public sealed class FragmentTable
{
    /// <summary>How long a datagram's fragments wait for each other (the spec's 30 seconds).</summary>
    public const long LifetimeNs = 30L * 1_000_000_000;
    public const int MaxDatagrams = 65536;

    private readonly record struct Datagram(IpAddr Src, IpAddr Dst, byte Proto, uint Id);

    private struct First
    {
        public FlowKey Key;
        public bool FromA, NoPorts;
        public long LastSeen;
    }

    /// <summary>Later fragments of a datagram whose first fragment has not been seen.</summary>
    public struct Held
    {
        public long Packets, Bytes;
        /// <summary>Those of <see cref="Packets"/> whose frame is accounted by them (not carried in another flow's packet).</summary>
        public long FramePackets;
        public long FirstTs, Since;
    }

    private readonly Dictionary<Datagram, First> _first = new();
    private readonly Queue<(Datagram D, long Ts)> _firstOrder = new();
    private readonly Dictionary<Datagram, Held> _held = new();
    private readonly Queue<(Datagram D, long Since)> _heldOrder = new();
    private readonly FlowCounters _counters;
    /// <summary>
    /// <see cref="Expire"/> has nothing to do at a time up to this one: the earlier of the two queue heads' times plus
    /// <see cref="LifetimeNs"/> (what Expire tests), lowered on every enqueue and recomputed when a head is taken.
    /// </summary>
    private long _deadline = long.MaxValue;

    public FragmentTable(FlowCounters counters) => _counters = counters;

    /// <summary>Later fragments held now (waiting for their first fragment).</summary>
    public int HeldDatagrams => _held.Count;

    /// <summary>Remembers the flow of a datagram's first fragment.</summary>
    public void PutFirst(IpAddr src, IpAddr dst, byte proto, uint id, in FlowKey key, bool fromA, bool noPorts, long now)
    {
        var d = new Datagram(src, dst, proto, id);
        if (_first.TryGetValue(d, out var old) && old.Key.Equals(key))
        {
            old.LastSeen = now; // a duplicate first fragment
            _first[d] = old;
            return;
        }
        if (_first.Count >= MaxDatagrams) DropOldestFirst();
        _first[d] = new First { Key = key, FromA = fromA, NoPorts = noPorts, LastSeen = now };
        EnqueueFirst(d, now);
    }

    /// <summary>The flow of a later fragment whose first fragment was seen (refreshes the datagram's lifetime).</summary>
    public bool TryGetFlow(IpAddr src, IpAddr dst, byte proto, uint id, long now, out FlowKey key, out bool fromA, out bool noPorts)
    {
        var d = new Datagram(src, dst, proto, id);
        if (_first.TryGetValue(d, out var f))
        {
            if (f.LastSeen != now)
            {
                f.LastSeen = now;
                _first[d] = f;
            }
            key = f.Key; fromA = f.FromA; noPorts = f.NoPorts;
            return true;
        }
        key = default; fromA = false; noPorts = false;
        return false;
    }

    /// <summary>
    /// Holds a later fragment whose first fragment has not been seen yet. <paramref name="framePacket"/>: its frame is
    /// accounted by it (it is the frame's outermost IP packet), so it is an orphan if its first fragment never comes.
    /// </summary>
    public void Hold(IpAddr src, IpAddr dst, byte proto, uint id, int bytes, long ts, long now, bool framePacket)
    {
        var d = new Datagram(src, dst, proto, id);
        if (_held.TryGetValue(d, out var h))
        {
            h.Packets++;
            h.Bytes += bytes;
            if (framePacket) h.FramePackets++;
            _held[d] = h;
            return;
        }
        if (_held.Count >= MaxDatagrams) DropOldestHeld();
        _held[d] = new Held { Packets = 1, Bytes = bytes, FramePackets = framePacket ? 1 : 0, FirstTs = ts, Since = now };
        _heldOrder.Enqueue((d, now));
        LowerDeadline(now);
    }

    private void EnqueueFirst(Datagram d, long ts)
    {
        _firstOrder.Enqueue((d, ts));
        LowerDeadline(ts);
    }

    private void LowerDeadline(long ts)
    {
        long d = ts + LifetimeNs;
        if (d < ts) d = long.MinValue; // does not fit: test at every step
        if (d < _deadline) _deadline = d;
    }

    /// <summary>The deadline from the queue heads (see <see cref="_deadline"/>).</summary>
    private void ResetDeadline()
    {
        _deadline = long.MaxValue;
        if (_heldOrder.TryPeek(out var h)) LowerDeadline(h.Since);
        if (_firstOrder.TryPeek(out var f)) LowerDeadline(f.Ts);
    }

    /// <summary>Takes the fragments held for a datagram whose first fragment has just arrived.</summary>
    public bool TakeHeld(IpAddr src, IpAddr dst, byte proto, uint id, out Held held)
    {
        if (_held.Count == 0)
        {
            held = default;
            return false;
        }
        return _held.Remove(new Datagram(src, dst, proto, id), out held);
    }

    /// <summary>Forgets first fragments and turns held fragments into orphans once they are older than the lifetime.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Expire(long now)
    {
        if (now > _deadline) ExpireQueued(now);
    }

    private void ExpireQueued(long now)
    {
        while (_heldOrder.TryPeek(out var e) && now - e.Since > LifetimeNs)
        {
            _heldOrder.Dequeue();
            if (_held.TryGetValue(e.D, out var h) && h.Since == e.Since)
            {
                _held.Remove(e.D);
                _counters.OrphanFragments += h.FramePackets;
            }
        }
        while (_firstOrder.TryPeek(out var e) && now - e.Ts > LifetimeNs)
        {
            _firstOrder.Dequeue();
            if (!_first.TryGetValue(e.D, out var f)) continue;
            if (now - f.LastSeen > LifetimeNs) _first.Remove(e.D);
            else if (f.LastSeen != e.Ts) _firstOrder.Enqueue((e.D, f.LastSeen)); // seen since: wait again
        }
        ResetDeadline();
    }

    /// <summary>End of input: every fragment still held is an orphan.</summary>
    public void Flush()
    {
        foreach (var h in _held.Values) _counters.OrphanFragments += h.FramePackets;
        _held.Clear();
        _heldOrder.Clear();
        ResetDeadline();
    }

    private void DropOldestFirst()
    {
        while (_firstOrder.TryDequeue(out var e))
        {
            if (!_first.TryGetValue(e.D, out var f)) continue; // already gone
            if (f.LastSeen != e.Ts)
            {
                _firstOrder.Enqueue((e.D, f.LastSeen)); // seen since: it is not the oldest
                continue;
            }
            _first.Remove(e.D);
            break;
        }
        ResetDeadline();
    }

    private void DropOldestHeld()
    {
        while (_heldOrder.TryDequeue(out var e))
            if (_held.TryGetValue(e.D, out var h) && h.Since == e.Since)
            {
                _held.Remove(e.D);
                _counters.OrphanFragments += h.FramePackets;
                break;
            }
        ResetDeadline();
    }
}
