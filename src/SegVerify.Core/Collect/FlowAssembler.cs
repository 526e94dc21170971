using SegVerify.Core.Engine;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;

namespace SegVerify.Core.Collect;

/// <summary>
/// Turns flow records into whole flows for the verifier. A NetFlow v5/v9 or plain IPFIX exporter reports a
/// connection as two one-way records; they are paired by exporter session and canonical 5-tuple (plus VLAN) and the
/// pair is judged once, like a flow of the packet path. An RFC 5103 biflow record is already both directions and is
/// judged at once. A one-way record whose partner does not arrive within the hold time is judged alone.
/// <para>
/// The initiator: when one side's record has SYN, that side if it has no ACK (a bare SYN) or its peer answered with a
/// reset, else the peer (the SYN side sent the SYN+ACK); when both have SYN (a complete handshake: flags are ORed over
/// the flow) the side with a bare SYN, or the side whose record starts earlier when the start times differ;
/// an IPFIX biflow's source when biflowDirection says initiator (1) or its destination for reverseInitiator (2);
/// otherwise the spec's port rule (the side on a service port is the responder), then the earlier start.
/// </para>
/// Memory: at most <see cref="MaxPending"/> records wait for their partner; beyond that the oldest is judged.
/// </summary>
public sealed class FlowAssembler : IFlowRecordHandler
{
    public const int MaxPending = 100_000;
    private const byte SideA = 1, SideB = 2;
    private const byte Syn = 0x02, Ack = 0x10;

    private sealed class Pending
    {
        public FlowEntry Entry;
        public ExporterSession Session = null!;
        public PendingKey Key;
        public long ArrivalNs;
        public byte FlagsA, FlagsB;
        public bool FlagsKnownA, FlagsKnownB;
        public long StartA, StartB;
        public Pending? Prev, Next;
    }

    private readonly record struct PendingKey(ExporterSession Session, FlowKey Key);

    private readonly Verifier _verifier;
    private readonly RecordContextSink _context;
    private readonly long _holdNs;
    private readonly Dictionary<PendingKey, Pending> _pending = new();
    private readonly Stack<Pending> _pool = new();
    private Pending? _head, _tail;
    private long _nowNs;

    /// <summary>Flows judged (pairs, biflows and lone records).</summary>
    public long FlowsJudged { get; private set; }
    public long PairsMerged { get; private set; }

    /// <param name="holdNs">How long a one-way record waits for its partner (by the clock given to <see cref="Advance"/>).</param>
    public FlowAssembler(Verifier verifier, RecordContextSink context, long holdNs)
    {
        _verifier = verifier;
        _context = context;
        _holdNs = holdNs;
    }

    public void OnRecord(ref FlowRecord r, ExporterSession session)
    {
        if (r.IsBiflow)
        {
            // A biflow record with one direction empty is a one-way record (softflowd -b exports each direction so):
            // pair it like one, turned around when only the reverse direction has traffic.
            bool fwd = r.Packets > 0 || r.Bytes > 0, rev = r.ReversePackets > 0 || r.ReverseBytes > 0;
            if (!rev) r.IsBiflow = false;
            else if (!fwd) TurnAround(ref r);
        }
        var key = new FlowKey { Proto = r.Proto, Vlan = r.HasVlan ? r.Vlan : (ushort)0 };
        bool hasPorts = IpProto.HasPorts(r.Proto);
        ushort sp = hasPorts ? r.SrcPort : (ushort)0, dp = hasPorts ? r.DstPort : (ushort)0;
        bool srcIsA = r.Src < r.Dst || (r.Src == r.Dst && sp <= dp);
        if (srcIsA) { key.A = r.Src; key.B = r.Dst; key.PortA = sp; key.PortB = dp; }
        else { key.A = r.Dst; key.B = r.Src; key.PortA = dp; key.PortB = sp; }
        byte side = srcIsA ? SideA : SideB;

        // frame-level checks on the link-layer header the record reports for its sender
        if (r.HasSrcMac)
        {
            _context.Current = session;
            _verifier.CheckRecordFrame(r.Src, r.Dst, r.Proto, sp, dp, hasPorts, r.SrcMac, r.HasDstMac ? r.DstMac : default,
                r.HasVlan ? r.Vlan : (ushort)0, r.StartNs, r.Packets > 0 ? r.Bytes / r.Packets : r.Bytes);
        }

        if (r.IsBiflow)
        {
            var p = Rent();
            p.Session = session;
            p.Key = new PendingKey(session, key);
            p.Entry.Key = key;
            AddSide(p, ref r, side, reverse: false);
            AddSide(p, ref r, side == SideA ? SideB : SideA, reverse: true);
            if (r.BiflowDirection is 1 or 2)
            {
                bool srcInitiates = r.BiflowDirection == 1;
                byte initSide = srcInitiates ? side : (side == SideA ? SideB : SideA);
                SetFirst(p, initSide);
                if (r.Proto == IpProto.Tcp) p.Entry.SynSide = initSide;
            }
            else if (r.Proto != IpProto.Tcp || !r.HasTcpFlags || (r.TcpFlags & Syn) == 0) SetFirst(p, side);
            Judge(p);
            Return(p);
            return;
        }

        var pk = new PendingKey(session, key);
        if (_pending.TryGetValue(pk, out var existing))
        {
            bool sideSeen = (existing.Entry.Flags & (side == SideA ? FlowFlags.SeenA : FlowFlags.SeenB)) != 0;
            if (!sideSeen)
            {
                AddSide(existing, ref r, side, reverse: false);
                PairsMerged++;
                Remove(existing);
                Judge(existing);
                Return(existing);
                return;
            }
            Remove(existing);
            Judge(existing);
            Return(existing);
        }
        var n = Rent();
        n.Session = session;
        n.Key = pk;
        n.Entry.Key = key;
        n.ArrivalNs = _nowNs;
        AddSide(n, ref r, side, reverse: false);
        if (_pending.Count >= MaxPending && _head is { } oldest)
        {
            Remove(oldest);
            Judge(oldest);
            Return(oldest);
        }
        _pending[pk] = n;
        Append(n);
    }

