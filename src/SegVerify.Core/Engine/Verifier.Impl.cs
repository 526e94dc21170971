using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Classification;
using SegVerify.Core.Decoding;
using SegVerify.Core.Flows;
using SegVerify.Core.Localization;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Engine;

public sealed partial class Verifier
{
    private const byte SideA = 1, SideB = 2;

    private readonly Topology.Topology _topology;
    private readonly IFindingSink _sink;
    private readonly VerifierOptions _options;
    private readonly ZoneClassifier _classifier;
    private readonly PolicyEngine _policy;
    private readonly FlowTable _flows;
    private readonly FrameChecks _frameChecks;
    private readonly FragmentTable _fragments = new();
    private readonly bool[] _servicePortTcp = new bool[65536];
    private readonly bool[] _servicePortUdp = new bool[65536];
    private readonly Dictionary<IpAddr, Host> _hostByIp = new();
    private readonly HashSet<IpAddr> _reportedUnclassified = new();
    private readonly long[,] _zoneMatrix;
    private readonly List<Finding> _flowFindings = new(4);
    private DecodedPacket _pkt;
    /// <summary>The encapsulations around the packet being handled (entries below its <see cref="DecodedPacket.TunnelDepth"/>).</summary>
    private TunnelStack _tunnels;
    /// <summary>The tunnel stacks of live flows (<see cref="FlowEntry.TunnelRef"/>).</summary>
    private readonly TunnelTable _tunnelTable = new();
    private long _now = long.MinValue;
    private long _firstPacketNs = long.MaxValue;
    private long _lastPacketNs = long.MinValue;
    private bool _nanos;
    private ulong _nextFlowId = 1;

    public Verifier(Topology.Topology topology, IFindingSink sink, VerifierOptions options)
    {
        _topology = topology;
        _sink = sink;
        _options = options;
        _classifier = new ZoneClassifier(topology);
        _policy = new PolicyEngine(topology);
        _flows = new FlowTable(options.MaxFlows);
        _zoneMatrix = new long[topology.Zones.Count, topology.Zones.Count];
        foreach (var h in topology.Hosts)
            foreach (var ip in h.Ips)
                _hostByIp.TryAdd(ip, h);
        _frameChecks = new FrameChecks(topology, _classifier, _hostByIp, this);
        // "Well-known" ports for the mid-stream rule: below 1024, or in any built-in or declared service.
        for (int p = 0; p < 1024; p++) _servicePortTcp[p] = _servicePortUdp[p] = true;
        foreach (var s in topology.Services.Values)
            foreach (var e in s.Entries)
            {
                if (e.Protocol == IpProto.Tcp) for (int p = e.Low; p <= e.High; p++) _servicePortTcp[p] = true;
                if (e.Protocol == IpProto.Udp) for (int p = e.Low; p <= e.High; p++) _servicePortUdp[p] = true;
            }
    }

    internal string Language => _options.Language;
    internal ZoneClassifier Classifier => _classifier;
    public PolicyEngine Policy => _policy;

    /// <summary>A record decoded ahead of its processing (see <see cref="ProcessAll"/>).</summary>
    private struct Staged
    {
        public DecodedPacket Pkt;
        public long Ts, Offset;
        public int OriginalLength, LinkType, Hash;
        public bool Nanos, HasHash;
    }

    /// <summary>How many records are decoded ahead of the one being processed.</summary>
    private const int Lookahead = 2;
    private const int RingMask = 3; // ring of 4 >= Lookahead + 1
    private readonly Staged[] _ring = new Staged[RingMask + 1];

    /// <summary>
    /// Processes every record of <paramref name="reader"/> (the replay loop), with the same results as calling
    /// <see cref="Process"/> for each. Records are decoded two places ahead of their processing so that the flow table
    /// bucket of a record, and then its flow entry, can be requested from memory while the records before it are
    /// processed: with thousands of live flows the table is larger than the CPU's near caches, and its two dependent
    /// loads per packet would otherwise wait for memory one after the other. With an <see cref="Observer"/> (which
    /// needs each record's bytes while it is processed) records are processed one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ProcessAll(ICaptureReader reader)
    {
        if (Observer is not null)
        {
            while (reader.TryRead(out var r)) Process(in r);
            return;
        }
        var ring = _ring;
        long produced = 0, consumed = 0;
        while (reader.TryRead(out var record))
        {
            PrefetchAhead(record.Data);
            ref var s = ref ring[produced & RingMask];
            FrameDecoder.Decode(record.LinkType, record.Data, ref s.Pkt);
            if (s.Pkt.NextTunnel != TunnelType.None)
            {
                // A tunnelled frame: its carried packets are decoded from its bytes, which the next read replaces. The
                // records staged before it are handled first, then the frame, layer by layer, in input order.
                while (consumed < produced)
                {
                    HandleStaged(ref ring[consumed & RingMask]);
                    consumed++;
                }
                ProcessFrame(ref s.Pkt, in record);
                produced++;
                consumed++;
                continue;
            }
            s.Ts = record.TimestampNs;
            s.Offset = record.FileOffset;
            s.OriginalLength = record.OriginalLength;
            s.LinkType = record.LinkType;
            s.Nanos = record.NanosecondResolution;
            s.HasHash = false;
            if (TryFlowKey(ref s.Pkt, out var key, out _))
            {
                s.HasHash = true;
                s.Hash = key.GetHashCode();
                _flows.PrefetchBucket(s.Hash);
            }
            produced++;
            if (produced - consumed > Lookahead)
            {
                ref var next = ref ring[(consumed + 1) & RingMask];
                if (next.HasHash) _flows.PrefetchEntry(next.Hash); // its bucket was requested one record ago
                HandleStaged(ref ring[consumed & RingMask]);
                consumed++;
            }
        }
        while (consumed < produced)
        {
            HandleStaged(ref ring[consumed & RingMask]);
            consumed++;
        }
    }

