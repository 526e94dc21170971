using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Net;

namespace SegVerify.Core.Flows;

/// <summary>Timeouts and bounds of the flow tracker.</summary>
public sealed class FlowTrackerOptions
{
    /// <summary>Cap on live flows; the least recently active flow is ended (judged) and evicted when full.</summary>
    public int MaxFlows { get; init; } = 1_000_000;
    public long TcpIdleTimeoutNs { get; init; } = 300L * 1_000_000_000;
    /// <summary>Idle timeout of every non-TCP flow (UDP, ICMP, other protocols).</summary>
    public long OtherIdleTimeoutNs { get; init; } = 60L * 1_000_000_000;
    /// <summary>How long a closed TCP connection lingers, so that retransmitted FINs and last ACKs stay in it.</summary>
    public long TcpCloseLingerNs { get; init; } = 5L * 1_000_000_000;
}

/// <summary>What the flow tracker calls back into (the verifier).</summary>
public interface IFlowTrackerEvents
{
    /// <summary>
    /// The frame checks (MAC binding, registration, VLAN) for an IP frame with a MAC header. Skipped for a frame whose
    /// flow side already had a frame with the same source MAC and tagging (the checks depend on nothing else).
    /// </summary>
    void CheckFrame(in DecodedPacket p, in CaptureRecord record);

    /// <summary>A flow has just been opened by <paramref name="p"/> (cold: once per flow), e.g. to note its tunnels.</summary>
    void OnFlowOpen(ref FlowEntry flow, in DecodedPacket p);

    /// <summary>
    /// A flow has ended (idle, closed, evicted, end of input) and left the table. <paramref name="flow"/> is its freed
    /// slot, read in place (not copied): valid only during the call, which must not open flows.
    /// </summary>
    void OnFlowEnd(in FlowEntry flow);
}

/// <summary>
/// The flow tracker: the stage after decoding. It keys each IP packet to its flow (<see cref="FlowKeys"/>), puts later
/// fragments into their datagram's flow (<see cref="FragmentTable"/>), keeps per-flow TCP and ICMP state (who sent
/// the SYN, the SYN+ACK, the echo request...), and ends flows: idle timeouts, the TCP close linger, eviction when the
/// table is full, and the end of input.
/// <para>
/// Its clock never runs backwards: it is the latest capture timestamp seen, and a record with an earlier timestamp is
/// taken to happen at the clock's time for activity and expiry, so it neither shortens nor splits a flow (its own
/// timestamp still counts as the flow's first packet time when it opens one).
/// </para>
/// </summary>
public sealed class FlowTracker
{
    public const byte SideA = 1, SideB = 2;

    /// <summary>Which capture is being read (changes with each capture; recorded in each flow it opens).</summary>
    internal int CaptureSerial;

    private readonly FlowTrackerOptions _options;
    private readonly FlowTable _flows;
    private readonly FragmentTable _fragments;
    private readonly FlowCounters _counters;
    private readonly IFlowTrackerEvents _events;
    private long _now = long.MinValue;
    /// <summary>
    /// No flow can be idle (or done lingering) at a clock time up to this one: the earliest deadline of the three list
    /// heads when the lists were last walked, lowered when a flow joins a list. It only ever errs early, so walking
    /// the lists only past it ends the same flows at the same times as walking them at every clock step.
    /// </summary>
    private long _flowDeadline = long.MinValue;
    private ulong _nextFlowId = 1;

    public FlowTracker(FlowTrackerOptions options, FlowCounters counters, IFlowTrackerEvents events)
    {
        _options = options;
        _counters = counters;
        _events = events;
        _flows = new FlowTable(options.MaxFlows);
        _fragments = new FragmentTable(counters);
    }

    /// <summary>The clock: the latest time seen (capture time, or wall time in monitor when no packet comes).</summary>
    public long Now => _now;

    public int LiveFlows => _flows.Count;

    /// <summary>Requests the hash bucket of a key with this hash from memory (see <see cref="FlowTable.PrefetchBucket"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchBucket(int hash) => _flows.PrefetchBucket(hash);

    /// <summary>Requests the first entry of the bucket of a key with this hash (see <see cref="FlowTable.PrefetchEntry"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchEntry(int hash) => _flows.PrefetchEntry(hash);