    /// <summary>Moves the clock (capture time of the export packet, or the wall clock): judges records that waited longer than the hold time.</summary>
    public void Advance(long nowNs)
    {
        if (nowNs > _nowNs) _nowNs = nowNs;
        while (_head is { } h && _nowNs - h.ArrivalNs > _holdNs)
        {
            Remove(h);
            Judge(h);
            Return(h);
        }
    }

    /// <summary>Judges every record still waiting (end of input).</summary>
    public void Flush()
    {
        while (_head is { } h)
        {
            Remove(h);
            Judge(h);
            Return(h);
        }
    }

    private static void AddSide(Pending p, ref FlowRecord r, byte side, bool reverse)
    {
        ref var e = ref p.Entry;
        long packets = reverse ? r.ReversePackets : r.Packets, bytes = reverse ? r.ReverseBytes : r.Bytes;
        if (reverse && packets == 0 && bytes == 0) return; // no reverse traffic: the responder was never seen
        bool known = reverse ? r.HasReverseTcpFlags : r.HasTcpFlags;
        byte flags = reverse ? r.ReverseTcpFlags : r.TcpFlags;
        bool first = (e.Flags & (FlowFlags.SeenA | FlowFlags.SeenB)) == 0;
        if (side == SideA)
        {
            e.Flags |= FlowFlags.SeenA;
            e.PacketsAB += packets; e.BytesAB += bytes;
            p.FlagsA |= flags; p.FlagsKnownA |= known; p.StartA = r.StartNs;
            if (!reverse && r.HasSrcMac) { e.MacASrc = r.SrcMac; e.MacADst = r.HasDstMac ? r.DstMac : default; e.Flags |= FlowFlags.HasMac; }
            if (!reverse && r.HasVlan) e.Flags |= FlowFlags.TaggedA;
        }
        else
        {
            e.Flags |= FlowFlags.SeenB;
            e.PacketsBA += packets; e.BytesBA += bytes;
            p.FlagsB |= flags; p.FlagsKnownB |= known; p.StartB = r.StartNs;
            if (!reverse && r.HasSrcMac) { e.MacBSrc = r.SrcMac; e.MacBDst = r.HasDstMac ? r.DstMac : default; e.Flags |= FlowFlags.HasMac; }
            if (!reverse && r.HasVlan) e.Flags |= FlowFlags.TaggedB;
        }
        if (!reverse && r.HasIcmp)
        {
            bool v6 = r.Proto == IpProto.IcmpV6;
            byte request = v6 ? (byte)128 : (byte)8, reply = v6 ? (byte)129 : (byte)0;
            if (r.IcmpType == request) e.EchoRequestSide = side;
            else if (r.IcmpType == reply) e.EchoReplySide = side;
        }
        if (first || r.StartNs < e.FirstTs)
        {
            e.FirstTs = r.StartNs;
            if (side == SideA) e.Flags |= FlowFlags.FirstFromA; else e.Flags &= ~FlowFlags.FirstFromA;
            if (r.HasIcmp && !reverse) { e.FirstIcmpType = r.IcmpType; e.FirstIcmpCode = r.IcmpCode; }
        }
        else if (!reverse && r.HasIcmp && e.EchoRequestSide == side)
        {
            e.FirstIcmpType = r.IcmpType; e.FirstIcmpCode = r.IcmpCode; // the request gives the flow's Community ID
        }
        long end = Math.Max(r.EndNs, r.StartNs);
        if (end > e.LastTs) e.LastTs = end;
    }