    /// <summary>Distance (bytes) ahead of the current record at which the capture buffer is prefetched.</summary>
    private const int BufferPrefetchDistance = 2048;

    /// <summary>
    /// Requests the capture buffer a few records ahead: the records are read in order, but each takes long enough to
    /// process that the CPU does not run ahead to the next record's header by itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchAhead(ReadOnlySpan<byte> data)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        fixed (byte* p = data)
        {
            // prefetch never faults, so running past the end of the buffer is harmless
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + BufferPrefetchDistance);
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(p + BufferPrefetchDistance + 64);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void HandleStaged(ref Staged s)
    {
        var record = new CaptureRecord(default, s.Ts, s.OriginalLength, s.LinkType, s.Nanos, s.Offset);
        ProcessDecoded(ref s.Pkt, in record);
    }

    /// <summary>Decodes and accounts one capture record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(in CaptureRecord record)
    {
        FrameDecoder.Decode(record.LinkType, record.Data, ref _pkt);
        ProcessFrame(ref _pkt, in record);
    }

    /// <summary>
    /// A decoded frame (<paramref name="p"/>, its outermost packet) and then each packet it carries in tunnels, outermost
    /// first, decoded from <paramref name="record"/>'s bytes into the same struct. The frame is counted once; each packet
    /// joins its own flow (spec: "Encapsulated traffic").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessFrame(ref DecodedPacket p, in CaptureRecord record)
    {
        ulong id = ProcessDecoded(ref p, in record);
        Observer?.OnPacket(id, record);
        while (FrameDecoder.DecodeInner(record.Data, ref p, ref _tunnels))
        {
            if (p.Undecoded != UndecodedReason.None) Stats.Undecoded[(int)p.Undecoded]++;
            id = HandlePacket(ref p, in record);
            if (id != 0) Observer?.OnPacket(id, record);
        }
    }

    /// <summary>
    /// Everything after decoding (<see cref="FrameDecoder.Decode"/>): the clock, the counters, the frame checks and the
    /// flow update. <paramref name="record"/> gives the timestamp, lengths and link type; its bytes are not read (they
    /// may be empty: the decode-ahead loop passes decoded packets). Returns the flow's id, or 0 when
    /// the frame joins no flow (ARP, undecodable, an orphan fragment). There is no <see cref="Observer"/> call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ulong ProcessDecoded(ref DecodedPacket p, in CaptureRecord record)
    {
        Stats.Packets++;
        Stats.Bytes += record.OriginalLength;
        long ts = record.TimestampNs;
        if (ts > _now) AdvanceClock(ts);
        // the capture period for the report (records are not always in time order)
        if (ts < _firstPacketNs) _firstPacketNs = ts;
        if (ts > _lastPacketNs) _lastPacketNs = ts;
        _nanos |= record.NanosecondResolution;
        // A frame whose IP header was read but whose transport header is cut is counted as undecoded by its
        // reason, and still joins its flow by addresses (IsPartial).
        if (p.Undecoded != UndecodedReason.None) Stats.Undecoded[(int)p.Undecoded]++;
        return HandlePacket(ref p, in record);
    }

    /// <summary>One packet of a frame (the outermost or one carried in a tunnel): frame checks and flow update.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong HandlePacket(ref DecodedPacket p, in CaptureRecord record)
    {
        switch (p.Kind)
        {
            case PacketKind.Arp:
                if (p.HasMac) _frameChecks.Check(in p, p.ArpSenderIp, in record);
                return 0;
            case PacketKind.Ip:
                // The frame checks run inside UpdateFlow, which skips them for a frame whose flow side was already
                // checked with the same source MAC and tagging (the checks depend only on MAC, address and VLAN).
                return UpdateFlow(ref p, in record);
            default:
                return 0;
        }
    }

