using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Net;
using SegVerify.Core.Output;

namespace SegVerify.Core.Engine;

/// <summary>
/// replay --threads N: the thread that reads the captures (the dispatcher) spreads the records over N shards, each a
/// <see cref="Verifier"/> with its own flow table. Shard 0 runs on the dispatcher thread itself (so N threads in all
/// keep N cores busy); shards 1..N-1 run on their own threads, fed through a <see cref="ShardQueue"/>. The dispatcher
/// decodes each frame once (it needs the addresses to choose the shard) and passes the decoded packet, not the frame's
/// bytes: a shard never decodes again, and a few hundred bytes less per packet cross between cores.
/// <para>
/// A record goes to the shard chosen by a symmetric hash of its two IP addresses and its outer VLAN (not the ports),
/// so both directions of a flow, and the later fragments of an IP datagram (which carry no ports), meet in the same
/// shard as the flow's other packets. ARP frames go by their sender address, frames without addresses to shard 0.
/// </para>
/// <para>
/// Every record carries the dispatcher's clock (the latest capture time seen so far, over all shards), and every shard
/// also gets a clock tick at least once per millisecond of capture time: each shard expires its flows at exactly the
/// moments a single verifier would (so a flow has the same packets whatever N), and idle flows of a quiet shard still
/// expire, keeping memory bounded. The once-only findings are decided across shards by a <see cref="SharedDedupe"/>.
/// </para>
/// <para>Only the dispatcher thread calls <see cref="Process"/>, <see cref="CurrentCapture"/> and <see cref="Complete"/>.</para>
/// </summary>
public sealed class ParallelVerifier : IReplayEngine, IDisposable
{
    public const int MaxShards = 64;
    /// <summary>
    /// Every shard's clock is brought to the dispatcher's at least this often (capture time). Idle expiry needs one tick
    /// a second at most; a finer tick also makes the order in which flows of different shards are judged (which decides
    /// which flow carries an unclassified-address finding) that of a single verifier, except for flows whose expiry falls
    /// in the same millisecond. A tick costs a 48-byte entry per shard.
    /// </summary>
    private const long TickNs = 1_000_000;

    private readonly ShardQueue[] _queues;
    private readonly Verifier[] _verifiers;
    private readonly Thread?[] _threads; // [0] stays null: shard 0 runs on the dispatcher
    private readonly SharedDedupe _shared = new();
    private readonly IFindingSink _sink;
    private readonly List<string?> _captureNames = [];
    private readonly uint _shardCount;
    private volatile Exception? _failure;
    private DecodedPacket _pkt;
    private long _index;
    private long _clock = long.MinValue;
    private long _lastTick;
    private long _clock0 = long.MinValue; // shard 0's clock (it runs on the dispatcher thread)
    private bool _ticked;
    private bool _completed;
    private string? _currentCapture;

    /// <param name="sink">Receives findings from every shard thread: calls are serialised here.</param>
    public ParallelVerifier(Topology.Topology topology, IFindingSink sink, VerifierOptions options, int shards, int queueBytes = ShardQueue.DefaultCapacity)
    {
        if (shards is < 1 or > MaxShards) throw new ArgumentOutOfRangeException(nameof(shards));
        _sink = sink as LockedSink ?? new LockedSink(sink);
        _shardCount = (uint)shards;
        var shardOptions = new VerifierOptions
        {
            MaxFlows = (options.MaxFlows + shards - 1) / shards,
            TcpIdleTimeoutNs = options.TcpIdleTimeoutNs,
            UdpIdleTimeoutNs = options.UdpIdleTimeoutNs,
            TcpCloseLingerNs = options.TcpCloseLingerNs,
            EmitFlows = options.EmitFlows,
            Language = options.Language,
            Shared = _shared,
        };
        _queues = new ShardQueue[shards];
        _verifiers = new Verifier[shards];
        _threads = new Thread[shards];
        for (int i = 0; i < shards; i++)
        {
            _queues[i] = new ShardQueue(queueBytes);
            _verifiers[i] = new Verifier(topology, _sink, shardOptions);
        }
        for (int i = 1; i < shards; i++)
        {
            int shard = i;
            _threads[i] = new Thread(() => Run(shard)) { IsBackground = true, Name = "segverify-shard-" + i };
            _threads[i].Start();
        }
    }

    public int Shards => (int)_shardCount;

    /// <summary>The shards' verifiers (their statistics; read them after <see cref="Complete"/>).</summary>
    public IReadOnlyList<Verifier> Verifiers => _verifiers;

    /// <summary>Name of the capture being read: copied into the findings of the records that follow.</summary>
    public string? CurrentCapture
    {
        get => _currentCapture;
        set
        {
            _currentCapture = value;
            // A single verifier judges the flows that expire up to now under the previous name: bring every shard's
            // clock to now before the switch.
            if (_ticked) Tick();
            int id;
            lock (_captureNames)
            {
                id = _captureNames.Count;
                _captureNames.Add(value);
            }
            _verifiers[0].CurrentCapture = value;
            for (int i = 1; i < _queues.Length; i++) Write(_queues[i], ShardQueue.Kind.Capture, id);
        }
    }

