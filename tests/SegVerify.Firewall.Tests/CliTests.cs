using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Firewall.Tests;

/// <summary>segverify check-firewall end to end, in-process, on the bundled topology and sample rulesets.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");
    private static string Fw(string n) => TestPaths.InRepo("topologies", "firewall", n);

    [Theory]
    [InlineData("fw-core-compliant.iptables", 0)]
    [InlineData("fw-core-compliant.nft", 0)]
    [InlineData("fw-core-violating.iptables", 1)]
    [InlineData("fw-core-violating.nft", 1)]
    public void ExitStatusAndJsonl(string file, int expected)
    {
        var (code, o, e) = Run("check-firewall", "--topology", Topo, "--config", Fw(file), "--format", "jsonl", "--required", "--now", "2026-11-23T00:00:00Z");
        Assert.True(code == expected, e + o);
        var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("summary", lines[^1].GetProperty("event").GetString());
        if (expected == 1)
        {
            var v = lines.First(l => l.GetProperty("event").GetString() == "violation" && l.GetProperty("rule").GetString() == "mynumber-isolation");
            Assert.Equal("eth0", v.GetProperty("in_interface").GetString());
            Assert.Equal("eth1", v.GetProperty("out_interface").GetString());
            Assert.Equal(Fw(file), v.GetProperty("config_file").GetString());
            Assert.True(v.GetProperty("config_line").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Array, v.GetProperty("path").ValueKind);
            Assert.StartsWith("tcp 10.10.0.0/16 -> 10.20.0.0/16 dport ", v.GetProperty("class").GetString());
        }
    }

    [Fact]
    public void ProbeJsonlAndText()
    {
        var probe = "tcp 10.10.1.11:40000 -> 10.20.0.60:445 in eth0 out eth1";
        var (code, o, _) = Run("check-firewall", "--config", Fw("fw-core-violating.iptables"), "--probe", probe, "--format", "jsonl");
        Assert.Equal(0, code);
        Assert.Equal($"{{\"event\":\"probe\",\"probe\":\"{probe}\",\"verdict\":\"accept\",\"path\":[\"{Fw("fw-core-violating.iptables")}:8\"],\"config_file\":\"{Fw("fw-core-violating.iptables")}\",\"config_line\":8,\"config_column\":1}}",
            o.Trim());
        (code, o, _) = Run("check-firewall", "--config", Fw("fw-core-compliant.iptables"), "--probe", probe, "--format", "text");
        Assert.Equal(0, code);
        Assert.Contains("=>  DROP", o);
        Assert.Contains("fw-core-compliant.iptables:6  :FORWARD DROP [0:0]", o);
    }

    [Fact]
    public void BadInputsExit2()
    {
        Assert.Equal(2, Run("check-firewall", "--topology", Topo, "--config", "/nonexistent/rules").Code);
        var tmp = Path.GetTempFileName();
        File.WriteAllText(tmp, "hostname r1\ninterface Gi0/1\n ip address 10.0.0.1 255.255.255.0\n");
        try { Assert.Equal(2, Run("check-firewall", "--topology", Topo, "--config", tmp).Code); }
        finally { File.Delete(tmp); }
        var (code, _, err) = Run("check-firewall", "--topology", Topo, "--config", Fw("fw-core-compliant.nft"), "--firewall", "nope");
        Assert.Equal(2, code);
        Assert.Contains("nope", err);
        Assert.Equal(2, Run("check-firewall", "--config", Fw("fw-core-compliant.nft"), "--probe", "tcp 1.2.3.4 -> x in a out b").Code);
    }
}
