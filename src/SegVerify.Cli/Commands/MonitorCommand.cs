using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using SegVerify.Core.Engine;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using SegVerify.Live;
using SegVerify.Live.Capture;
using SegVerify.Live.Metrics;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>segverify monitor --interface IF --topology FILE</c>: live verification on a mirror (SPAN) port. Same engine as
/// replay; findings stream as they happen; statistics to standard error; summary at SIGINT, SIGTERM or --duration.
/// </summary>
public static class MonitorCommand
{
    private const int DefaultStatsIntervalSeconds = 10;
    /// <summary>The queue between libpcap's capture thread and the engine (the libpcap path only).</summary>
    private const int QueueBytes = 64 * 1024 * 1024;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var syslog = new SyslogArgs();
        var audit = new AuditArgs();
        var iface = new Option<string>("--interface", "-i") { Description = "Interface to capture from (the mirror/SPAN port)", Required = true };
        var topology = new Option<string>("--topology", "-t") { Description = "Topology file (YAML)", Required = true };
        var filterArgs = new CaptureFilterArgs();
        var trailingFilter = new Argument<string[]>("filter")
        {
            Description = "Capture filter in tcpdump syntax after the options, as with tcpdump -i (e.g. tcp port 445); the same as --bpf",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var snaplen = new Option<int>("--snaplen") { Description = "Bytes kept of each packet", DefaultValueFactory = _ => CaptureSettings.DefaultSnaplen };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds (default: until SIGINT/SIGTERM)" };
        var statsInterval = new Option<double>("--stats-interval") { Description = "Seconds between statistics lines on standard error (0: none)", DefaultValueFactory = _ => DefaultStatsIntervalSeconds };
        var evidence = new EvidenceArgs();
        var metrics = new Option<string?>("--metrics") { Description = "Serve Prometheus metrics at ADDRESS:PORT (loopback, e.g. 127.0.0.1:9464)" };
        var metricsRemote = new Option<bool>("--metrics-allow-remote") { Description = "Allow --metrics on a non-loopback address" };
        var flows = new Option<bool>("--flows") { Description = "Also write an \"event\":\"flow\" record for every flow" };
        var capture = new Option<string>("--capture") { Description = "How to capture: auto (Linux: the kernel's TPACKET_V3 ring read in place; elsewhere libpcap), tpacket or libpcap", DefaultValueFactory = _ => "auto" };
        var readFile = new Option<string?>("--read-file") { Description = "Read a capture file through the live pipeline instead of an interface (testing)", Hidden = true };

        var cmd = new Command("monitor", "Capture live from an interface and report findings as they happen");
        cmd.Options.Add(iface);
        cmd.Options.Add(topology);
        filterArgs.AddTo(cmd);
        cmd.Arguments.Add(trailingFilter);
        cmd.Options.Add(snaplen);
        cmd.Options.Add(duration);
        cmd.Options.Add(statsInterval);
        evidence.AddTo(cmd);
        cmd.Options.Add(metrics);
        cmd.Options.Add(metricsRemote);
        cmd.Options.Add(flows);
        cmd.Options.Add(capture);
        cmd.Options.Add(readFile);
        common.AddTo(cmd);
        audit.AddTo(cmd);
        syslog.AddTo(cmd);
        var archive = new ArchiveArgs();
        archive.AddTo(cmd);

        cmd.SetAction(parse =>
        {
            string lang = CommonOptions.ResolveLanguage(parse.GetValue(common.Lang));
            if (!filterArgs.TryJoin(parse, parse.GetValue(trailingFilter) ?? [], lang, stderr, out var filterExpression)) return ExitCodes.Usage;
            if (!syslog.TryResolve(parse, lang, stderr, out var siem)) return ExitCodes.Usage;
            if (!archive.TryResolve(parse, lang, stderr, out var archiveWriter)) return ExitCodes.Usage;
            if (!evidence.TryResolve(parse, "monitor", lang, stderr, out var evidenceOptions)) return ExitCodes.Usage;
            if (!audit.TryOpen(parse, lang, stderr, out var auditLog)) return ExitCodes.Usage;
            using var closeAudit = auditLog;
            var args = new Args
            {
                Interface = parse.GetValue(iface)!,
                Topology = parse.GetValue(topology)!,
                Bpf = filterExpression,
                Snaplen = parse.GetValue(snaplen),
                Duration = parse.GetValue(duration),
                StatsInterval = parse.GetValue(statsInterval),
                Evidence = evidenceOptions,
                Metrics = parse.GetValue(metrics),
                MetricsAllowRemote = parse.GetValue(metricsRemote),
                Flows = parse.GetValue(flows),
                ReadFile = parse.GetValue(readFile),
                Capture = parse.GetValue(capture) ?? "auto",
                Format = parse.GetValue(common.Format),
                Output = parse.GetValue(common.Output),
                Quiet = parse.GetValue(common.Quiet),
                Lang = lang,
                Syslog = siem,
                Archive = archiveWriter,
                AuditLog = auditLog,
                AuditArguments = AuditArgs.Arguments(parse),
            };
            return Run(args, stdout, stderr, CancellationToken.None);
        });
        return cmd;
    }