    /// <summary>
    /// Accounts one IP packet (<see cref="PacketKind.Ip"/>) to its flow, opening the flow if needed; returns the flow's
    /// id, or 0 when the packet is a later fragment held until its first fragment comes (<paramref name="slot"/> is
    /// then -1). <paramref name="count"/>: add the packet to the flow's packets and bytes (false for a packet counted in
    /// <c>undecoded</c>, which still opens or refreshes its flow so that the flow is judged).
    /// <paramref name="frame"/>: this packet is the one its frame is accounted by (the frame's outermost IP packet), so
    /// that a counted packet is added to <see cref="FlowCounters.FlowPackets"/> and a held fragment becomes an orphan
    /// if its first fragment never comes; packets carried inside it are in their own flows but not accounted again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public ulong Track(ref DecodedPacket p, in CaptureRecord record, bool count, bool frame, out int slot, out bool fromA)
    {
        if (record.TimestampNs > _now) AdvanceClock(record.TimestampNs);
        FlowKey key;
        bool noPorts;
        if (p.IsFragment && p.FragmentOffset != 0)
        {
            if (!_fragments.TryGetFlow(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, _now, out key, out fromA, out noPorts))
            {
                if (p.HasMac) _events.CheckFrame(in p, in record);
                _fragments.Hold(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, record.OriginalLength, record.TimestampNs, _now, frame);
                slot = -1;
                return 0;
            }
        }
        else FlowKeys.Make(in p, out key, out fromA, out noPorts);
        return TrackKeyed(ref p, in record, count, frame, in key, key.GetHashCode(), fromA, noPorts, out slot);
    }

