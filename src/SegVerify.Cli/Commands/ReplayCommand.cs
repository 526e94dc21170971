using System.CommandLine;
using SegVerify.Core.Engine;
using SegVerify.Core.Replay;
using SegVerify.Cli.Progress;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify replay CAPTURE... --topology FILE</c>: judge every flow of pcap/pcapng captures.</summary>
public static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var captures = new Argument<string[]>("capture")
        {
            Description = "pcap or pcapng files, directories (every capture in them), or - for standard input; words after them that name no file form a tcpdump-style filter expression",
            Arity = ArgumentArity.OneOrMore,
        };
        var topology = new Option<string>("--topology", "-t") { Description = "Topology file (YAML, format v1)", Required = true };
        var flows = new Option<bool>("--flows") { Description = "Also write one \"flow\" event per flow" };
        var maxFlows = new Option<int>("--max-flows") { Description = "Cap on live flows (oldest evicted and judged)", DefaultValueFactory = _ => 1_000_000 };
        var tcpIdle = new Option<double>("--tcp-idle-timeout") { Description = "Seconds of silence that end a TCP flow", DefaultValueFactory = _ => 300 };
        var udpIdle = new Option<double>("--idle-timeout") { Description = "Seconds of silence that end a UDP/ICMP/other flow", DefaultValueFactory = _ => 60 };
        var noHash = new Option<bool>("--no-capture-hash")
        {
            Description = "Do not compute the captures' SHA-256 (the summary then has \"sha256\": null); for throughput runs on captures whose hashes are already on record",
        };
        // Removed option (sharded replay was slower than one thread): still parsed so that a user who passes it is told
        // what to do instead, rather than getting a generic "unrecognized option".
        var threads = new Option<string?>("--threads") { Hidden = true, Arity = ArgumentArity.ZeroOrOne };
        var progressMode = new Option<string>("--progress")
        {
            Description = "Progress on standard error: auto (only when it is a terminal, not in CI, not with --quiet), always or never",
            DefaultValueFactory = _ => "auto",
        };
        progressMode.AcceptOnlyFromAmong(ProgressPolicy.Modes);
        var filterArgs = new CaptureFilterArgs();
        var common = new CommonOptions();
        var syslog = new SyslogArgs();

        var cmd = new Command("replay", "Read pcap/pcapng captures and judge every flow against the topology")
        {
            captures, topology, flows, maxFlows, tcpIdle, udpIdle, noHash, progressMode, threads,
        };
        filterArgs.AddTo(cmd);
        common.AddTo(cmd);
        syslog.AddTo(cmd);
        var audit = new AuditArgs();
        audit.AddTo(cmd);
        var archive = new ArchiveArgs();
        archive.AddTo(cmd);
        var evidence = new EvidenceArgs();
        evidence.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            string? output = pr.GetValue(common.Output);
            string format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), output);
            if (!OptionRange.Integer("replay", "--max-flows", pr.GetValue(maxFlows), 1, int.MaxValue, lang, stderr)
                || !OptionRange.Seconds("replay", "--tcp-idle-timeout", pr.GetValue(tcpIdle), OptionRange.MaxSeconds, zeroAllowed: false, lang, stderr)
                || !OptionRange.Seconds("replay", "--idle-timeout", pr.GetValue(udpIdle), OptionRange.MaxSeconds, zeroAllowed: false, lang, stderr))
                return ExitCodes.Usage;
            if (pr.GetResult(threads) is not null)
            {
                stderr.WriteLine(lang == "ja"
                    ? "segverify: --threads は廃止されました (複数スレッドでの解析は 1 スレッドより遅かったため)。複数のコアを使うには、キャプチャファイルごとに segverify replay を 1 プロセスずつ並行して実行してください (例: xargs -P、docs/multiple-cores.md を参照)"
                    : "segverify: --threads has been removed (analysing on several threads was slower than one). To use several cores, run one segverify replay process per capture file in parallel (e.g. with xargs -P; see docs/multiple-cores.md)");
                return ExitCodes.Usage;
            }
            if (!filterArgs.TryResolve(pr, pr.GetValue(captures)!, lang, stderr, out var captureList, out var filter)) return ExitCodes.Usage;
            if (!syslog.TryResolve(pr, lang, stderr, out var siem)) return ExitCodes.Usage;
            if (!archive.TryResolve(pr, lang, stderr, out var archiveWriter)) return ExitCodes.Usage;
            if (!evidence.TryResolve(pr, "replay", lang, stderr, out var evidenceOptions)) return ExitCodes.Usage;
            var topo = TopologyArgs.TryLoad(pr.GetValue(topology)!, stderr, lang);
            if (topo is null) return ExitCodes.Usage;

            if (!audit.TryOpen(pr, lang, stderr, out var auditLog)) return ExitCodes.Usage;
            using var closeAudit = auditLog;
            // Progress on standard error (a terminal): drawn by a timer; findings written to the same terminal and
            // messages on standard error erase the line first.
            var progress = ProgressPolicy.Show(pr.GetValue(progressMode), pr.GetValue(common.Quiet), ProgressPolicy.IsTerminal(stderr), Environment.GetEnvironmentVariable)
                ? new ReplayProgress() : null;
            using var display = progress is null ? null : new ProgressDisplay(progress, stderr, lang);
            bool findingsOnTerminal = output is null && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
            var session = new ReplaySession(new ReplayOptions
            {
                Captures = captureList,
                Filter = filter,
                HashCaptures = !pr.GetValue(noHash),
                Progress = progress,
                Evidence = evidenceOptions,
                Verifier = new VerifierOptions
                {
                    EmitFlows = pr.GetValue(flows) || archiveWriter is not null,
                    MaxFlows = pr.GetValue(maxFlows),
                    TcpIdleTimeoutNs = (long)(pr.GetValue(tcpIdle) * 1e9),
                    UdpIdleTimeoutNs = (long)(pr.GetValue(udpIdle) * 1e9),
                },
                Language = lang,
            }, topo, display?.Wrap(stderr) ?? stderr);
            // SIGINT/SIGTERM: stop reading, judge every open flow, write every finding and the summary with
            // "interrupted": true, close the outputs, then exit 130/143 (docs/interruption.md).
            using var cts = new CancellationTokenSource();
            int signalled = 0;
            using var sigint = InterruptSignals.Register(System.Runtime.InteropServices.PosixSignal.SIGINT, cts, () => signalled = ExitCodes.Interrupted);
            using var sigterm = InterruptSignals.Register(System.Runtime.InteropServices.PosixSignal.SIGTERM, cts, () => signalled = ExitCodes.Terminated);
            var outcome = session.Run(() => ArchiveArgs.Wrap(AuditArgs.Wrap(
                SyslogArgs.Wrap(WithProgress(display, findingsOnTerminal, SinkFactory.Create(format, output, stdout, lang, topo.AllRules.Select(r => r.Name).ToList(), topo,
                    [.. session.Inputs, topo.SourcePath])), siem),
                auditLog, auditLog is null ? null! : ReplayAuditStart(pr, topo, session.Inputs)), archiveWriter, pr.GetValue(flows)), cts.Token);
            return signalled != 0 ? signalled : (int)outcome;
        });
        return cmd;
    }

    /// <summary>Findings written to the terminal the progress line is on erase it first.</summary>
    private static SegVerify.Core.Output.IFindingSink WithProgress(ProgressDisplay? display, bool findingsOnTerminal, SegVerify.Core.Output.IFindingSink sink) =>
        display is not null && findingsOnTerminal ? display.WrapSink(sink) : sink;

    /// <summary>The audit log's run-start: the topology and every capture with its SHA-256 (standard input: none yet).</summary>
    private static SegVerify.Core.Audit.AuditRunStart ReplayAuditStart(ParseResult pr, SegVerify.Core.Topology.Topology topo, IReadOnlyList<string> captures) =>
        new("replay", AuditArgs.Arguments(pr),
        [
            new SegVerify.Core.Audit.AuditInput("topology", topo.SourcePath, topo.Sha256, null),
            .. captures.Select(c => SegVerify.Core.Audit.AuditRunStart.HashFile("capture", c)),
        ]);
}
