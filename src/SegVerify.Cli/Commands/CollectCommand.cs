using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SegVerify.Core.Capture;
using SegVerify.Core.Collect;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary>
/// <c>segverify collect [EXPORT-CAPTURE...] --topology FILE [--listen udp://ADDR:PORT]</c>: NetFlow v5/v9 and IPFIX
/// records (routers and firewalls as sensors) judged by the same policy as packets (docs/collect.md).
/// </summary>
public static class CollectCommand
{
    public const string DefaultListen = "udp://127.0.0.1:2055";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var files = new Argument<string[]>("export-capture")
        {
            Description = "pcap/pcapng captures of export traffic (UDP NetFlow/IPFIX packets) to read instead of listening",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var topology = new Option<string>("--topology", "-t") { Description = "Topology file (YAML, format v1)", Required = true };
        var listen = new Option<string?>("--listen") { Description = $"Receive export packets on udp://ADDRESS:PORT (default {DefaultListen}; loopback unless an address is given)" };
        var duration = new Option<double?>("--duration") { Description = "Stop listening after this many seconds (default: until SIGINT/SIGTERM)" };
        var flows = new Option<bool>("--flows") { Description = "Also write one \"flow\" event per flow" };
        var hold = new Option<double>("--pair-timeout") { Description = "Seconds a one-way record waits for the record of the other direction", DefaultValueFactory = _ => 10 };
        var templateTimeout = new Option<double>("--template-timeout") { Description = "Seconds after which a template not refreshed is forgotten (0: never)", DefaultValueFactory = _ => 1800 };
        var common = new CommonOptions();
        var syslog = new SyslogArgs();
        var archive = new ArchiveArgs();

        var cmd = new Command("collect", "Receive NetFlow v5/v9 and IPFIX flow records and judge every flow against the topology")
        {
            files, topology, listen, duration, flows, hold, templateTimeout,
        };
        common.AddTo(cmd);
        syslog.AddTo(cmd);
        archive.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            bool ja = lang == "ja";
            string? output = pr.GetValue(common.Output);
            string format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), output);
            var inputs = pr.GetValue(files) ?? [];
            string? listenText = pr.GetValue(listen);
            if (inputs.Length > 0 && listenText is not null)
                return Usage(stderr, ja ? "キャプチャファイルと --listen は同時に指定できません" : "give export captures or --listen, not both");
            double holdS = pr.GetValue(hold), templS = pr.GetValue(templateTimeout);
            if (!(holdS >= 0) || holdS > 3600)
                return Usage(stderr, ja ? $"--pair-timeout は 0 から 3600 秒で指定してください: {holdS}" : $"--pair-timeout must be 0 to 3600 seconds: {holdS}");
            if (!(templS >= 0) || templS > 86400 * 7)
                return Usage(stderr, ja ? $"--template-timeout は 0 から 604800 秒で指定してください: {templS}" : $"--template-timeout must be 0 to 604800 seconds: {templS}");
            if (pr.GetValue(duration) is { } dur && !(dur > 0))
                return Usage(stderr, ja ? $"--duration は正の秒数で指定してください: {dur}" : $"--duration must be a positive number of seconds: {dur}");
            IPEndPoint? ep = null;
            if (inputs.Length == 0)
            {
                ep = ParseListen(listenText ?? DefaultListen, lang, out var err);
                if (ep is null) return Usage(stderr, err!);
            }
            if (!syslog.TryResolve(pr, lang, stderr, out var siem)) return ExitCodes.Usage;
            if (!archive.TryResolve(pr, lang, stderr, out var archiveWriter)) return ExitCodes.Usage;
            var topo = TopologyArgs.TryLoad(pr.GetValue(topology)!, stderr, lang);
            if (topo is null) return ExitCodes.Usage;

            IReadOnlyList<string> paths = [];
            if (inputs.Length > 0)
            {
                try { paths = CaptureOpener.Expand(inputs); }
                catch (FileNotFoundException ex) when (lang == "ja")
                {
                    return Usage(stderr, $"キャプチャファイルまたはディレクトリが見つかりません: {ex.FileName}");
                }
                catch (FileNotFoundException ex)
                {
                    return Usage(stderr, $"capture file or directory not found: {ex.FileName}");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    string args = string.Join(", ", inputs);
                    string why = SegVerify.Core.Localization.Messages.IoError(ex, lang);
                    return Usage(stderr, ja ? $"キャプチャを読めません: {args}: {why}" : $"cannot read the captures {args}: {why}");
                }
            }

            Socket? socket = null;
            if (ep is not null)
            {
                try
                {
                    socket = new Socket(ep.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    socket.ReceiveBufferSize = 4 << 20;
                    socket.Bind(ep);
                }
                catch (SocketException ex)
                {
                    socket?.Dispose();
                    return Usage(stderr, ja ? $"{listenText ?? DefaultListen} で待ち受けできません: {ex.Message}" : $"cannot listen on {listenText ?? DefaultListen}: {ex.Message}");
                }
            }

            using var sock = socket;
            var sw = Stopwatch.StartNew();
            bool unreadable = false;
            var summary = new RunSummary { TopologySha256 = topo.Sha256 };
            var formatSink = SinkFactory.Create(format, output, stdout, lang, topo.AllRules.Select(r => r.Name).ToList(), topo, [.. paths, topo.SourcePath]);
            if (formatSink is JsonlSink j && socket is not null) j.AutoFlush = true;
            using var sink = ArchiveArgs.Wrap(SyslogArgs.Wrap(formatSink, siem), archiveWriter, pr.GetValue(flows));
            sink.Begin(new RunInfo("collect", topo.SourcePath, topo.Sha256, lang));
            var counting = new CountingSink(sink, summary);
            var session = new CollectSession(topo, counting, new CollectOptions
            {
                EmitFlows = pr.GetValue(flows) || archiveWriter is not null,
                Language = lang,
                HoldNs = (long)(holdS * 1e9),
                TemplateTimeoutNs = (long)(templS * 1e9),
            });

            foreach (var path in paths)
            {
                try
                {
                    using var reader = CaptureOpener.Open(path);
                    session.ReadCapture(reader);
                    summary.Captures.Add(new InputFile(path, null));
                }
                catch (CaptureFormatException ex)
                {
                    unreadable = true;
                    stderr.WriteLine(ja ? $"segverify: キャプチャとして読めません: {ex.Message}" : $"segverify: not a readable capture: {ex.Message}");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    unreadable = true;
                    string why = SegVerify.Core.Localization.Messages.IoError(ex, lang, path);
                    stderr.WriteLine(ja ? $"segverify: キャプチャ {path} を読めません: {why}" : $"segverify: cannot read the capture {path}: {why}");
                }
            }
            if (socket is not null)
            {
                using var cts = new CancellationTokenSource();
                if (pr.GetValue(duration) is { } d) cts.CancelAfter(TimeSpan.FromSeconds(d));
                using var sigint = TryRegister(PosixSignal.SIGINT, cts);
                using var sigterm = TryRegister(PosixSignal.SIGTERM, cts);
                if (!pr.GetValue(common.Quiet))
                    stderr.WriteLine(ja ? $"segverify collect: {socket.LocalEndPoint} で NetFlow/IPFIX を受信中。Ctrl-C で終了し、まとめを出力します"
                                        : $"segverify collect: receiving NetFlow/IPFIX on {socket.LocalEndPoint}; Ctrl-C to stop and write the summary");
                session.Receive(socket, cts.Token);
            }
            session.Finish(summary);
            if (!pr.GetValue(common.Quiet) && session.Counters.RecordsWithMac == 0 && session.Counters.Records > 0)
                stderr.WriteLine(ja ? "segverify collect: MAC アドレスを含むレコードがないため、mac-binding・unregistered-device・vlan-mismatch は検査していません"
                                    : "segverify collect: no record carried a MAC address, so mac-binding, unregistered-device and vlan-mismatch were not checked");
            summary.ElapsedSeconds = sw.Elapsed.TotalSeconds;
            sink.End(summary);
            if (unreadable) return ExitCodes.Usage;
            return summary.Violations > 0 ? ExitCodes.Violations : ExitCodes.Ok;
        });
        return cmd;
    }

    private static int Usage(TextWriter stderr, string message)
    {
        stderr.WriteLine("segverify: " + message);
        return ExitCodes.Usage;
    }

    /// <summary>udp://ADDRESS:PORT (IPv6 in brackets); null and a message otherwise.</summary>
    public static IPEndPoint? ParseListen(string text, string lang, out string? error)
    {
        error = null;
        string rest = text.StartsWith("udp://", StringComparison.OrdinalIgnoreCase) ? text[6..] : "";
        if (rest.Length > 0 && IPEndPoint.TryParse(rest, out var ep) && ep.Port is > 0 and <= 65535 && rest.Contains(':') &&
            (rest.StartsWith('[') || ep.AddressFamily == AddressFamily.InterNetwork))
            return ep;
        error = lang == "ja"
            ? $"--listen は udp://アドレス:ポート で指定してください (例 udp://127.0.0.1:2055、udp://[::1]:4739): {text}"
            : $"--listen must be udp://ADDRESS:PORT (e.g. udp://127.0.0.1:2055, udp://[::1]:4739): {text}";
        return null;
    }

    private static PosixSignalRegistration? TryRegister(PosixSignal signal, CancellationTokenSource cts)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException) { return null; }
    }
}
