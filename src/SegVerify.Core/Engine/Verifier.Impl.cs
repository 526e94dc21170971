using System.Runtime.CompilerServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Classification;
using SegVerify.Core.Decoding;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Judging;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Engine;

public sealed partial class Verifier : IFlowTrackerEvents
{
    private const byte SideA = FlowTracker.SideA, SideB = FlowTracker.SideB;

    private readonly Topology.Topology _topology;
    private readonly IFindingSink _sink;
    private readonly VerifierOptions _options;
    private readonly ZoneClassifier _classifier;
    private readonly PolicyEngine _policy;
    private readonly FlowTracker _tracker;
    private readonly FrameChecks _frameChecks;
    private readonly FlowJudge _judge;
    private readonly Dictionary<IpAddr, Host> _hostByIp = new();
    private readonly HashSet<IpAddr> _reportedUnclassified = new();
    private readonly long[,] _zoneMatrix;
    private readonly List<Finding> _flowFindings = new(4);
    private DecodedPacket _pkt;
    /// <summary>The encapsulations around the packet being handled (entries below its <see cref="DecodedPacket.TunnelDepth"/>).</summary>
    private TunnelStack _tunnels;
    /// <summary>When the frame being handled was staged ahead: the ring slot whose tunnel stack is its own (not copied into <see cref="_tunnels"/>); else -1.</summary>
    private int _tunnelRing = -1;

    /// <summary>The tunnels around the packets of the frame being handled.</summary>
    private ref TunnelStack Tunnels => ref (_tunnelRing >= 0 ? ref _ringTunnels[_tunnelRing] : ref _tunnels);
    /// <summary>The tunnel stacks of live flows (<see cref="FlowEntry.TunnelRef"/>).</summary>
    private readonly TunnelTable _tunnelTable = new();
    private long _firstPacketNs = long.MaxValue;
    private long _lastPacketNs = long.MinValue;
    private bool _nanos;

    public Verifier(Topology.Topology topology, IFindingSink sink, VerifierOptions options)
    {
        _topology = topology;
        _sink = sink;
        _options = options;
        _classifier = new ZoneClassifier(topology);
        _policy = new PolicyEngine(topology);
        _tracker = new FlowTracker(new FlowTrackerOptions
        {
            MaxFlows = options.MaxFlows,
            TcpIdleTimeoutNs = options.TcpIdleTimeoutNs,
            OtherIdleTimeoutNs = options.UdpIdleTimeoutNs,
            TcpCloseLingerNs = options.TcpCloseLingerNs,
        }, Stats, this);
        _zoneMatrix = new long[topology.Zones.Count, topology.Zones.Count];
        foreach (var h in topology.Hosts)
            foreach (var ip in h.Ips)
                _hostByIp.TryAdd(ip, h);
        _frameChecks = new FrameChecks(topology, _classifier, _hostByIp, this);
        _judge = new FlowJudge(topology, _classifier, _policy, _hostByIp);
    }

    internal ZoneClassifier Classifier => _classifier;
    public PolicyEngine Policy => _policy;

    /// <summary>A record decoded ahead of its processing (see <see cref="ProcessAll"/>).</summary>
    private struct Staged
    {
        public DecodedPacket Pkt;
        public long Ts, Offset;
        public int OriginalLength, LinkType, Hash;
        /// <summary>The packet's flow key (<see cref="FlowKeys.TryMake(in DecodedPacket, out FlowKey, out bool, out bool)"/>) when <see cref="HasHash"/>; <see cref="Hash"/> is its hash.</summary>
        public FlowKey Key;
        public bool Nanos, HasHash, FromA, NoPorts;
        /// <summary>For a tunnelled frame: how many packets it carries, outermost first, in <see cref="_ringLayers"/>.</summary>
        public int Layers;
        /// <summary>For a tunnelled frame: bit i set when layer i has a flow-key hash in <see cref="_ringHashes"/>.</summary>
        public int LayerHashMask;
    }

    /// <summary>How many records are decoded ahead of the one being processed.</summary>
    private const int Lookahead = 2;
    private const int RingMask = 3; // ring of 4 >= Lookahead + 1
    private readonly Staged[] _ring = new Staged[RingMask + 1];

