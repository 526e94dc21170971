using System.CommandLine;
using System.Diagnostics;
using SegVerify.Core.Capture;
using SegVerify.Core.Engine;
using SegVerify.Core.Localization;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify replay CAPTURE... --topology FILE</c>: judge every flow of pcap/pcapng captures.</summary>
public static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var captures = new Argument<string[]>("capture")
        {
            Description = "pcap or pcapng files, directories (every capture in them), or - for standard input",
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
        var common = new CommonOptions();
        var syslog = new SyslogArgs();

        var cmd = new Command("replay", "Read pcap/pcapng captures and judge every flow against the topology")
        {
            captures, topology, flows, maxFlows, tcpIdle, udpIdle, noHash, threads,
        };
        common.AddTo(cmd);
        syslog.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            string lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            string? output = pr.GetValue(common.Output);
            string format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), output);
            if (pr.GetResult(threads) is not null)
            {
                stderr.WriteLine(lang == "ja"
                    ? "segverify: --threads は廃止されました (複数スレッドでの解析は 1 スレッドより遅かったため)。複数のコアを使うには、キャプチャファイルごとに segverify replay を 1 プロセスずつ並行して実行してください (例: xargs -P、docs/multiple-cores.md を参照)"
                    : "segverify: --threads has been removed (analysing on several threads was slower than one). To use several cores, run one segverify replay process per capture file in parallel (e.g. with xargs -P; see docs/multiple-cores.md)");
                return ExitCodes.Usage;
            }
            if (!syslog.TryResolve(pr, lang, stderr, out var siem)) return ExitCodes.Usage;
            var topo = TopologyArgs.TryLoad(pr.GetValue(topology)!, stderr, lang);
            if (topo is null) return ExitCodes.Usage;

            IReadOnlyList<string> inputs;
            try
            {
                inputs = CaptureOpener.Expand(pr.GetValue(captures)!);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"segverify: {ex.Message}");
                return ExitCodes.Usage;
            }
            if (inputs.Count == 0)
            {
                stderr.WriteLine(lang == "ja" ? "segverify: キャプチャファイルがありません" : "segverify: no capture files found");
                return ExitCodes.Usage;
            }

            var sw = Stopwatch.StartNew();
            bool unreadable = false;
            var summary = new RunSummary { TopologySha256 = topo.Sha256 };
            using var sink = SyslogArgs.Wrap(SinkFactory.Create(format, output, stdout, lang, topo.AllRules.Select(r => r.Name).ToList(), topo), siem);
            sink.Begin(new RunInfo("replay", topo.SourcePath, topo.Sha256, lang));
            var counting = new CountingSink(sink, summary);
            var verifierOptions = new VerifierOptions
            {
                EmitFlows = pr.GetValue(flows),
                MaxFlows = pr.GetValue(maxFlows),
                TcpIdleTimeoutNs = (long)(pr.GetValue(tcpIdle) * 1e9),
                UdpIdleTimeoutNs = (long)(pr.GetValue(udpIdle) * 1e9),
                Language = lang,
            };
            var engine = new Verifier(topo, counting, verifierOptions);

            bool hashCaptures = !pr.GetValue(noHash);
            foreach (var input in inputs)
            {
                string name = input == CaptureOpener.StdinName ? "-" : input;
                HashingStream? hashing = null;
                bool stdin = input == CaptureOpener.StdinName;
                // A file's evidence hash is computed on another thread from its own read of the file, so it overlaps
                // with the analysis. With one CPU there is nothing to overlap with, so the file is hashed as it is
                // read (no second read of it); standard input can be read once only, so it is hashed that way too.
                bool inlineHash = hashCaptures && (stdin || Environment.ProcessorCount == 1);
                Task<string?>? fileHash = !hashCaptures || inlineHash ? null : Task.Run(() => HashFile(input));
                try
                {
                    Stream raw = stdin ? Console.OpenStandardInput() : OpenFile(input);
                    if (inlineHash) raw = hashing = new HashingStream(raw);
                    using var reader = CaptureOpener.Open(raw, name);
                    engine.CurrentCapture = name;
                    engine.ProcessAll(reader);
                    if (reader.Damage is { } d)
                        counting.OnFinding(DamageFinding(d, lang));
                    summary.Captures.Add(new InputFile(name, hashing?.Finish() ?? fileHash?.GetAwaiter().GetResult()));
                }
                catch (CaptureFormatException ex)
                {
                    unreadable = true;
                    stderr.WriteLine(lang == "ja" ? $"segverify: キャプチャとして読めません: {ex.Message}" : $"segverify: not a readable capture: {ex.Message}");
                    string? hash = fileHash?.GetAwaiter().GetResult();
                    if (hash is null && inlineHash && !stdin) hash = HashFile(input); // the reader closed the stream
                    summary.Captures.Add(new InputFile(name, hash));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    unreadable = true;
                    stderr.WriteLine($"segverify: {name}: {ex.Message}");
                }
                finally
                {
                    hashing?.Dispose();
                }
            }
            engine.Finish(summary);
            summary.ElapsedSeconds = sw.Elapsed.TotalSeconds;
            sink.End(summary);
            if (unreadable) return ExitCodes.Usage;
            return summary.Violations > 0 ? ExitCodes.Violations : ExitCodes.Ok;
        });
        return cmd;
    }

    private const int HashChunk = 1 << 20;

    private static string? HashFile(string path)
    {
        try
        {
            // Large reads: the default 4 KiB chunks cost a system call each, a quarter of a million per gigabyte.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(HashChunk);
            try
            {
                int n;
                while ((n = fs.Read(buf, 0, HashChunk)) > 0) sha.AppendData(buf, 0, n);
            }
            finally { System.Buffers.ArrayPool<byte>.Shared.Return(buf); }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static FileStream OpenFile(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);

    private static Finding DamageFinding(CaptureDamage d, string lang)
    {
        var ctx = new MessageContext(d.File, "", "", "", "", "", "", Detail: d.Offset.ToString());
        return new Finding
        {
            Rule = RuleIds.CaptureDamaged,
            Capture = d.File,
            Offset = d.Offset,
            Message = Messages.Message(RuleIds.CaptureDamaged, lang, in ctx) + " (" + d.Reason + ")",
            Clause = Messages.Clause(RuleIds.CaptureDamaged, lang),
        };
    }
}

/// <summary>Counts findings into the summary on their way to the real sink.</summary>
public sealed class CountingSink(IFindingSink inner, RunSummary summary) : IFindingSink
{
    public void Begin(RunInfo info) => inner.Begin(info);
    public void OnFinding(Finding finding)
    {
        summary.Count(finding);
        inner.OnFinding(finding);
    }
    public void End(RunSummary s) => inner.End(s);
    public void Dispose() { }
}
