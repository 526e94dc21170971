using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>--audit-log on replay and check-firewall, and segverify audit verify, end to end in-process.</summary>
public sealed class AuditLogCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-auditcli-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");

    [Fact]
    public void ReplayAndCheckFirewallAppendToOneChainThatVerifies()
    {
        var log = Path.Combine(_dir, "audit.jsonl");
        var replay = Run("replay", Capture, "--topology", Topo, "--format", "jsonl", "--audit-log", log);
        Assert.Equal(1, replay.Exit);
        var fw = Run("check-firewall", "--topology", Topo, "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.iptables"),
            "--firewall", "fw-core", "--format", "jsonl", "--audit-log", log);
        Assert.Equal(1, fw.Exit);

        var records = File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        int replayFindings = replay.Out.Split('\n').Count(l => l.Contains("\"event\":\"violation\"") || l.Contains("\"event\":\"warning\""));
        int fwFindings = fw.Out.Split('\n').Count(l => l.Contains("\"event\":\"violation\"") || l.Contains("\"event\":\"warning\""));
        Assert.Equal(replayFindings + fwFindings + 4, records.Count);
        var start = records[0];
        Assert.Equal("replay", start.GetProperty("command").GetString());
        var inputs = start.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Capture))),
            inputs.Single(i => i.GetProperty("kind").GetString() == "capture").GetProperty("sha256").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Topo))),
            inputs.Single(i => i.GetProperty("kind").GetString() == "topology").GetProperty("sha256").GetString());
        var fwStart = records[replayFindings + 2];
        Assert.Equal("check-firewall", fwStart.GetProperty("command").GetString());
        Assert.Equal(records[replayFindings + 1].GetProperty("hash").GetString(), fwStart.GetProperty("prev").GetString());

        var ok = Run("audit", "verify", log, "--lang", "en");
        Assert.Equal(0, ok.Exit);
        Assert.Contains($"intact ({records.Count} records, 2 runs;", ok.Out);

        var lines = File.ReadAllLines(log);
        lines[3] = lines[3].Replace("\"dst_port\":", "\"dst_port\":1");
        File.WriteAllLines(log, lines);
        var bad = Run("audit", "verify", log, "--lang", "ja");
        Assert.Equal(1, bad.Exit);
        Assert.Contains($"{log}:4: 記録が改変されています", bad.Err);
    }

    [Fact]
    public void AnUnusableAuditLogIsExitTwoBeforeAnyOutput()
    {
        var r = Run("replay", Capture, "--topology", Topo, "--format", "jsonl", "--audit-log", Path.Combine(_dir, "no", "such", "dir", "a.jsonl"));
        Assert.Equal(2, r.Exit);
        Assert.Contains("cannot open the audit log", r.Err);
        Assert.Equal("", r.Out);
        Assert.Equal(2, Run("audit", "verify", Path.Combine(_dir, "missing.jsonl")).Exit);
    }
}
