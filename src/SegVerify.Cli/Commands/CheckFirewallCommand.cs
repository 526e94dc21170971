using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SegVerify.Core.Engine;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Analysis;
using SegVerify.Firewall.Dialects;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;
using SegVerify.Firewall.Model;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify check-firewall</c>: proves what an iptables or nftables ruleset admits against the topology.</summary>
public static class CheckFirewallCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var syslog = new SyslogArgs();
        var topology = new Option<string?>("--topology", "-t") { Description = "Topology file (YAML, format v1)" };
        var config = new Option<string?>("--config", "-c") { Description = "Ruleset: iptables-save / ip6tables-save output or nft list ruleset text" };
        var dialect = new Option<string?>("--dialect") { Description = "iptables or nft (guessed from the file when omitted)" };
        dialect.AcceptOnlyFromAmong("iptables", "nft");
        var firewall = new Option<string?>("--firewall") { Description = "Which firewalls: entry maps interfaces to zones (needed when there are several)" };
        var ipset = new Option<string[]>("--ipset") { Description = "ipset save dump giving the contents of sets used by -m set", AllowMultipleArgumentsPerToken = false };
        var required = new Option<bool>("--required") { Description = "Also report every allow rule and sanitisation path the ruleset blocks" };
        var probe = new Option<string[]>("--probe") { Description = "Trace one packet: \"tcp 10.1.1.11:40000 -> 10.2.0.60:445 in eth0 out eth1 [mac MAC] [state new|established]\"" };
        var probeFile = new Option<string?>("--probe-file") { Description = "Trace every probe in this file (one a line)" };
        var noShadow = new Option<bool>("--no-shadow") { Description = "Skip the shadowed-rule analysis" };
        var now = new Option<string?>("--now") { Description = "Date-time (UTC, ISO 8601) used to decide whether allow rules have expired (default: now)", Hidden = true };

        var cmd = new Command("check-firewall", "Report every packet class a firewall ruleset accepts and the policy forbids");
        foreach (var o in new Option[] { topology, config, dialect, firewall, ipset, required, probe, probeFile, noShadow, now }) cmd.Options.Add(o);
        common.AddTo(cmd);
        syslog.AddTo(cmd);

        cmd.SetAction(pr =>
        {
            var lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            if (!syslog.TryResolve(pr, lang, stderr, out var siem)) return ExitCodes.Usage;
            bool ja = lang == "ja";
            var outFile = pr.GetValue(common.Output);
            var format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), outFile);
            var cfgPath = pr.GetValue(config);
            if (cfgPath is null) { stderr.WriteLine(ja ? "segverify: --config が必要です" : "segverify: --config is required"); return ExitCodes.Usage; }
            string text;
            try { text = File.ReadAllText(cfgPath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine(ja ? $"segverify: 設定ファイルを読めません: {cfgPath}: {e.Message}" : $"segverify: cannot read config {cfgPath}: {e.Message}");
                return ExitCodes.Usage;
            }
            var d = pr.GetValue(dialect) ?? DialectGuess.Guess(text);
            if (d is null)
            {
                stderr.WriteLine(ja ? $"segverify: {cfgPath}: iptables-save 形式でも nft list ruleset 形式でもありません（--dialect で指定できます）"
                                    : $"segverify: {cfgPath}: neither iptables-save nor nft list ruleset text (say which with --dialect)");
                return ExitCodes.Usage;
            }
            var ipsets = new Dictionary<string, IpsetDef>(StringComparer.Ordinal);
            foreach (var f in pr.GetValue(ipset) ?? [])
            {
                try { foreach (var (k, v) in IpsetParser.Parse(File.ReadAllText(f))) ipsets[k] = v; }
                catch (IOException e) { stderr.WriteLine($"segverify: cannot read ipset file {f}: {e.Message}"); return ExitCodes.Usage; }
            }
            var rs = d == "nft" ? NftParser.Parse(cfgPath, text) : IptablesParser.Parse(cfgPath, text, ipsets);

            TextWriter output = stdout;
            StreamWriter? fileWriter = null;
            bool ownWriter = outFile is not null && (CommonOptions.ResolveFormat(pr.GetValue(common.Format), outFile) == "text" || pr.GetValue(probe) is { Length: > 0 } || pr.GetValue(probeFile) is not null);
            if (ownWriter) output = fileWriter = new StreamWriter(outFile!, false, new UTF8Encoding(false));
            try
            {
                var probes = new List<string>(pr.GetValue(probe) ?? []);
                var pf = pr.GetValue(probeFile);
                if (pf is not null)
                {
                    try { probes.AddRange(File.ReadAllLines(pf).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))); }
                    catch (IOException e) { stderr.WriteLine($"segverify: cannot read probe file {pf}: {e.Message}"); return ExitCodes.Usage; }
                }
                if (probes.Count > 0) return RunProbes(rs, probes, format, output, stderr, ja);

                var topoPath = pr.GetValue(topology);
                if (topoPath is null) { stderr.WriteLine(ja ? "segverify: --topology が必要です" : "segverify: --topology is required"); return ExitCodes.Usage; }
                Topology topo;
                try { topo = TopologyLoader.Load(topoPath); }
                catch (TopologyException e)
                {
                    foreach (var err in e.Errors) stderr.WriteLine($"segverify: {err}");
                    return ExitCodes.Usage;
                }
                catch (IOException e) { stderr.WriteLine($"segverify: cannot read topology {topoPath}: {e.Message}"); return ExitCodes.Usage; }
                var fwName = pr.GetValue(firewall);
                FirewallDef? fw = null;
                if (fwName is not null) topo.Firewalls.TryGetValue(fwName, out fw);
                else if (topo.Firewalls.Count == 1) fw = topo.Firewalls.Values.First();
                if (fw is null)
                {
                    var names = string.Join(", ", topo.Firewalls.Keys);
                    stderr.WriteLine(fwName is not null
                        ? (ja ? $"segverify: トポロジに firewalls: {fwName} がありません（あるもの: {names}）" : $"segverify: the topology has no firewalls: entry '{fwName}' (it has: {(names.Length == 0 ? "none" : names)})")
                        : topo.Firewalls.Count == 0
                            ? (ja ? "segverify: トポロジに firewalls: がありません（インターフェースとゾーンの対応が必要です）" : "segverify: the topology has no firewalls: entry mapping interfaces to zones")
                            : (ja ? $"segverify: firewalls: が複数あります。--firewall で選んでください（{names}）" : $"segverify: the topology has several firewalls: entries; choose one with --firewall ({names})"));
                    return ExitCodes.Usage;
                }
                var nowText = pr.GetValue(now);
                var nowUtc = nowText is null ? DateTime.UtcNow : DateTime.Parse(nowText, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
                var sw = Stopwatch.StartNew();
                var analyzer = new FirewallAnalyzer(topo, fw, rs, new AnalysisOptions
                {
                    Required = pr.GetValue(required), Language = lang, NowUtc = nowUtc, Shadow = !pr.GetValue(noShadow),
                });
                var result = analyzer.Run();
                sw.Stop();
                if (format == "text")
                {
                    var writer = new FindingWriter(output, true, ja);
                    foreach (var f in result.Findings) writer.Write(f);
                    writer.Summary(cfgPath, text, topo, result, sw.Elapsed.TotalSeconds);
                    SyslogArgs.SendAll(result.Findings, siem);
                }
                else
                {
                    // The shared sinks (jsonl, sarif, junit, html): SARIF takes its location from config_file/line/column.
                    output.Flush();
                    using var sink = SyslogArgs.Wrap(SinkFactory.Create(format, outFile, stdout, lang, topo.AllRules.Select(r => r.Name).ToList()), siem);
                    sink.Begin(new RunInfo("check-firewall", topo.SourcePath, topo.Sha256, lang));
                    var summary = new RunSummary { TopologySha256 = topo.Sha256, ElapsedSeconds = sw.Elapsed.TotalSeconds };
                    summary.Captures.Add(new InputFile(cfgPath, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))));
                    foreach (var f in result.Findings) { sink.OnFinding(f); summary.Count(f); }
                    summary.Extra.Add(new("over_approximated", result.OverApproximated));
                    summary.Extra.Add(new("dialect", rs.Dialect));
                    sink.End(summary);
                }
                return result.Findings.Any(f => f.Severity == Severity.Violation) ? ExitCodes.Violations : ExitCodes.Ok;
            }
            finally
            {
                output.Flush();
                fileWriter?.Dispose();
            }
        });
        return cmd;
    }

    private static int RunProbes(FwRuleset rs, List<string> probes, string format, TextWriter output, TextWriter stderr, bool ja)
    {
        int status = ExitCodes.Ok;
        foreach (var p in probes)
        {
            if (!ProbePacket.TryParse(p, out var pk, out var err))
            {
                stderr.WriteLine($"segverify: probe '{p}': {err}");
                status = ExitCodes.Usage;
                continue;
            }
            var tr = ConcreteTracer.Trace(rs, pk!);
            if (format == "text")
            {
                output.WriteLine($"{p}  =>  {tr.VerdictText.ToUpperInvariant()}{(tr.Approximate ? (ja ? "（未対応の構文を含むため近似）" : " (approximate: unsupported syntax on the way)") : "")}");
                foreach (var r in tr.Path) output.WriteLine($"    {r.Pos}  {r.Text}");
                if (tr.Path.Count == 0) output.WriteLine(ja ? "    （一致したルールなし: 既定で許可）" : "    (no rule matched: accepted by default)");
            }
            else
            {
                using var ms = new MemoryStream();
                using (var j = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    j.WriteStartObject();
                    j.WriteString("event", "probe");
                    j.WriteString("probe", p);
                    j.WriteString("verdict", tr.VerdictText);
                    j.WriteStartArray("path");
                    foreach (var r in tr.Path) j.WriteStringValue(r.Pos.ToString());
                    j.WriteEndArray();
                    if (tr.Decider is not null)
                    {
                        j.WriteString("config_file", tr.Decider.Pos.File);
                        j.WriteNumber("config_line", tr.Decider.Pos.Line);
                        j.WriteNumber("config_column", tr.Decider.Pos.Column);
                    }
                    if (tr.Approximate) j.WriteBoolean("approximate", true);
                    j.WriteEndObject();
                }
                output.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
            }
        }
        return status;
    }
}

