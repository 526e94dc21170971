using System.Diagnostics;
using System.Globalization;
using System.Net;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Evidence;
using SegVerify.Core.Localization;
using SegVerify.Core.Output;
using SegVerify.Live.Capture;
using SegVerify.Live.Metrics;

namespace SegVerify.Live;

/// <summary>What a monitor run does besides capturing.</summary>
public sealed class MonitorSessionOptions
{
    /// <summary>Stop after this long (null: until cancelled).</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Statistics to standard error every so often (null or zero: never).</summary>
    public TimeSpan? StatsInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>--evidence (null: none); its snaplen is taken from the capture.</summary>
    public EvidenceOptions? Evidence { get; init; }
    public IPEndPoint? Metrics { get; init; }
    public bool Quiet { get; init; }
    /// <summary>The capture filter the source applies (named in the summary), null for none.</summary>
    public string? Filter { get; init; }
    public string Language { get; init; } = "en";
    public required VerifierOptions Verifier { get; init; }
    public required RunInfo RunInfo { get; init; }
}

/// <summary>
/// One monitor run: this (engine) thread owns the <see cref="Verifier"/>, reads packets from the
/// <see cref="IPacketSource"/> (the kernel's ring in place, or the queue a libpcap capture thread fills), advances the idle clock every second, prints statistics, serves metrics,
/// and at the end (cancelled, duration over, or a savefile's end) judges every open flow and writes the summary.
/// </summary>
public sealed class MonitorSession
{
    private const int DrainBatch = 512;
    private const int IdleWaitMs = 50;
    private const long ClockTickNs = 1_000_000_000;

    private readonly MonitorSessionOptions _o;
    private readonly IPacketSource _source;
    private readonly FlushingCountingSink _sink;
    private readonly Verifier _verifier;
    private readonly TextWriter _stderr;
    private readonly EvidenceRecorder? _evidence;

    public MonitorSession(MonitorSessionOptions options, IPacketSource source, SegVerify.Core.Topology.Topology topology,
        IFindingSink sink, Action? flushOutput, TextWriter stderr)
    {
        _o = options;
        _source = source;
        _stderr = stderr;
        _sink = new FlushingCountingSink(sink, flushOutput);
        _verifier = new Verifier(topology, _sink, options.Verifier);
        if (options.Evidence is { } ev)
        {
            _evidence = new EvidenceRecorder(new EvidenceOptions
                {
                    Directory = ev.Directory,
                    MaxPacketsPerFlow = ev.MaxPacketsPerFlow,
                    MaxBufferedBytes = ev.MaxBufferedBytes,
                    MaxFiles = ev.MaxFiles,
                    Snaplen = source.Snaplen,
                },
                options.Quiet ? null : (path, cut) => _stderr.WriteLine(Localized.Pick(_o.Language, "証拠 pcap: ", "evidence pcap: ") + path
                    + (cut ? Localized.Pick(_o.Language, " (上限により一部)", " (truncated)") : "")),
                (path, error) => _stderr.WriteLine(Localized.Pick(_o.Language, "segverify monitor: 証拠 pcap を書けません: ", "segverify monitor: cannot write the evidence pcap ")
                    + path + ": " + Messages.IoError(error, _o.Language, path)));
            _verifier.Observer = _evidence;
        }
    }

    public VerifierStats Stats => _verifier.Stats;
    /// <summary>Packets the engine never saw: kernel drops plus queue overflows.</summary>
    public long Dropped => _source.KernelDropped + _source.QueueDropped;
    public EvidenceRecorder? Evidence => _evidence;

    private readonly struct Feeder(Verifier verifier, int linkType, bool nanos) : IPacketHandler
    {
        public void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs)
        {
            var rec = new CaptureRecord(data, timestampNs, originalLength, linkType, nanos, 0);
            verifier.Process(in rec);
        }