    /// <summary>
    /// <see cref="Track"/> for a packet whose flow key is already known: <paramref name="key"/>,
    /// <paramref name="fromA"/> and <paramref name="noPorts"/> as <see cref="FlowKeys.Make(in DecodedPacket, out bool, out bool)"/> gives them, and the key's
    /// <see cref="FlowKey.GetHashCode"/>. Only for a packet that is not a later fragment (those take their key from
    /// the fragment table: <see cref="Track"/>). The decode-ahead loop makes keys when it stages packets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public ulong TrackKeyed(ref DecodedPacket p, in CaptureRecord record, bool count, bool frame, in FlowKey key, int hash,
        bool fromA, bool noPorts, out int slot)
    {
        if (record.TimestampNs > _now) AdvanceClock(record.TimestampNs);
        long now = _now;
        bool isTcp = p.Protocol == IpProto.Tcp;
        byte flags = p.TcpFlags;
        bool pureSyn = isTcp && (flags & (DecodedPacket.TcpSyn | DecodedPacket.TcpAck)) == DecodedPacket.TcpSyn;

        var flows = _flows;
        int i = flows.Find(in key, hash);
        if (i >= 0)
        {
            ref var e = ref flows[i];
            if (p.HasMac && !SideAlreadyChecked(ref e, fromA, in p)) _events.CheckFrame(in p, in record);
            if (pureSyn && (e.Flags & FlowFlags.Closing) != 0)
            {
                // a new connection on the ports of a closed one
                End(i);
                i = Open(in key, hash, fromA, noPorts, ref p, in record);
            }
        }
        else
        {
            if (p.HasMac) _events.CheckFrame(in p, in record);
            i = Open(in key, hash, fromA, noPorts, ref p, in record);
        }
        slot = i;

        ref var f = ref flows[i];
        f.LastTs = now;
        if (!noPorts) f.Flags &= ~FlowFlags.NoPorts;
        byte side = fromA ? SideA : SideB;
        if (fromA)
        {
            if (count) { f.PacketsAB++; f.BytesAB += record.OriginalLength; }
            if ((f.Flags & FlowFlags.SeenA) == 0)
            {
                f.Flags |= p.VlanCount > 0 ? FlowFlags.SeenA | FlowFlags.TaggedA : FlowFlags.SeenA;
                f.MacASrc = p.SrcMac; f.MacADst = p.DstMac;
            }
        }
        else
        {
            if (count) { f.PacketsBA++; f.BytesBA += record.OriginalLength; }
            if ((f.Flags & FlowFlags.SeenB) == 0)
            {
                f.Flags |= p.VlanCount > 0 ? FlowFlags.SeenB | FlowFlags.TaggedB : FlowFlags.SeenB;
                f.MacBSrc = p.SrcMac; f.MacBDst = p.DstMac;
            }
        }
        if (count && frame) _counters.FlowPackets++;

        if (isTcp)
        {
            if (pureSyn) { if (f.SynSide == 0) f.SynSide = side; }
            else if ((flags & (DecodedPacket.TcpSyn | DecodedPacket.TcpAck)) == (DecodedPacket.TcpSyn | DecodedPacket.TcpAck))
            { if (f.SynAckSide == 0) f.SynAckSide = side; }
            if ((flags & DecodedPacket.TcpFin) != 0) f.Flags |= fromA ? FlowFlags.FinA : FlowFlags.FinB;
            if ((flags & DecodedPacket.TcpRst) != 0) f.Flags |= FlowFlags.Rst;
            if ((f.Flags & FlowFlags.Closing) == 0 &&
                ((f.Flags & FlowFlags.Rst) != 0 || (f.Flags & (FlowFlags.FinA | FlowFlags.FinB)) == (FlowFlags.FinA | FlowFlags.FinB)))
            {
                f.Flags |= FlowFlags.Closing;
                f.CloseTs = now;
                flows.Touch(ref f, i, FlowTable.ListClosing);
                LowerDeadline(now, _options.TcpCloseLingerNs);
            }
            else if ((f.Flags & FlowFlags.Closing) == 0) flows.Touch(ref f, i, FlowTable.ListTcp);
        }
        else
        {
            if (p.HasIcmp && IcmpPairs.IsEcho(p.Protocol, p.IcmpType))
            {
                if (IcmpPairs.IsEchoRequest(p.Protocol, p.IcmpType)) { if (f.EchoRequestSide == 0) f.EchoRequestSide = side; }
                else if (f.EchoReplySide == 0) f.EchoReplySide = side;
            }
            flows.Touch(ref f, i, FlowTable.ListOther);
        }

        if (p.IsFragment && p.FragmentOffset == 0)
        {
            _fragments.PutFirst(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, in key, fromA, noPorts, now);
            if (_fragments.TakeHeld(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, out var held))
                JoinHeld(ref f, fromA, in held);
        }
        return f.FlowId;
    }

    private int Open(in FlowKey key, int hash, bool fromA, bool noPorts, ref DecodedPacket p, in CaptureRecord record)
    {
        if (_flows.IsFull) EvictOldest();
        bool tcp = p.Protocol == IpProto.Tcp;
        int i = _flows.Add(in key, hash, tcp ? FlowTable.ListTcp : FlowTable.ListOther);
        LowerDeadline(_now, tcp ? _options.TcpIdleTimeoutNs : _options.OtherIdleTimeoutNs);
        ref var n = ref _flows[i];
        n.FlowId = _nextFlowId++;
        n.FirstTs = record.TimestampNs;
        n.FirstOffset = record.FileOffset;
        n.FirstCapture = CaptureSerial;
        n.InnerVlan = p.InnerVlan;
        if (fromA) n.Flags |= FlowFlags.FirstFromA;
        if (noPorts) n.Flags |= FlowFlags.NoPorts;
        if (record.NanosecondResolution) n.Flags |= FlowFlags.Nanos;
        if (p.HasMac) n.Flags |= FlowFlags.HasMac;
        if (p.HasIcmp) { n.FirstIcmpType = p.IcmpType; n.FirstIcmpCode = p.IcmpCode; }
        _events.OnFlowOpen(ref n, in p);
        _counters.Flows++;
        _counters.LiveFlows = _flows.Count;
        return i;
    }

    /// <summary>Later fragments that came before their first fragment join its flow (same sender).</summary>
    private void JoinHeld(ref FlowEntry f, bool fromA, in FragmentTable.Held held)
    {
        if (fromA) { f.PacketsAB += held.Packets; f.BytesAB += held.Bytes; }
        else { f.PacketsBA += held.Packets; f.BytesBA += held.Bytes; }
        if (held.FirstTs < f.FirstTs) f.FirstTs = held.FirstTs;
        _counters.FlowPackets += held.FramePackets;
    }

    /// <summary>
    /// Adds a packet that <see cref="Track"/> opened or refreshed with <c>count: false, frame: true</c> to its flow's
    /// packets and bytes and to <see cref="FlowCounters.FlowPackets"/>, once the rest of its frame turned out complete
    /// (a tunnelled frame is accounted by its outermost IP packet only when none of its packets is undecoded).
    /// </summary>
    public void CountLater(int slot, ulong flowId, bool fromA, int bytes)
    {
        if (slot < 0) return;
        ref var f = ref _flows[slot];
        if (f.FlowId != flowId) return; // (cannot happen: the packets after it in its frame touch at most 8 flows)
        if (fromA) { f.PacketsAB++; f.BytesAB += bytes; }
        else { f.PacketsBA++; f.BytesBA += bytes; }
        _counters.FlowPackets++;
    }

    /// <summary>
    /// Whether this side of the flow already had a frame with the same source MAC and the same tagged/untagged state
    /// (the flow key fixes the source address and outer VLAN): the frame checks would then repeat a check already made.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SideAlreadyChecked(ref FlowEntry f, bool fromA, in DecodedPacket p)
    {
        var seen = fromA ? FlowFlags.SeenA : FlowFlags.SeenB;
        var tagged = fromA ? FlowFlags.TaggedA : FlowFlags.TaggedB;
        if ((f.Flags & seen) == 0 || ((f.Flags & tagged) != 0) != (p.VlanCount > 0)) return false;
        return (fromA ? f.MacASrc : f.MacBSrc) == p.SrcMac;
    }

    /// <summary>
    /// Moves the clock to <paramref name="nowNs"/> if that is later, and ends the flows (and forgets the fragments) that
    /// are idle at that time. Monitor calls it when no packet arrives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AdvanceClock(long nowNs)
    {
        if (nowNs > _now) _now = nowNs;
        if (_now > _flowDeadline) ExpireFlows();
        _fragments.Expire(_now);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private void ExpireFlows()
    {
        ExpireList(FlowTable.ListClosing, _options.TcpCloseLingerNs, useClose: true);
        ExpireList(FlowTable.ListTcp, _options.TcpIdleTimeoutNs, useClose: false);
        ExpireList(FlowTable.ListOther, _options.OtherIdleTimeoutNs, useClose: false);
        long d = long.MaxValue;
        int h;
        if ((h = _flows.Head(FlowTable.ListClosing)) >= 0) d = Math.Min(d, Deadline(_flows[h].CloseTs, _options.TcpCloseLingerNs));
        if ((h = _flows.Head(FlowTable.ListTcp)) >= 0) d = Math.Min(d, Deadline(_flows[h].LastTs, _options.TcpIdleTimeoutNs));
        if ((h = _flows.Head(FlowTable.ListOther)) >= 0) d = Math.Min(d, Deadline(_flows[h].LastTs, _options.OtherIdleTimeoutNs));
        _flowDeadline = d;
    }

    /// <summary>
    /// The latest clock time at which a flow last active (or closed) at <paramref name="t"/> is not yet over its
    /// <paramref name="timeout"/> (<see cref="ExpireList"/>'s test), or <see cref="long.MinValue"/> (walk at every
    /// step) when that does not fit in a long.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Deadline(long t, long timeout)
    {
        long d = t + timeout;
        return timeout >= 0 && d >= t ? d : long.MinValue;
    }

    /// <summary>A flow has joined the tail of a list at <paramref name="t"/>: it may be the list's next to expire.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void LowerDeadline(long t, long timeout)
    {
        long d = Deadline(t, timeout);
        if (d < _flowDeadline) _flowDeadline = d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private void ExpireList(byte list, long timeout, bool useClose)
    {
        int h;
        while ((h = _flows.Head(list)) >= 0)
        {
            // the head of the closing list is usually due (the clock passed the earliest deadline): its time and the
            // lines its end reads are requested together (the other heads are read at every walk and stay cached)
            _flows.PrefetchWhole(h);
            ref var f = ref _flows[h];
            long t = useClose ? f.CloseTs : f.LastTs;
            if (_now - t <= timeout) break;
            End(h);
        }
    }

    private void EvictOldest()
    {
        int best = -1;
        long bestTs = long.MaxValue;
        for (byte l = 0; l < FlowTable.ListCount; l++)
        {
            int h = _flows.Head(l);
            if (h >= 0 && _flows[h].LastTs < bestTs) { best = h; bestTs = _flows[h].LastTs; }
        }
        if (best >= 0)
        {
            _counters.Evicted++;
            End(best);
        }
    }

    /// <summary>Removes a flow from the table and hands it to <see cref="IFlowTrackerEvents.OnFlowEnd"/> (cold: once per flow).</summary>
    private void End(int slot)
    {
        // an ending flow has usually been idle: its lines are requested at once rather than as each is read
        _flows.PrefetchWhole(slot);
        _flows.Remove(slot);
        _counters.LiveFlows = _flows.Count;
        // the freed slot keeps the flow's fields until the next flow is added
        _events.OnFlowEnd(in _flows[slot]);
    }

    /// <summary>End of input: ends every live flow; fragments still waiting for their first fragment are orphans.</summary>
    public void Flush()
    {
        for (byte l = 0; l < FlowTable.ListCount; l++)
        {
            int h;
            while ((h = _flows.Head(l)) >= 0)
            {
                _flows.PrefetchWhole(_flows.Next(h)); // ended next: fetched while this one is judged
                End(h);
            }
        }
        _fragments.Flush();
    }
}
