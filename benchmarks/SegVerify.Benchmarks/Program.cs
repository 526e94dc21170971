using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using SegVerify.Benchmarks;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Topology;

// SegVerify.Benchmarks
//   (no option)        the full BenchmarkDotNet suite (default job); BDN's own options pass through (--filter '*Decode*')
//   --quick            ShortRun job (3 warm-ups, 3 iterations, 1 launch): CI-sized
//   --flow-memory N    feeds N distinct live TCP flows through a Verifier and prints the managed memory per live flow
//   --profile FILE     times Verifier.Process over FILE (held in memory) with a Stopwatch: packets/s without I/O
if (args.Length >= 2 && args[0] == "--flow-memory") return FlowMemory(int.Parse(args[1]));
if (args.Length >= 2 && args[0] == "--profile") return Profile(args[1]);
if (args.Length >= 2 && args[0] == "--steady") return Steady(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));

bool quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
IConfig config = DefaultConfig.Instance;
if (quick) config = config.AddJob(Job.ShortRun.WithId("ShortRun"));
BenchmarkSwitcher.FromAssembly(typeof(DecodeBench).Assembly).Run(rest.Length == 0 ? ["--filter", "*"] : rest, config);
return 0;

static int FlowMemory(int n)
{
    var topo = TopologyLoader.Load(Paths.SampleCity);
    var v = new Verifier(topo, new NullSink(), new VerifierOptions { MaxFlows = Math.Max(n, 16) });
    long ts = 1_775_000_000_000_000_000L;
    // warm: one flow, so type initialisation and caches are outside the measurement
    var f0 = Frames.Build(FrameKind.EthIpv4Tcp64, 0x0A14_0001, 0x0D00_0001, 1, 443);
    var r0 = new CaptureRecord(f0, ts, f0.Length, LinkTypes.Ethernet, false, 0);
    v.Process(in r0);
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    long before = GC.GetTotalMemory(true);
    long rssBefore = Process.GetCurrentProcess().WorkingSet64;
    var frame = Frames.Build(FrameKind.EthIpv4Tcp64);
    for (int i = 0; i < n; i++)
    {
        // 10.20.x.y:port -> 13.x.y.z:443, all distinct
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(26), 0x0A14_0000u | (uint)(i & 0xFFFF));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(30), 0x0D00_0000u | (uint)(i >> 16));
        var rec = new CaptureRecord(frame, ts += 10, frame.Length, LinkTypes.Ethernet, false, 0);
        v.Process(in rec);
    }
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    long after = GC.GetTotalMemory(true);
    long rssAfter = Process.GetCurrentProcess().WorkingSet64;
    Console.WriteLine($"live_flows {v.Stats.LiveFlows} managed_bytes {after - before} bytes_per_flow {(after - before) / (double)Math.Max(1, v.Stats.LiveFlows):F1} rss_growth_bytes {rssAfter - rssBefore} sizeof_FlowEntry {System.Runtime.CompilerServices.Unsafe.SizeOf<SegVerify.Core.Flows.FlowEntry>()}");
    GC.KeepAlive(v);
    return 0;
}

// VerifierBench.SteadyState in a loop for a given time (for perf record): updates of 1,024 established flows.
static int Steady(double seconds)
{
    var b = new VerifierBench();
    b.Setup();
    var sw = Stopwatch.StartNew();
    long ops = 0;
    while (sw.Elapsed.TotalSeconds < seconds) { b.SteadyState(); ops += 1024; }
    Console.WriteLine($"steady: {ops} packets in {sw.Elapsed.TotalSeconds:F2} s = {sw.Elapsed.TotalNanoseconds / ops:F0} ns/packet");
    return 0;
}

static int Profile(string path)
{
    var topo = TopologyLoader.Load(Paths.SampleCity);
    var sw = Stopwatch.StartNew();
    var cap = InMemoryCapture.Load(path);
    Console.WriteLine($"load {cap.Count} records in {sw.Elapsed.TotalSeconds:F2} s");
    for (int run = 0; run < 3; run++)
    {
        var v = new Verifier(topo, new NullSink(), new VerifierOptions());
        long alloc = GC.GetTotalAllocatedBytes(true);
        sw.Restart();
        cap.ProcessAll(v);
        double process = sw.Elapsed.TotalSeconds;
        v.Flush();
        double total = sw.Elapsed.TotalSeconds;
        alloc = GC.GetTotalAllocatedBytes(true) - alloc;
        Console.WriteLine($"run {run}: Process {process:F3} s ({cap.Count / process / 1e6:F2} Mpps), Flush {total - process:F3} s, allocated {alloc / 1e6:F1} MB, flows {v.Stats.Flows}");
    }
    return 0;
}