    /// <summary>
    /// The flow key of an unfragmented IP packet (later fragments need the fragment table, which only the flow update
    /// may consult); <paramref name="fromA"/> says whether the packet goes from the key's A side.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryFlowKey(ref DecodedPacket p, out FlowKey key, out bool fromA)
    {
        if (p.Kind != PacketKind.Ip || p.IsFragment)
        {
            key = default;
            fromA = false;
            return false;
        }
        ushort sport = 0, dport = 0;
        if (p.HasPorts) { sport = p.SrcPort; dport = p.DstPort; }
        else if (p.HasIcmp && IsEcho(p.Protocol, p.IcmpType)) { sport = dport = p.IcmpEchoId; }
        key = MakeKey(ref p, sport, dport, out fromA);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FlowKey MakeKey(ref DecodedPacket p, ushort sport, ushort dport, out bool fromA)
    {
        FlowKey key;
        fromA = p.SrcIp < p.DstIp || (p.SrcIp == p.DstIp && sport <= dport);
        if (fromA) { key.A = p.SrcIp; key.B = p.DstIp; key.PortA = sport; key.PortB = dport; }
        else { key.A = p.DstIp; key.B = p.SrcIp; key.PortA = dport; key.PortB = sport; }
        key.Vlan = p.OuterVlan;
        key.Proto = p.Protocol;
        key.VirtualNetwork = p.VirtualNetwork;
        return key;
    }

    /// <summary>Updates (or opens) the packet's flow; returns the flow's id, or 0 when the packet joins no flow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ulong UpdateFlow(ref DecodedPacket p, in CaptureRecord record)
    {
        ushort sport = 0, dport = 0;
        if (p.IsFragment)
        {
            if (p.FragmentOffset > 0)
            {
                // later fragments join the flow their first fragment opened
                if (!_fragments.TryGet(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, out sport, out dport))
                {
                    if (p.HasMac) _frameChecks.Check(in p, p.SrcIp, in record);
                    Stats.OrphanFragments++;
                    return 0;
                }
            }
            else if (p.HasPorts)
            {
                sport = p.SrcPort; dport = p.DstPort;
                _fragments.Put(p.SrcIp, p.DstIp, p.Protocol, p.FragmentId, sport, dport, record.TimestampNs);
            }
        }
        else if (p.HasPorts) { sport = p.SrcPort; dport = p.DstPort; }
        else if (p.HasIcmp && IsEcho(p.Protocol, p.IcmpType)) { sport = dport = p.IcmpEchoId; }

        var key = MakeKey(ref p, sport, dport, out bool fromA);

        bool isTcp = p.Protocol == IpProto.Tcp;
        byte flags = p.TcpFlags;
        bool pureSyn = isTcp && (flags & (DecodedPacket.TcpSyn | DecodedPacket.TcpAck)) == DecodedPacket.TcpSyn;

        int i = _flows.Find(in key);
        if (p.HasMac && (i < 0 || !SideAlreadyChecked(ref _flows[i], fromA, in p)))
            _frameChecks.Check(in p, p.SrcIp, in record);
        if (i >= 0 && pureSyn && (_flows[i].Flags & FlowFlags.Closing) != 0)
        {
            // a new connection on the ports of a closed one
            FinishFlow(i);
            i = -1;
        }
        if (i < 0)
        {
            if (_flows.IsFull) EvictOldest();
            i = _flows.Add(in key, isTcp ? FlowTable.ListTcp : FlowTable.ListOther);
            ref var n = ref _flows[i];
            n.FlowId = _nextFlowId++;
            n.FirstTs = record.TimestampNs;
            n.InnerVlan = p.InnerVlan;
            if (fromA) n.Flags |= FlowFlags.FirstFromA;
            if (record.NanosecondResolution) n.Flags |= FlowFlags.Nanos;
            if (p.HasMac) n.Flags |= FlowFlags.HasMac;
            if (p.HasIcmp) { n.FirstIcmpType = p.IcmpType; n.FirstIcmpCode = p.IcmpCode; }
            if (p.TunnelDepth > 0) n.TunnelRef = _tunnelTable.Acquire(_tunnels.Around(p.TunnelDepth));
            Stats.Flows++;
            Stats.LiveFlows = _flows.Count;
        }

        ref var f = ref _flows[i];
        f.LastTs = record.TimestampNs;
        byte side = fromA ? SideA : SideB;
        if (fromA)
        {
            f.PacketsAB++; f.BytesAB += record.OriginalLength;
            if ((f.Flags & FlowFlags.SeenA) == 0)
            {
                f.Flags |= p.VlanCount > 0 ? FlowFlags.SeenA | FlowFlags.TaggedA : FlowFlags.SeenA;
                f.MacASrc = p.SrcMac; f.MacADst = p.DstMac;
            }
        }
        else
        {
            f.PacketsBA++; f.BytesBA += record.OriginalLength;
            if ((f.Flags & FlowFlags.SeenB) == 0)
            {
                f.Flags |= p.VlanCount > 0 ? FlowFlags.SeenB | FlowFlags.TaggedB : FlowFlags.SeenB;
                f.MacBSrc = p.SrcMac; f.MacBDst = p.DstMac;
            }
        }

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
                f.CloseTs = record.TimestampNs;
                _flows.Touch(i, FlowTable.ListClosing);
            }
            else if ((f.Flags & FlowFlags.Closing) == 0) _flows.Touch(i, FlowTable.ListTcp);
        }
        else
        {
            if (p.HasIcmp && IsEcho(p.Protocol, p.IcmpType))
            {
                if (IsEchoRequest(p.Protocol, p.IcmpType)) { if (f.EchoRequestSide == 0) f.EchoRequestSide = side; }
                else if (f.EchoReplySide == 0) f.EchoReplySide = side;
            }
            _flows.Touch(i, FlowTable.ListOther);
        }
        return f.FlowId;
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