    /// <summary>Makes a biflow record whose forward direction is empty the one-way record of its reverse direction.</summary>
    private static void TurnAround(ref FlowRecord r)
    {
        (r.Src, r.Dst) = (r.Dst, r.Src);
        (r.SrcPort, r.DstPort) = (r.DstPort, r.SrcPort);
        bool hadSrc = r.HasSrcMac, hadDst = r.HasDstMac;
        (r.SrcMac, r.DstMac) = (r.DstMac, r.SrcMac);
        r.HasSrcMac = hadDst; r.HasDstMac = hadSrc;
        r.Packets = r.ReversePackets; r.Bytes = r.ReverseBytes;
        r.TcpFlags = r.ReverseTcpFlags; r.HasTcpFlags = r.HasReverseTcpFlags;
        r.ReversePackets = r.ReverseBytes = 0;
        r.IsBiflow = false;
    }

    private static void SetFirst(Pending p, byte side)
    {
        if (side == SideA) p.Entry.Flags |= FlowFlags.FirstFromA; else p.Entry.Flags &= ~FlowFlags.FirstFromA;
    }

    /// <summary>Decides who sent the SYN from what the records tell, then hands the flow to the verifier.</summary>
    private void Judge(Pending p)
    {
        ref var e = ref p.Entry;
        if (e.Key.Proto == IpProto.Tcp && e.SynSide == 0)
        {
            bool synA = p.FlagsKnownA && (p.FlagsA & Syn) != 0, synB = p.FlagsKnownB && (p.FlagsB & Syn) != 0;
            if (synA != synB)
            {
                // One side's record has SYN. Without ACK it is a bare SYN (the opener); with ACK it is the SYN+ACK of a
                // responder whose peer's SYN was not seen, unless the peer answered with a reset and no SYN (then the
                // ACKs are the opener's own, after its SYN).
                byte synSide = synA ? SideA : SideB;
                byte flags = synA ? p.FlagsA : p.FlagsB, peer = synA ? p.FlagsB : p.FlagsA;
                bool peerKnown = synA ? p.FlagsKnownB : p.FlagsKnownA;
                const byte Rst = 0x04;
                if ((flags & Ack) == 0 || (peerKnown && (peer & Rst) != 0)) e.SynSide = synSide;
                else e.SynAckSide = synSide;
            }
            else if (synA && synB)
            {
                bool pureA = (p.FlagsA & Ack) == 0, pureB = (p.FlagsB & Ack) == 0;
                if (pureA != pureB) e.SynSide = pureA ? SideA : SideB;
                else if (p.StartA != p.StartB) e.SynSide = p.StartA < p.StartB ? SideA : SideB;
            }
        }
        _context.Current = p.Session;
        FlowsJudged++;
        _verifier.JudgeFlowRecord(e);
    }

    private Pending Rent()
    {
        var p = _pool.Count > 0 ? _pool.Pop() : new Pending();
        p.Entry = default;
        p.FlagsA = p.FlagsB = 0;
        p.FlagsKnownA = p.FlagsKnownB = false;
        p.StartA = p.StartB = 0;
        p.Prev = p.Next = null;
        return p;
    }

    private void Return(Pending p)
    {
        p.Session = null!;
        if (_pool.Count < 1024) _pool.Push(p);
    }

    private void Append(Pending n)
    {
        n.Prev = _tail;
        n.Next = null;
        if (_tail is null) _head = n; else _tail.Next = n;
        _tail = n;
    }

    private void Remove(Pending n)
    {
        if (!_pending.Remove(n.Key) && n.Prev is null && _head != n) return; // not queued (a biflow)
        if (n.Prev is null) _head = n.Next; else n.Prev.Next = n.Next;
        if (n.Next is null) _tail = n.Prev; else n.Next.Prev = n.Prev;
        n.Prev = n.Next = null;
    }
}
