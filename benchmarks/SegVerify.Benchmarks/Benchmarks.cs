using BenchmarkDotNet.Attributes;
using SegVerify.Core.Capture;
using SegVerify.Core.Classification;
using SegVerify.Core.Decoding;
using SegVerify.Core.Engine;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;

namespace SegVerify.Benchmarks;

/// <summary>Frame decoding per frame kind, with PacketDotNet's object model as the baseline.</summary>
[MemoryDiagnoser]
public class DecodeBench
{
    [Params(FrameKind.EthIpv4Tcp64, FrameKind.Vlan, FrameKind.QinQ, FrameKind.Ipv6ExtHeaders, FrameKind.Arp)]
    public FrameKind Kind;
    private byte[] _frame = [];
    private DecodedPacket _p;

    [GlobalSetup] public void Setup() => _frame = Frames.Build(Kind);

    [Benchmark]
    public bool SegVerifyDecode() => FrameDecoder.Decode(LinkTypes.Ethernet, _frame, ref _p);

    [Benchmark(Baseline = true)]
    public object PacketDotNetParse() => PacketDotNet.Packet.ParsePacket(PacketDotNet.LinkLayers.Ethernet, _frame);
}

/// <summary>
/// A frame and the packet it carries in VXLAN (outer Ethernet/IPv4/UDP 4789, inner Ethernet/IPv4/TCP): both decoded,
/// as the engine does for a tunnelled frame; against the same inner frame bare (the cost of one encapsulation).
/// </summary>
[MemoryDiagnoser]
public class TunnelDecodeBench
{
    private byte[] _bare = [], _vxlan = [];
    private DecodedPacket _p;
    private TunnelStack _stack;

    [GlobalSetup]
    public void Setup()
    {
        _bare = Frames.Build(FrameKind.EthIpv4Tcp64);
        _vxlan = Frames.Vxlan(_bare, vni: 120120);
    }

    [Benchmark(Baseline = true)]
    public int Bare()
    {
        FrameDecoder.Decode(LinkTypes.Ethernet, _bare, ref _p);
        return _p.DstPort;
    }

    [Benchmark]
    public int InVxlan()
    {
        FrameDecoder.Decode(LinkTypes.Ethernet, _vxlan, ref _p);
        while (FrameDecoder.DecodeInner(_vxlan, ref _p, ref _stack)) { }
        return _p.DstPort;
    }
}

/// <summary>Decode + classify both addresses of 64-byte Ethernet/IPv4/TCP frames against sample-city (1024 distinct frames per op).</summary>
[MemoryDiagnoser]
public class DecodeClassifyBench
{
    private const int Batch = 1024;
    private byte[][] _frames = [];
    private ZoneClassifier _classifier = null!;
    private DecodedPacket _p;

    [GlobalSetup]
    public void Setup()
    {
        var topo = TopologyLoader.Load(Paths.SampleCity);
        _classifier = new ZoneClassifier(topo);
        var rng = new Random(1);
        _frames = new byte[Batch][];
        uint[] nets = [0x0A0A_0000, 0x0A14_0000, 0x0A1E_0000, 0xAC10_0000, 0x0D00_0000];
        for (int i = 0; i < Batch; i++)
            _frames[i] = Frames.Build(i % 5 == 1 ? FrameKind.Vlan : FrameKind.EthIpv4Tcp64,
                nets[rng.Next(nets.Length)] | (uint)rng.Next(1 << 16), nets[rng.Next(nets.Length)] | (uint)rng.Next(1 << 16),
                (ushort)rng.Next(32768, 60000), 443);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int DecodeAndClassify()
    {
        int zones = 0;
        foreach (var f in _frames)
        {
            if (!FrameDecoder.Decode(LinkTypes.Ethernet, f, ref _p)) continue;
            _classifier.Classify(_p.SrcIp, false, out var zs, out _);
            _classifier.Classify(_p.DstIp, true, out var zd, out _);
            if (zs != zd) zones++;
        }
        return zones;
    }
}

/// <summary>Longest-prefix zone classification with 1k / 10k / 100k segments (90 % IPv4, 10 % IPv6; 4096 lookups per op).</summary>
[MemoryDiagnoser]
public class ClassifyBench
{
    private const int Batch = 4096;
    [Params(1_000, 10_000, 100_000)] public int Prefixes;
    private ZoneClassifier _c = null!;
    private IpAddr[] _addrs = [];