    private static bool IsEcho(byte proto, byte type) =>
        proto == IpProto.Icmp ? type is 0 or 8 : proto == IpProto.IcmpV6 && type is 128 or 129;

    private static bool IsEchoRequest(byte proto, byte type) => proto == IpProto.Icmp ? type == 8 : type == 128;

    /// <summary>Expires flows idle at capture/wall time <paramref name="nowNs"/> (monitor calls this when no packet arrives).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AdvanceClock(long nowNs)
    {
        if (nowNs > _now) _now = nowNs;
        ExpireList(FlowTable.ListClosing, _options.TcpCloseLingerNs, useClose: true);
        ExpireList(FlowTable.ListTcp, _options.TcpIdleTimeoutNs, useClose: false);
        ExpireList(FlowTable.ListOther, _options.UdpIdleTimeoutNs, useClose: false);
        _fragments.Expire(_now);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private void ExpireList(byte list, long timeout, bool useClose)
    {
        int h;
        while ((h = _flows.Head(list)) >= 0)
        {
            ref var f = ref _flows[h];
            long t = useClose ? f.CloseTs : f.LastTs;
            if (_now - t <= timeout) break;
            FinishFlow(h);
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
            Stats.Evicted++;
            FinishFlow(best);
        }
    }

    /// <summary>Judges and reports every live flow (end of input).</summary>
    public void Flush()
    {
        for (byte l = 0; l < FlowTable.ListCount; l++)
        {
            int h;
            while ((h = _flows.Head(l)) >= 0) FinishFlow(h);
        }
    }

    /// <summary>End of input: <see cref="Flush"/>, then <see cref="FillSummary"/>.</summary>
    public void Finish(RunSummary summary)
    {
        Flush();
        FillSummary(summary);
    }

    /// <summary>Copies counters and the zone matrix into the summary.</summary>
    public void FillSummary(RunSummary summary)
    {
        summary.Packets += Stats.Packets;
        if (Stats.Packets > 0)
        {
            if (summary.FirstPacketNs is not { } f || _firstPacketNs < f) summary.FirstPacketNs = _firstPacketNs;
            if (summary.LastPacketNs is not { } l || _lastPacketNs > l) summary.LastPacketNs = _lastPacketNs;
            summary.NanosecondResolution |= _nanos;
        }
        summary.Bytes += Stats.Bytes;
        summary.Flows += Stats.Flows;
        for (int r = 1; r < Stats.Undecoded.Length; r++)
            if (Stats.Undecoded[r] > 0)
            {
                var name = UndecodedReasons.Name((UndecodedReason)r);
                summary.Undecoded[name] = summary.Undecoded.GetValueOrDefault(name) + Stats.Undecoded[r];
            }
        if (summary.ZoneNames.Count == 0) summary.ZoneNames.AddRange(_topology.Zones.Select(z => z.Name));
        for (int a = 0; a < _topology.Zones.Count; a++)
            for (int b = 0; b < _topology.Zones.Count; b++)
                if (_zoneMatrix[a, b] > 0)
                {
                    var k = (_topology.Zones[a].Name, _topology.Zones[b].Name);
                    summary.ZoneMatrix[k] = summary.ZoneMatrix.GetValueOrDefault(k) + _zoneMatrix[a, b];
                }
    }

    /// <summary>The encapsulations around a packet at <paramref name="depth"/> of the frame being handled (frame findings).</summary>
    internal IReadOnlyList<TunnelInfo>? TunnelsAround(int depth) => depth == 0 ? null : TunnelInfo.ListOf(_tunnels.Around(depth));

    internal void Emit(Finding f)
    {
        Stats.Findings++;
        _sink.OnFinding(f);
    }
}