        public void OnFrames(ICaptureReader frames) => verifier.ProcessAll(frames);
    }

    /// <summary>Runs until cancelled, the duration ends, or the source ends. Returns the summary written.</summary>
    public RunSummary Run(CancellationToken cancel)
    {
        var started = Stopwatch.StartNew();
        bool live = !IsFileSource;
        MetricsServer? metrics = null;
        if (_o.Metrics is not null) metrics = MetricsServer.Start(_o.Metrics, Snapshot);
        _sink.Begin(_o.RunInfo);
        try
        {
            var feeder = new Feeder(_verifier, _source.LinkType, _source.NanosecondResolution);
            _source.Start();
            long nextTick = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
            var statsEvery = _o.StatsInterval is { } si && si > TimeSpan.Zero ? si : (TimeSpan?)null;
            long nextStats = statsEvery is { } se ? Stopwatch.GetTimestamp() + (long)(se.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
            long deadline = _o.Duration is { } d ? Stopwatch.GetTimestamp() + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
            while (!cancel.IsCancellationRequested)
            {
                int n = _source.Read(ref feeder, DrainBatch);
                long now = Stopwatch.GetTimestamp();
                if (n == 0)
                {
                    if (_source.Ended) break;
                    if (live && now >= nextTick)
                    {
                        // Nothing queued is older than now: expire idle flows on wall-clock time.
                        _verifier.AdvanceClock(WallClockNs());
                        nextTick = now + Stopwatch.Frequency;
                    }
                    PrintNotices();
                    if (now >= nextStats)
                    {
                        // every interval, also when nothing arrives (an idle or downed interface is visible)
                        PrintStats();
                        nextStats = now + (long)(statsEvery!.Value.TotalSeconds * Stopwatch.Frequency);
                    }
                    if (now >= deadline) break;
                    _source.WaitForData(IdleWaitMs);
                    continue;
                }
                if (now >= nextTick) { PrintNotices(); nextTick = now + Stopwatch.Frequency; }
                if (now >= nextStats)
                {
                    PrintStats();
                    nextStats = now + (long)(statsEvery!.Value.TotalSeconds * Stopwatch.Frequency);
                }
                if (now >= deadline) break;
            }
            _source.StopAndDrain(ref feeder);
            PrintNotices();
            _verifier.Flush();
            var summary = _sink.Summary;
            _verifier.FillSummary(summary);
            summary.TopologySha256 = _o.RunInfo.TopologySha256;
            summary.Filter = _o.Filter;
            summary.Captures.Add(new InputFile(_source.Name, null));
            // At the end, packets the kernel received that were never read count as dropped too.
            summary.Dropped = Dropped + _source.Unread;
            summary.IfDropped = _source.InterfaceDropped;
            summary.Extra.Add(new("received", _source.Received));
            summary.Extra.Add(new("kernel_dropped", _source.KernelDropped));
            summary.Extra.Add(new("queue_dropped", _source.QueueDropped));
            summary.Extra.Add(new("unread", _source.Unread));
            summary.Extra.Add(new("capture", _source.Method));
            _evidence?.AddToSummary(summary);
            summary.ElapsedSeconds = started.Elapsed.TotalSeconds;
            if (statsEvery is not null) PrintStats();
            _sink.End(summary);
            return summary;
        }
        finally
        {
            metrics?.Dispose();
            _evidence?.Dispose();
        }
    }

    private bool IsFileSource => _source.IsFile;

    private static long WallClockNs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    private void PrintNotices()
    {
        while (_source.Notices.TryDequeue(out var msg)) _stderr.WriteLine("segverify monitor: " + msg);
    }

    /// <summary>The statistics line for standard error.</summary>
    public string StatsLine()
    {
        var s = _verifier.Stats;
        var c = CultureInfo.InvariantCulture;
        long kernel = _source.KernelDropped, queue = _source.QueueDropped;
        return Localized.Pick(_o.Language,
            string.Format(c, "segverify monitor: パケット {0}, バイト {1}, 稼働中フロー {2}, 検出 {3}, 取りこぼし {4} (カーネル {5}, キュー {6}), インターフェースでの取りこぼし {7}",
                s.Packets, s.Bytes, s.LiveFlows, _sink.Findings, kernel + queue, kernel, queue, _source.InterfaceDropped),
            string.Format(c, "segverify monitor: packets {0}, bytes {1}, live flows {2}, findings {3}, dropped {4} (kernel {5}, queue {6}), interface dropped {7}",
                s.Packets, s.Bytes, s.LiveFlows, _sink.Findings, kernel + queue, kernel, queue, _source.InterfaceDropped));
    }

    private void PrintStats()
    {
        if (_o.Quiet) return;
        _stderr.WriteLine(StatsLine());
    }

    /// <summary>The counters for /metrics (called on the metrics thread).</summary>
    public MetricsSnapshot Snapshot()
    {
        var s = _verifier.Stats;
        return new MetricsSnapshot
        {
            Packets = Volatile.Read(ref s.Packets),
            Bytes = Volatile.Read(ref s.Bytes),
            LiveFlows = Volatile.Read(ref s.LiveFlows),
            FindingsByRule = _sink.ByRule(),
            Dropped = Dropped,
            IfDropped = _source.InterfaceDropped,
            QueueDropped = _source.QueueDropped,
        };
    }
}