    /// <summary>Hands one record to its shard (copied: the record's span may be reused once this returns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(in CaptureRecord record)
    {
        long ts = record.TimestampNs;
        if (ts > _clock)
        {
            _clock = ts;
            if (!_ticked || ts - _lastTick >= TickNs) Tick();
        }
        int shard = ShardOf(in record);
        if (shard == 0)
        {
            // shard 0 is processed here, as a shard thread would process it (clock first, then the record)
            var v = _verifiers[0];
            if (_clock > _clock0) { _clock0 = _clock; v.AdvanceClock(_clock0); }
            v.InputIndex = _index++;
            v.ProcessDecoded(ref _pkt, in record);
            return;
        }
        var q = _queues[shard];
        try
        {
            q.WriteRecord(_index++, _clock, ts, record.OriginalLength, record.LinkType, record.NanosecondResolution, record.FileOffset,
                MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref _pkt, 1)));
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }
    }

    /// <summary>Hands every record of <paramref name="reader"/> to its shard.</summary>
    public void ProcessAll(ICaptureReader reader)
    {
        while (reader.TryRead(out var record)) Process(in record);
    }

    /// <summary>End of input: <see cref="Complete"/>, then <see cref="FillSummary"/>.</summary>
    public void Finish(RunSummary summary)
    {
        Complete();
        FillSummary(summary);
    }

    /// <summary>The shard of a record: symmetric in the two addresses, blind to ports.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShardOf(in CaptureRecord record) => ShardOf(record.LinkType, record.Data, ref _pkt, _shardCount);

    /// <summary>The shard of a frame among <paramref name="shards"/> (decoded into <paramref name="p"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ShardOf(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket p, uint shards)
    {
        FrameDecoder.Decode(linkType, frame, ref p);
        ulong h;
        switch (p.Kind)
        {
            case PacketKind.Ip:
                // addition is commutative: both directions give the same value
                h = Mix(p.SrcIp) + Mix(p.DstIp) + p.OuterVlan * 0x165667B19E3779F9UL;
                break;
            case PacketKind.Arp:
                h = Mix(p.ArpSenderIp);
                break;
            default:
                return 0;
        }
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return (int)(((h >> 32) * shards) >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(IpAddr a)
    {
        ulong h = a.Lo * 0x9E3779B97F4A7C15UL ^ a.Hi * 0xC2B2AE3D27D4EB4FUL;
        return h ^ (h >> 32);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Tick()
    {
        _ticked = true;
        _lastTick = _clock;
        if (_clock > _clock0) { _clock0 = _clock; _verifiers[0].AdvanceClock(_clock0); }
        for (int i = 1; i < _queues.Length; i++) Write(_queues[i], ShardQueue.Kind.Tick, 0);
    }

    private void Write(ShardQueue q, ShardQueue.Kind kind, int value)
    {
        try
        {
            q.WriteControl(kind, value, _index, _clock);
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }
    }

    /// <summary>
    /// End of input: every shard judges its remaining flows, then the once-only findings are written. Rethrows the
    /// first failure of a shard.
    /// </summary>
    public void Complete()
    {
        if (_completed) return;
        _completed = true;
        if (_failure is null)
            for (int i = 1; i < _queues.Length; i++)
            {
                try { _queues[i].WriteControl(ShardQueue.Kind.End, 0, _index, _clock); }
                catch (OperationCanceledException) { break; }
            }
        try
        {
            // shard 0's remaining flows, judged here while the shard threads judge theirs
            _verifiers[0].AtEndOfInput = true;
            _verifiers[0].Flush();
        }
        catch (Exception flushFailure)
        {
            _failure ??= flushFailure;
            foreach (var q in _queues) q.Abort();
        }
        foreach (var t in _threads) t?.Join();
        if (_failure is { } ex) ExceptionDispatchInfo.Throw(ex);
        _shared.EmitAll(_sink);
    }

    /// <summary>Adds every shard's counters and zone matrix to the summary (after <see cref="Complete"/>).</summary>
    public void FillSummary(RunSummary summary)
    {
        foreach (var v in _verifiers) v.FillSummary(summary);
    }

    private void Run(int shard)
    {
        var q = _queues[shard];
        var v = _verifiers[shard];
        long clock = long.MinValue;
        try
        {
            while (true)
            {
                q.Read(out var e);
                switch (e.Kind)
                {
                    case ShardQueue.Kind.Record:
                        if (e.Clock > clock) { clock = e.Clock; v.AdvanceClock(clock); }
                        v.InputIndex = e.Index;
                        // the entry holds the packet as the dispatcher decoded it (the frame's bytes are not needed)
                        var pkt = MemoryMarshal.Read<DecodedPacket>(e.Data);
                        var rec = new CaptureRecord(default, e.Timestamp, e.OriginalLength, e.LinkType, e.Nanos, e.FileOffset);
                        v.ProcessDecoded(ref pkt, in rec);
                        break;
                    case ShardQueue.Kind.Tick:
                        if (e.Clock > clock) { clock = e.Clock; v.AdvanceClock(clock); }
                        break;
                    case ShardQueue.Kind.Capture:
                        lock (_captureNames) v.CurrentCapture = _captureNames[e.Value];
                        break;
                    case ShardQueue.Kind.End:
                        v.AtEndOfInput = true;
                        v.Flush();
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
            // another shard failed first
        }
        catch (Exception ex)
        {
            _failure ??= ex;
            foreach (var other in _queues) other.Abort();
        }
    }

    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            _failure ??= new OperationCanceledException("replay stopped");
            foreach (var q in _queues) q.Abort();
            foreach (var t in _threads) t?.Join();
        }
    }
}