    /// <summary>Most packets one frame can carry: the outermost, one per tunnel, and the undecoded one beyond the limit.</summary>
    private const int MaxLayers = TunnelStack.MaxDepth + 2;
    /// <summary>The packets of staged tunnelled frames (<see cref="MaxLayers"/> per ring slot), their hashes and tunnel stacks.</summary>
    private readonly DecodedPacket[] _ringLayers = new DecodedPacket[(RingMask + 1) * MaxLayers];
    private readonly int[] _ringHashes = new int[(RingMask + 1) * MaxLayers];
    /// <summary>The flow keys of those layers (<see cref="FlowKeys.TryMake(in DecodedPacket, out FlowKey, out bool, out bool)"/>), made once when staged.</summary>
    private readonly FlowKey[] _ringKeys = new FlowKey[(RingMask + 1) * MaxLayers];
    /// <summary>Per layer: bit 0 from A, bit 1 no ports (the other results of making the key).</summary>
    private readonly byte[] _ringKeyFlags = new byte[(RingMask + 1) * MaxLayers];
    private readonly TunnelStack[] _ringTunnels = new TunnelStack[RingMask + 1];
    /// <summary>Scratch for a tunnelled frame handled at once (<see cref="Process"/>).</summary>
    private readonly DecodedPacket[] _layers = new DecodedPacket[MaxLayers];

    /// <summary>
    /// Processes every record of <paramref name="reader"/> (the replay loop), with the same results as calling
    /// <see cref="Process"/> for each. Records are decoded two places ahead of their processing so that the flow table
    /// bucket of a record, and then its flow entry, can be requested from memory while the records before it are
    /// processed: with thousands of live flows the table is larger than the CPU's near caches, and its two dependent
    /// loads per packet would otherwise wait for memory one after the other. A tunnelled frame is decoded ahead whole
    /// (every packet it carries, with the tunnels around each), so the flows of its inner packets are requested early
    /// too. With an <see cref="Observer"/> (which needs each record's bytes while it is processed) records are
    /// processed one at a time. <paramref name="cancel"/> is checked before each record is read: once it is set, no
    /// more records are read (those read are processed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public void ProcessAll(ICaptureReader reader, CancellationToken cancel = default)
    {
        if (Observer is not null)
        {
            while (!cancel.IsCancellationRequested && reader.TryRead(out var r)) Process(in r);
            return;
        }
        var ring = _ring;
        long produced = 0, consumed = 0;
        var pcapng = reader as PcapNgReader;
        var pcap = reader as PcapReader;
        while (!cancel.IsCancellationRequested && Next(reader, pcapng, pcap, out var record))
        {
            PrefetchAhead(record.Data);
            int slot = (int)(produced & RingMask);
            ref var s = ref ring[slot];
            FrameDecoder.Decode(record.LinkType, record.Data, ref s.Pkt);
            s.Ts = record.TimestampNs;
            s.Offset = record.FileOffset;
            s.OriginalLength = record.OriginalLength;
            s.LinkType = record.LinkType;
            s.Nanos = record.NanosecondResolution;
            s.HasHash = false;
            s.Layers = 0;
            bool carrier = MayCarryTunnel(in s.Pkt);
            if (!carrier && s.Pkt.NextTunnel != TunnelType.None)
            {
                StageTunnelled(ref s, slot, record.Data);
                carrier = CarrierFragment(_ringLayers.AsSpan(slot * MaxLayers, s.Layers)) >= 0;
            }
            if (carrier)
            {
                // rare: the records staged before it are handled first, then this one with its bytes
                while (consumed < produced)
                {
                    HandleStaged(ref ring[consumed & RingMask], (int)(consumed & RingMask));
                    consumed++;
                }
                Process(in record);
                continue;
            }
            if (s.Layers == 0 && FlowKeys.TryMake(in s.Pkt, out s.Key, out s.FromA, out s.NoPorts))
            {
                s.HasHash = true;
                s.Hash = s.Key.GetHashCode();
                _tracker.PrefetchBucket(s.Hash);
            }
            produced++;
            if (produced - consumed > Lookahead)
            {
                int nextSlot = (int)((consumed + 1) & RingMask);
                ref var next = ref ring[nextSlot];
                // its bucket was requested one record ago
                if (next.HasHash) _tracker.PrefetchEntry(next.Hash);
                else if (next.LayerHashMask != 0) PrefetchLayerEntries(nextSlot, next.LayerHashMask);
                HandleStaged(ref ring[consumed & RingMask], (int)(consumed & RingMask));
                consumed++;
            }
        }
        while (consumed < produced)
        {
            HandleStaged(ref ring[consumed & RingMask], (int)(consumed & RingMask));
            consumed++;
        }
    }