    internal sealed class Args
    {
        public required string Interface;
        public required string Topology;
        public string? Bpf;
        public int Snaplen = CaptureSettings.DefaultSnaplen;
        public double? Duration;
        public double StatsInterval = DefaultStatsIntervalSeconds;
        public SegVerify.Core.Evidence.EvidenceOptions? Evidence;
        public string? Metrics;
        public bool MetricsAllowRemote;
        public bool Flows;
        public string? ReadFile;
        public string Capture = "auto";
        public string? Format;
        public string? Output;
        public bool Quiet;
        public string Lang = "en";
        public SyslogSetup? Syslog;
        public SegVerify.Archive.ArchiveWriter? Archive;
        public SegVerify.Core.Audit.AuditLogWriter? AuditLog;
        public IReadOnlyList<string> AuditArguments = [];
    }

    private static string L(string lang, string ja, string en) => lang == "ja" ? ja : en;

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine("segverify monitor: " + message);
        return ExitCodes.Usage;
    }

    internal static int Run(Args a, TextWriter stdout, TextWriter stderr, CancellationToken external)
    {
        string lang = a.Lang;
        // Arguments first: cheap checks before touching libpcap.
        if (a.Snaplen is < 64 or > 262144)
            return Usage(stderr, L(lang, $"--snaplen は 64 から 262144 の範囲で指定してください: {a.Snaplen}", $"--snaplen must be between 64 and 262144: {a.Snaplen}"));
        if (a.Duration is { } dur && !OptionRange.Seconds("monitor", "--duration", dur, OptionRange.MaxSeconds, zeroAllowed: false, lang, stderr))
            return ExitCodes.Usage;
        if (!OptionRange.Seconds("monitor", "--stats-interval", a.StatsInterval, 86_400, zeroAllowed: true, lang, stderr))
            return ExitCodes.Usage;
        if (a.Capture is not ("auto" or "tpacket" or "libpcap"))
            return Usage(stderr, L(lang, $"--capture は auto、tpacket、libpcap のいずれかで指定してください: {a.Capture}",
                $"--capture must be auto, tpacket or libpcap: {a.Capture}"));
        if (a.Capture == "tpacket" && !OperatingSystem.IsLinux())
            return Usage(stderr, L(lang, "--capture tpacket は Linux でのみ使えます", "--capture tpacket works on Linux only"));
        string format = CommonOptions.ResolveFormat(a.Format, a.Output);
        if (format is not ("jsonl" or "text"))
            return Usage(stderr, L(lang, $"monitor は結果を逐次出力するため --format jsonl か text のみ使えます: {format}",
                $"monitor streams its findings: --format must be jsonl or text, not {format}"));
        IPEndPoint? metricsEp = null;
        if (a.Metrics is not null)
        {
            metricsEp = MetricsServer.ParseEndPoint(a.Metrics, a.MetricsAllowRemote, lang, out var err);
            if (metricsEp is null) return Usage(stderr, err!);
        }

        var topo = TopologyArgs.TryLoad(a.Topology, stderr, lang);
        if (topo is null) return ExitCodes.Usage;

        var settings = new CaptureSettings { Interface = a.Interface, Bpf = a.Bpf, Snaplen = a.Snaplen, Language = lang };
        IPacketSource source;
        try
        {
            if (a.ReadFile is not null) source = new PcapRingSource(PcapSource.OpenFile(a.ReadFile, settings), QueueBytes);
            else if (a.Capture == "tpacket" || (a.Capture == "auto" && TpacketV3Source.Supports(a.Interface))) source = TpacketV3Source.Open(settings);
            else source = new PcapRingSource(PcapSource.OpenLive(settings), QueueBytes);
        }
        catch (MonitorStartException ex)
        {
            return Usage(stderr, ex.Message);
        }

        using (source)
        {
            TextWriter output;
            bool ownOutput = false;
            // --output: a temporary file beside the target, renamed over it when the run ends normally (refused when it
            // is an input); every write error names it and is exit 2 (docs/interruption.md).
            Stream? outputFile = null;
            try
            {
                if (a.Output is null) output = stdout;
                else
                {
                    outputFile = AtomicOutputFile.Open(a.Output, a.ReadFile is { } input ? [topo.SourcePath, input] : [topo.SourcePath], lang);
                    output = new StreamWriter(outputFile, new System.Text.UTF8Encoding(false)) { AutoFlush = false };
                    ownOutput = true;
                }
            }
            catch (OutputWriteException ex)
            {
                return Usage(stderr, ex.Message);
            }
            try
            {
                using var sink = ArchiveArgs.Wrap(AuditArgs.Wrap(SyslogArgs.Wrap(SinkFactory(format, output, lang), a.Syslog), a.AuditLog,
                    new SegVerify.Core.Audit.AuditRunStart("monitor", a.AuditArguments,
                    [
                        new SegVerify.Core.Audit.AuditInput("topology", topo.SourcePath, topo.Sha256, null),
                        a.ReadFile is { } rf ? SegVerify.Core.Audit.AuditRunStart.HashFile("capture", rf) : new SegVerify.Core.Audit.AuditInput("interface", a.Interface, null, null),
                    ])), a.Archive, a.Flows);
                var options = new MonitorSessionOptions
                {
                    Duration = a.Duration is { } d ? TimeSpan.FromSeconds(d) : null,
                    StatsInterval = a.StatsInterval > 0 ? TimeSpan.FromSeconds(a.StatsInterval) : null,
                    Evidence = a.Evidence,
                    Metrics = metricsEp,
                    Quiet = a.Quiet,
                    Filter = a.Bpf,
                    Language = lang,
                    Verifier = new VerifierOptions { EmitFlows = a.Flows || a.Archive is not null },
                    RunInfo = RunInfo.ForTraffic("monitor", topo, lang),
                };
                MonitorSession session;
                try
                {
                    session = new MonitorSession(options, source, topo, sink, output.Flush, stderr);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // the --evidence directory (created by the session's evidence recorder)
                    string dir = a.Evidence?.Directory ?? "";
                    string why = SegVerify.Core.Localization.Messages.IoError(ex, lang, dir);
                    return Usage(stderr, L(lang, $"--evidence のディレクトリを作れません: {dir}: {why}", $"cannot create the --evidence directory {dir}: {why}"));
                }
                if (!a.Quiet)
                    stderr.WriteLine(L(lang,
                        $"segverify monitor: {source.Name} で取り込み中 (リンク種別 {source.LinkType}, {source.Method})。Ctrl-C で終了し、まとめを出力します",
                        $"segverify monitor: capturing on {source.Name} (link type {source.LinkType}, {source.Method}); Ctrl-C to stop and write the summary"));

                using var cts = CancellationTokenSource.CreateLinkedTokenSource(external);
                using var sigint = TryRegister(PosixSignal.SIGINT, cts);
                using var sigterm = TryRegister(PosixSignal.SIGTERM, cts);
                RunSummary summary;
                try
                {
                    summary = session.Run(cts.Token);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    return Usage(stderr, L(lang, $"--metrics {a.Metrics} で待ち受けできません: {ex.Message}", $"cannot listen on --metrics {a.Metrics}: {ex.Message}"));
                }
                output.Flush();
                if (outputFile is not null) AtomicOutputFile.Complete(outputFile);
                return summary.Violations > 0 ? ExitCodes.Violations : ExitCodes.Ok;
            }
            finally
            {
                if (ownOutput) output.Dispose();
            }
        }
    }

    private static PosixSignalRegistration? TryRegister(PosixSignal signal, CancellationTokenSource cts)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true; // stop cleanly: judge open flows and write the summary
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>The streaming sink for a format (jsonl or text). Set by tests; otherwise the project's sinks.</summary>
    internal static Func<string, TextWriter, string, IFindingSink> SinkFactory { get; set; } = DefaultSink;

    private static IFindingSink DefaultSink(string format, TextWriter writer, string lang)
    {
        var sink = Commands.SinkFactory.ForWriter(format, writer, lang);
        if (sink is JsonlSink j) j.AutoFlush = true;
        return sink;
    }
}