    [GlobalSetup]
    public void Setup()
    {
        var topo = SyntheticTopology.WithPrefixes(Prefixes, out var inside);
        _c = new ZoneClassifier(topo);
        var rng = new Random(2);
        _addrs = new IpAddr[Batch];
        for (int i = 0; i < Batch; i++)
            _addrs[i] = i % 2 == 0 ? inside[rng.Next(inside.Count)] : IpAddr.FromV4((uint)rng.Next() | 0x0100_0000);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Classify()
    {
        int n = 0;
        foreach (var a in _addrs)
            if (_c.Classify(a, false, out _, out _) == AddressCategory.Segment) n++;
        return n;
    }
}

/// <summary>Flow-table lookup of existing keys, and insert + remove in a pre-sized table (4096 keys).</summary>
[MemoryDiagnoser]
public class FlowTableBench
{
    private const int Batch = 4096;
    private FlowKey[] _keys = [];
    private FlowTable _table = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _keys = new FlowKey[Batch];
        for (int i = 0; i < Batch; i++)
            _keys[i] = new FlowKey
            {
                A = IpAddr.FromV4(0x0A14_0000u | (uint)rng.Next(1 << 16)), B = IpAddr.FromV4(0x0D00_0000u | (uint)rng.Next()),
                PortA = (ushort)rng.Next(32768, 61000), PortB = 443, Proto = 6,
            };
        _table = new FlowTable(1_000_000, Batch * 2);
        foreach (ref readonly var k in _keys.AsSpan()) _table.Add(k, FlowTable.ListTcp);
        _scratch = new FlowTable(1_000_000, Batch * 2);
    }

    private FlowTable _scratch = null!;
    private readonly int[] _slots = new int[Batch];

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Lookup()
    {
        int s = 0;
        foreach (ref readonly var k in _keys.AsSpan()) s += _table.Find(k);
        return s;
    }

    /// <summary>Add then Remove 4,096 keys in a pre-sized table: one insert and one removal per operation.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int InsertAndRemove()
    {
        var t = _scratch;
        int n = 0;
        foreach (ref readonly var k in _keys.AsSpan()) _slots[n++] = t.Add(k, FlowTable.ListTcp);
        for (int i = 0; i < n; i++) t.Remove(_slots[i]);
        return n;
    }
}

/// <summary>
/// The whole per-packet path, Verifier.Process: (a) ACK frames of 1024 established flows (decode + frame checks +
/// classify + update of an existing flow: must allocate nothing); (b) the generator's traffic mix held in memory
/// (20,000 records: handshakes, data, FINs, new flows, closing, findings) through a fresh Verifier.
/// </summary>
[MemoryDiagnoser]
public class VerifierBench
{
    private const int Flows = 1024;
    private byte[][] _steady = [];
    private Verifier _warm = null!;
    private long _ts;
    private InMemoryCapture _mix = null!;
    private Topology _topo = null!;

    [GlobalSetup]
    public void Setup()
    {
        _topo = TopologyLoader.Load(Paths.SampleCity);
        _warm = new Verifier(_topo, new NullSink(), new VerifierOptions());
        _steady = new byte[Flows][];
        for (int i = 0; i < Flows; i++)
            _steady[i] = Frames.Build(FrameKind.EthIpv4Tcp64, 0x0A14_0A00u + (uint)i, 0x0A14_0064u + (uint)(i % 40), (ushort)(40000 + i), 443);
        _ts = 1_775_000_000_000_000_000L;
        for (int r = 0; r < 3; r++) SteadyState();
        _mix = InMemoryCapture.Generate(20_000, 2000);
    }

    [Benchmark(OperationsPerInvoke = Flows)]
    public long SteadyState()
    {
        foreach (var f in _steady)
        {
            var rec = new CaptureRecord(f, _ts += 1000, f.Length, LinkTypes.Ethernet, false, 0);
            _warm.Process(in rec);
        }
        return _warm.Stats.Packets;
    }

    [Benchmark(OperationsPerInvoke = 20_000)]
    public long TrafficMix()
    {
        var v = new Verifier(_topo, new NullSink(), new VerifierOptions());
        _mix.ProcessAll(v);
        v.Flush();
        return v.Stats.Packets;
    }
}

public sealed class NullSink : IFindingSink
{
    public long Count;
    public void Begin(RunInfo info) { }
    public void OnFinding(Finding finding) => Count++;
    public void OnFlow(FlowEvent flow) => Count++;
    public void End(RunSummary summary) { }
    public void Dispose() { }
}