    /// <summary>
    /// The next record of <paramref name="reader"/>, calling the file readers' own method when it is one of them
    /// (<paramref name="pcapng"/>, <paramref name="pcap"/>: the reader itself, else null) rather than through the
    /// interface for every record.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Next(ICaptureReader reader, PcapNgReader? pcapng, PcapReader? pcap, out CaptureRecord record) =>
        pcapng is not null ? pcapng.TryRead(out record)
        : pcap is not null ? pcap.TryRead(out record)
        : reader.TryRead(out record);

    /// <summary>
    /// Decodes every packet a tunnelled frame carries into the slot's layers (the frame's bytes are replaced by the next
    /// read, the decoded packets are not) and requests their flows' buckets.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StageTunnelled(ref Staged s, int slot, ReadOnlySpan<byte> frame)
    {
        var layers = _ringLayers.AsSpan(slot * MaxLayers, MaxLayers);
        s.Layers = DecodeLayers(frame, in s.Pkt, layers, ref _ringTunnels[slot]);
        int mask = 0;
        for (int i = 0; i < s.Layers; i++)
        {
            int at = slot * MaxLayers + i;
            if (!FlowKeys.TryMake(in layers[i], out _ringKeys[at], out bool fromA, out bool noPorts)) continue;
            int h = _ringKeys[at].GetHashCode();
            _ringHashes[at] = h;
            _ringKeyFlags[at] = (byte)((fromA ? 1 : 0) | (noPorts ? 2 : 0));
            _tracker.PrefetchBucket(h);
            mask |= 1 << i;
        }
        s.LayerHashMask = mask;
    }

    private void PrefetchLayerEntries(int slot, int mask)
    {
        for (int i = 0; mask != 0; i++, mask >>= 1)
            if ((mask & 1) != 0) _tracker.PrefetchEntry(_ringHashes[slot * MaxLayers + i]);
    }

    /// <summary>
    /// The packets of a frame, outermost first: <paramref name="outer"/>, then each packet carried in a tunnel, decoded
    /// from <paramref name="frame"/> (<see cref="FrameDecoder.DecodeInner"/>), with the tunnels around them in
    /// <paramref name="tunnels"/>. Returns how many.
    /// </summary>
    private static int DecodeLayers(ReadOnlySpan<byte> frame, in DecodedPacket outer, Span<DecodedPacket> layers, ref TunnelStack tunnels)
    {
        layers[0] = outer;
        int n = 1;
        while (n < layers.Length && FrameDecoder.DecodeInner(frame, in layers[n - 1], ref layers[n], ref tunnels)) n++;
        return n;
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
    private void HandleStaged(ref Staged s, int slot)
    {
        var record = new CaptureRecord(default, s.Ts, s.OriginalLength, s.LinkType, s.Nanos, s.Offset);
        if (s.Layers == 0)
        {
            if (s.HasHash) ProcessKeyed(ref s, in record);
            else ProcessDecoded(ref s.Pkt, in record);
            return;
        }
        _tunnelRing = slot;
        ProcessLayers(_ringLayers.AsSpan(slot * MaxLayers, s.Layers), in record, slot * MaxLayers, s.LayerHashMask);
    }

    /// <summary>Decodes and accounts one capture record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(in CaptureRecord record)
    {
        FrameDecoder.Decode(record.LinkType, record.Data, ref _pkt);
        if (_pkt.NextTunnel != TunnelType.None)
        {
            _tunnelRing = -1;
            int n = DecodeLayers(record.Data, in _pkt, _layers, ref _tunnels);
            int k = CarrierFragment(_layers.AsSpan(0, n));
            if (k >= 0) ProcessCarrierFragment(_layers.AsSpan(0, n), k, in record);
            else ProcessLayers(_layers.AsSpan(0, n), in record);
            return;
        }
        if (MayCarryTunnel(in _pkt))
        {
            _tunnelRing = -1;
            _layers[0] = _pkt;
            ProcessCarrierFragment(_layers.AsSpan(0, 1), 0, in record);
            return;
        }
        ulong id = ProcessDecoded(ref _pkt, in record);
        Observer?.OnPacket(id, record);
    }

    /// <summary>
    /// A frame that carries packets in tunnels: <paramref name="layers"/> are its packets, outermost first (decoded by
    /// <see cref="DecodeLayers"/>, the tunnels around them in <see cref="_tunnels"/>); each joins its own flow (spec:
    /// "Encapsulated traffic"). The frame is counted once: in <c>undecoded</c> under the first reason met in any of its
    /// packets (a cut tunnel header, nesting beyond 8, a cut inner header), else in the flow of its outermost IP packet
    /// (the packets inside count in their own flows' packets, not again in the accounting), else (no IP at all, e.g.
    /// MPLS carrying ARP) in <c>non_ip</c>. <paramref name="record"/>'s bytes are read only by an <see cref="Observer"/>.
    /// </summary>
    /// <para>
    /// From the decode-ahead loop, bit l of <paramref name="keyMask"/> says that layer l's flow key was made when it was
    /// staged (at <paramref name="keyBase"/> + l in <see cref="_ringKeys"/>); it is not made again.
    /// </para>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ProcessLayers(Span<DecodedPacket> layers, in CaptureRecord record, int keyBase = 0, int keyMask = 0)
    {
        Stats.Packets++;
        Stats.Bytes += record.OriginalLength;
        Clock(in record);
        var frameReason = UndecodedReason.None;
        bool accounted = false, undecodedLayer = false, frameFromA = false;
        int frameSlot = -1;
        ulong frameFlow = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            ref var p = ref layers[l];
            var reason = p.Undecoded;
            if (reason != UndecodedReason.None && frameReason == UndecodedReason.None) frameReason = reason;
            ulong id = 0;
            switch (p.Kind)
            {
                case PacketKind.Ip:
                    // the frame's outermost IP packet is counted once the whole frame is known to be complete
                    bool frame = !accounted;
                    bool count = !frame && reason == UndecodedReason.None;
                    int slot;
                    bool fromA;
                    if ((keyMask >> l & 1) != 0)
                    {
                        int at = keyBase + l;
                        fromA = (_ringKeyFlags[at] & 1) != 0;
                        id = _tracker.TrackKeyed(ref p, in record, count, frame, in _ringKeys[at], _ringHashes[at], fromA, (_ringKeyFlags[at] & 2) != 0, out slot);
                    }
                    else id = _tracker.Track(ref p, in record, count, frame, out slot, out fromA);
                    if (frame) { accounted = true; frameSlot = slot; frameFlow = id; frameFromA = fromA; }
                    break;
                case PacketKind.Arp when reason == UndecodedReason.None:
                    if (p.HasMac) _frameChecks.Check(in p, p.ArpSenderIp, in record);
                    break;
                case PacketKind.Undecoded:
                    undecodedLayer = true;
                    break;
            }
            if (id != 0 || p.TunnelDepth == 0) Observer?.OnPacket(id, record);
        }

        if (frameReason != UndecodedReason.None) Stats.Undecoded[(int)frameReason]++;
        else if (accounted) _tracker.CountLater(frameSlot, frameFlow, frameFromA, record.OriginalLength);
        else if (undecodedLayer) Stats.Undecoded[(int)UndecodedReason.Other]++;
        else Stats.NonIp++;
    }