/// <summary>
/// A small private writer for check-firewall findings (jsonl and text), following the JSON Lines contract; to be
/// replaced by the shared sinks of SegVerify.Core.Output when they land.
/// </summary>
internal sealed class FindingWriter(TextWriter output, bool text, bool ja)
{
    private static readonly JsonWriterOptions Opts = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public void Write(Finding f)
    {
        if (text)
        {
            var sev = f.Severity == Severity.Violation ? "VIOLATION" : "warning";
            var loc = f.Extra?.FirstOrDefault(k => k.Key == "config_line").Value is { } line
                ? $"{f.Extra!.First(k => k.Key == "config_file").Value}:{line}: " : "";
            output.WriteLine($"{loc}{sev} {f.Rule}: {f.Message}");
            return;
        }
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, Opts))
        {
            j.WriteStartObject();
            j.WriteString("event", f.Event);
            j.WriteString("rule", f.Rule);
            j.WriteString("severity", f.Severity == Severity.Violation ? "violation" : "warning");
            if (f.Protocol is { } p) j.WriteString("proto", IpProto.Name(p));
            if (f.SrcIp is { } si) j.WriteString("src_ip", si.ToString());
            if (f.SrcPort is { } sp) j.WriteNumber("src_port", sp);
            if (f.DstIp is { } di) j.WriteString("dst_ip", di.ToString());
            if (f.DstPort is { } dp) j.WriteNumber("dst_port", dp);
            if (f.SrcMac is { } sm) j.WriteString("src_mac", sm.ToString());
            if (f.SrcZone is not null) j.WriteString("src_zone", f.SrcZone);
            if (f.DstZone is not null) j.WriteString("dst_zone", f.DstZone);
            if (f.SrcTier is not null) j.WriteString("src_tier", f.SrcTier);
            if (f.DstTier is not null) j.WriteString("dst_tier", f.DstTier);
            if (f.AllowedBy is not null) j.WriteString("allowed_by", f.AllowedBy);
            j.WriteString("message", f.Message);
            j.WriteString("clause", f.Clause);
            foreach (var (k, v) in f.Extra ?? [])
            {
                switch (v)
                {
                    case null: break;
                    case int i: j.WriteNumber(k, i); break;
                    case long l: j.WriteNumber(k, l); break;
                    case bool b: j.WriteBoolean(k, b); break;
                    case string[] arr:
                        j.WriteStartArray(k);
                        foreach (var s in arr) j.WriteStringValue(s);
                        j.WriteEndArray();
                        break;
                    default: j.WriteString(k, v.ToString()); break;
                }
            }
            j.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
    }

    public void Summary(string cfgPath, string cfgText, Topology topo, AnalysisResult r, double elapsed)
    {
        var byRule = r.Findings.GroupBy(f => f.Rule).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        int v = r.Findings.Count(f => f.Severity == Severity.Violation), w = r.Findings.Count - v;
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cfgText)));
        if (text)
        {
            output.WriteLine(ja ? $"違反 {v} 件、警告 {w} 件（{elapsed:F2} 秒）{(r.OverApproximated ? "。未対応の構文があるため許可集合は過大評価です" : "")}"
                                : $"{v} violation(s), {w} warning(s) in {elapsed:F2} s{(r.OverApproximated ? "; unsupported syntax made the accepted set an over-approximation" : "")}");
            foreach (var (k, n) in byRule) output.WriteLine($"  {k,-28} {n}");
            return;
        }
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms, Opts))
        {
            j.WriteStartObject();
            j.WriteString("event", "summary");
            j.WriteStartArray("configs");
            j.WriteStartObject(); j.WriteString("name", cfgPath); j.WriteString("sha256", sha); j.WriteEndObject();
            j.WriteEndArray();
            j.WriteString("topology_sha256", topo.Sha256);
            j.WriteNumber("violations", v);
            j.WriteNumber("warnings", w);
            j.WriteStartObject("by_rule");
            foreach (var (k, n) in byRule) j.WriteNumber(k, n);
            j.WriteEndObject();
            j.WriteBoolean("over_approximated", r.OverApproximated);
            j.WriteNumber("elapsed_s", Math.Round(elapsed, 6));
            j.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(ms.ToArray()));
    }
}
