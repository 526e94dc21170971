using System.CommandLine;
using System.Globalization;
using SegVerify.Core.Topology;
using SegVerify.Firewall;

namespace SegVerify.Cli.Commands;

/// <summary><c>segverify check-firewall</c>: proves what an iptables, nftables or FortiOS ruleset admits against the topology.</summary>
public static class CheckFirewallCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var common = new CommonOptions();
        var syslog = new SyslogArgs();
        var topology = new Option<string?>("--topology", "-t") { Description = "Topology file (YAML, format v1)" };
        var config = new Option<string?>("--config", "-c") { Description = "Ruleset: iptables-save / ip6tables-save output, nft list ruleset text, or a FortiGate configuration (show full-configuration)" };
        var dialectNames = SegVerify.Firewall.Dialects.DialectRegistry.All.Select(x => x.Name).ToArray();
        var dialect = new Option<string?>("--dialect") { Description = $"{string.Join(", ", dialectNames)} (guessed from the file when omitted)" };
        dialect.AcceptOnlyFromAmong(dialectNames);
        var firewall = new Option<string?>("--firewall") { Description = "Which firewalls: entry maps interfaces to zones (needed when there are several)" };
        var vdom = new Option<string?>("--vdom") { Description = "FortiOS: the VDOM whose policies are checked (default root)" };
        var ipset = new Option<string[]>("--ipset") { Description = "ipset save dump giving the contents of sets used by -m set", AllowMultipleArgumentsPerToken = false };
        var required = new Option<bool>("--required") { Description = "Also report every allow rule and sanitisation path the ruleset blocks" };
        var probe = new Option<string[]>("--probe") { Description = "Trace one packet: \"tcp 10.1.1.11:40000 -> 10.2.0.60:445 in eth0 out eth1 [mac MAC] [state new|established]\"" };
        var probeFile = new Option<string?>("--probe-file") { Description = "Trace every probe in this file (one a line)" };
        var noShadow = new Option<bool>("--no-shadow") { Description = "Skip the shadowed-rule analysis" };
        var now = new Option<string?>("--now") { Description = "Date-time (UTC, ISO 8601) used to decide whether allow rules have expired (default: now)", Hidden = true };

        var cmd = new Command("check-firewall", "Report every packet class a firewall ruleset accepts and the policy forbids");
        foreach (var o in new Option[] { topology, config, dialect, firewall, vdom, ipset, required, probe, probeFile, noShadow, now }) cmd.Options.Add(o);
        common.AddTo(cmd);
        syslog.AddTo(cmd);
        var audit = new AuditArgs();
        audit.AddTo(cmd);

        cmd.SetAction(pr =>
        {
            var lang = CommonOptions.ResolveLanguage(pr.GetValue(common.Lang));
            if (!syslog.TryResolve(pr, lang, stderr, out var siem)) return ExitCodes.Usage;
            bool ja = lang == "ja";
            var outFile = pr.GetValue(common.Output);
            var format = CommonOptions.ResolveFormat(pr.GetValue(common.Format), outFile);
            var cfgPath = pr.GetValue(config);
            if (cfgPath is null) { stderr.WriteLine(ja ? "segverify: --config が必要です" : "segverify: --config is required"); return ExitCodes.Usage; }
            DateTime? nowUtc = null;
            if (pr.GetValue(now) is { } nowText)
            {
                if (!DateTime.TryParse(nowText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    stderr.WriteLine(ja ? $"segverify: --now は ISO 8601 の日時で指定してください: {nowText}" : $"segverify: --now must be an ISO 8601 date-time: {nowText}");
                    return ExitCodes.Usage;
                }
                nowUtc = parsed;
            }
            var options = new CheckFirewallOptions
            {
                ConfigPath = cfgPath,
                Dialect = pr.GetValue(dialect),
                IpsetFiles = pr.GetValue(ipset) ?? [],
                DialectOptions = pr.GetValue(vdom) is { } vd ? new Dictionary<string, IReadOnlyList<string>> { ["vdom"] = [vd] } : new Dictionary<string, IReadOnlyList<string>>(),
                FirewallName = pr.GetValue(firewall),
                Required = pr.GetValue(required),
                Probes = pr.GetValue(probe) ?? [],
                ProbeFile = pr.GetValue(probeFile),
                Shadow = !pr.GetValue(noShadow),
                NowUtc = nowUtc,
                Language = lang,
            };
            if (options.Probing && format is not ("text" or "jsonl"))
            {
                stderr.WriteLine(ja ? $"segverify: --probe の結果は text か jsonl で出力します（--format {format} は使えません）"
                                    : $"segverify: --probe writes text or jsonl, not --format {format}");
                return ExitCodes.Usage;
            }
            Topology? topo = null;
            if (pr.GetValue(topology) is { } topoPath)
            {
                topo = TopologyArgs.TryLoad(topoPath, stderr, lang);
                if (topo is null) return ExitCodes.Usage;
            }
            if (!audit.TryOpen(pr, lang, stderr, out var auditLog)) return ExitCodes.Usage;
            using var closeAudit = auditLog;
            var session = new CheckFirewallSession(options, topo, stderr);
            return (int)session.Run(() => AuditArgs.Wrap(
                SyslogArgs.Wrap(SinkFactory.Create(format, outFile, stdout, lang, topo?.AllRules.Select(r => r.Name).ToList(), topo,
                    [cfgPath, .. options.IpsetFiles, .. topo is null ? [] : new[] { topo.SourcePath }, .. options.ProbeFile is { } pf ? new[] { pf } : []]), siem),
                auditLog, auditLog is null ? null! : new SegVerify.Core.Audit.AuditRunStart("check-firewall", AuditArgs.Arguments(pr),
                [
                    .. topo is null ? [] : new[] { new SegVerify.Core.Audit.AuditInput("topology", topo.SourcePath, topo.Sha256, null) },
                    SegVerify.Core.Audit.AuditRunStart.HashFile("config", cfgPath),
                    .. options.IpsetFiles.Select(f => SegVerify.Core.Audit.AuditRunStart.HashFile("ipset", f)),
                ])));
        });
        return cmd;
    }
}