    /// <summary>
    /// Everything after decoding (<see cref="FrameDecoder.Decode"/>): the counters, the frame checks and the flow
    /// tracker. <paramref name="record"/> gives the timestamp, lengths and link type; its bytes are not read (they may
    /// be empty: the decode-ahead loop passes decoded packets). Returns the flow's id, or 0 when the frame joins no flow
    /// (not IP, undecodable, a later fragment waiting for its first). There is no <see cref="Observer"/> call.
    /// <para>
    /// Every frame is counted once in exactly one of: its flow's packets, <c>undecoded</c> (by reason; a frame whose IP
    /// header was read but a later header was cut short is counted there and still opens or refreshes its flow, which
    /// is judged), <c>orphan-fragment</c>, or <c>non_ip</c>.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal ulong ProcessDecoded(ref DecodedPacket p, in CaptureRecord record)
    {
        Stats.Packets++;
        Stats.Bytes += record.OriginalLength;
        Clock(in record);
        var reason = p.Undecoded;
        switch (p.Kind)
        {
            case PacketKind.Ip:
                // The frame checks run inside the tracker (CheckFrame), which skips them for a frame whose flow side
                // was already checked with the same source MAC and tagging.
                if (reason == UndecodedReason.None) return _tracker.Track(ref p, in record, count: true, frame: true, out _, out _);
                Stats.Undecoded[(int)reason]++;
                return _tracker.Track(ref p, in record, count: false, frame: true, out _, out _);
            case PacketKind.Arp when reason == UndecodedReason.None:
                Stats.NonIp++;
                if (p.HasMac) _frameChecks.Check(in p, p.ArpSenderIp, in record);
                return 0;
            case PacketKind.OtherL2 when reason == UndecodedReason.None:
                Stats.NonIp++;
                return 0;
            default:
                Stats.Undecoded[(int)(reason == UndecodedReason.None ? UndecodedReason.Other : reason)]++;
                return 0;
        }
    }

    /// <summary>
    /// <see cref="ProcessDecoded"/> for a staged IP packet whose flow key was made when it was staged (the same steps as
    /// its <see cref="PacketKind.Ip"/> case, without making the key again).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private void ProcessKeyed(ref Staged s, in CaptureRecord record)
    {
        Stats.Packets++;
        Stats.Bytes += record.OriginalLength;
        Clock(in record);
        var reason = s.Pkt.Undecoded;
        if (reason == UndecodedReason.None)
        {
            _tracker.TrackKeyed(ref s.Pkt, in record, count: true, frame: true, in s.Key, s.Hash, s.FromA, s.NoPorts, out _);
            return;
        }
        Stats.Undecoded[(int)reason]++;
        _tracker.TrackKeyed(ref s.Pkt, in record, count: false, frame: true, in s.Key, s.Hash, s.FromA, s.NoPorts, out _);
    }

    /// <summary>Advances the tracker's clock to a record's time, and notes the capture period for the report.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Clock(in CaptureRecord record)
    {
        long ts = record.TimestampNs;
        if (ts > _tracker.Now) _tracker.AdvanceClock(ts);
        if (ts >= _reassembler.NextDeadline) ExpireCarried(ts);
        // the capture period for the report (records are not always in time order)
        if (ts < _firstPacketNs) _firstPacketNs = ts;
        if (ts > _lastPacketNs) _lastPacketNs = ts;
        _nanos |= record.NanosecondResolution;
    }

    void IFlowTrackerEvents.CheckFrame(in DecodedPacket p, in CaptureRecord record) => _frameChecks.Check(in p, p.SrcIp, in record);

    void IFlowTrackerEvents.OnFlowOpen(ref FlowEntry flow, in DecodedPacket p)
    {
        if (p.TunnelDepth > 0) flow.TunnelRef = _tunnelTable.Acquire(Tunnels.Around(p.TunnelDepth));
        Observer?.OnFlowOpen(flow.FlowId, FindingFromByte(in flow, in p));
    }

    void IFlowTrackerEvents.OnFlowEnd(in FlowEntry flow) => FinishFlow(in flow);

    /// <summary>Expires flows idle at capture/wall time <paramref name="nowNs"/> (monitor calls this when no packet arrives).</summary>
    public void AdvanceClock(long nowNs)
    {
        _tracker.AdvanceClock(nowNs);
        if (nowNs >= _reassembler.NextDeadline) ExpireCarried(nowNs);
    }

    /// <summary>Opens what fragmented tunnel datagrams carry as far as it came, then judges and reports every live flow (end of input).</summary>
    public void Flush()
    {
        FlushCarried();
        _tracker.Flush();
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
        summary.NonIp = (summary.NonIp ?? 0) + Stats.NonIp;
        for (int r = 1; r < Stats.Undecoded.Length; r++)
            if (Stats.Undecoded[r] > 0) AddUndecoded(summary, UndecodedReasons.Name((UndecodedReason)r), Stats.Undecoded[r]);
        if (Stats.OrphanFragments > 0) AddUndecoded(summary, OrphanFragment, Stats.OrphanFragments);
        if (summary.ZoneNames.Count == 0) summary.ZoneNames.AddRange(_topology.Zones.Select(z => z.Name));
        for (int a = 0; a < _topology.Zones.Count; a++)
            for (int b = 0; b < _topology.Zones.Count; b++)
                if (_zoneMatrix[a, b] > 0)
                {
                    var k = (_topology.Zones[a].Name, _topology.Zones[b].Name);
                    summary.ZoneMatrix[k] = summary.ZoneMatrix.GetValueOrDefault(k) + _zoneMatrix[a, b];
                }
    }

    /// <summary>The summary's <c>undecoded</c> reason for later fragments whose first fragment never came.</summary>
    public const string OrphanFragment = "orphan-fragment";

    private static void AddUndecoded(RunSummary summary, string reason, long n) =>
        summary.Undecoded[reason] = summary.Undecoded.GetValueOrDefault(reason) + n;

    /// <summary>The encapsulations around a packet at <paramref name="depth"/> of the frame being handled (frame findings).</summary>
    internal IReadOnlyList<TunnelInfo>? TunnelsAround(int depth) => depth == 0 ? null : TunnelInfo.ListOf(Tunnels.Around(depth));

    internal void Emit(Finding f)
    {
        Stats.Findings++;
        _sink.OnFinding(f);
    }
}
