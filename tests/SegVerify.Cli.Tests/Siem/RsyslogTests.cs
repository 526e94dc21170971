using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using Xunit.Abstractions;
using static SegVerify.Cli.Tests.Siem.SyslogTestSupport;

namespace SegVerify.Cli.Tests.Siem;

/// <summary>
/// --syslog into Debian's rsyslog, started by the test on a loopback port (imtcp, octet-counted framing), which writes
/// each message's MSG and its parsed header fields to files that are compared with the JSON Lines of the same run.
/// </summary>
public sealed class RsyslogTests(ITestOutputHelper output)
{
    private sealed class Rsyslog : IDisposable
    {
        private readonly Process _proc;
        public string Dir { get; }
        public int Port { get; }
        public string MsgFile => Path.Combine(Dir, "msg.log");
        public string FieldsFile => Path.Combine(Dir, "fields.log");

        public Rsyslog(string rsyslogd)
        {
            Dir = Directory.CreateTempSubdirectory("segverify-rsyslog").FullName;
            Port = FreeTcpPort();
            string conf = Path.Combine(Dir, "rsyslog.conf");
            File.WriteAllText(conf, $$"""
                global(workDirectory="{{Dir}}" maxMessageSize="64k")
                module(load="imtcp")
                input(type="imtcp" port="{{Port}}" address="127.0.0.1" ruleset="segverify")
                template(name="msgonly" type="string" string="%msg%\n")
                template(name="fields" type="string" string="%pri%|%protocol-version%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%\n")
                ruleset(name="segverify") {
                  action(type="omfile" file="{{MsgFile}}" template="msgonly")
                  action(type="omfile" file="{{FieldsFile}}" template="fields")
                }
                """);
            var psi = new ProcessStartInfo(rsyslogd, ["-n", "-f", conf, "-i", Path.Combine(Dir, "rsyslogd.pid")])
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            _proc = Process.Start(psi)!;
            var until = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                if (_proc.HasExited) throw new InvalidOperationException("rsyslogd exited: " + _proc.StandardError.ReadToEnd());
                try
                {
                    using var c = new TcpClient();
                    c.Connect("127.0.0.1", Port);
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < until) { Thread.Sleep(100); }
            }
        }

        public List<string> WaitForLines(string file, int count)
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                var lines = File.Exists(file) ? File.ReadAllLines(file).ToList() : [];
                if (lines.Count >= count || DateTime.UtcNow > until) return lines;
                Thread.Sleep(100);
            }
        }

        public void Dispose()
        {
            try { _proc.Kill(); _proc.WaitForExit(5000); } catch (InvalidOperationException) { }
            _proc.Dispose();
            try { Directory.Delete(Dir, true); } catch (IOException) { }
        }
    }

    private static string RequireRsyslogd()
    {
        foreach (var p in new[] { "/usr/sbin/rsyslogd", "/sbin/rsyslogd", "/usr/bin/rsyslogd" })
            if (File.Exists(p)) return p;
        const string reason = "rsyslogd is not installed (apt-get install rsyslog): skipped";
        Console.WriteLine("SKIP: " + reason);
        Skip.If(true, reason);
        return "";
    }

    private static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var so = new StringWriter();
        var se = new StringWriter();
        int exit = Program.Run(args, so, se);
        return (exit, so.ToString(), se.ToString());
    }

    private void CompareWithRsyslog(Rsyslog rs, string stdout, int alreadyInFile)
    {
        var lines = FindingLines(stdout);
        Assert.NotEmpty(lines);
        var msgs = rs.WaitForLines(rs.MsgFile, alreadyInFile + lines.Count).Skip(alreadyInFile).ToList();
        var fields = rs.WaitForLines(rs.FieldsFile, alreadyInFile + lines.Count).Skip(alreadyInFile).ToList();
        Assert.Equal(lines, msgs);
        Assert.Equal(lines.Count, fields.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            var json = JsonDocument.Parse(lines[i]).RootElement;
            var f = fields[i].Split('|', 7);
            string ev = json.GetProperty("event").GetString()!;
            Assert.Equal((16 * 8 + (ev == "violation" ? 3 : ev == "warning" ? 4 : 6)).ToString(), f[0]);
            Assert.Equal("1", f[1]);
            Assert.Equal("segverify", f[3]);
            Assert.Equal(ev, f[5]);
            var sd = f[6];
            Assert.StartsWith("[segverify@32473 ", sd);
            if (ev == "flow") Assert.Contains($"verdict=\"{json.GetProperty("verdict").GetString()}\"", sd);
            else
            {
                Assert.Contains($"rule=\"{json.GetProperty("rule").GetString()}\"", sd);
                Assert.Contains($"severity=\"{json.GetProperty("severity").GetString()}\"", sd);
            }
            if (json.TryGetProperty("community_id", out var cid)) Assert.Contains($"community_id=\"{cid.GetString()}\"", sd);
        }
        var syslog = JsonDocument.Parse(SummaryLine(stdout)).RootElement.GetProperty("syslog");
        Assert.Equal(lines.Count, syslog.GetProperty("sent").GetInt64());
        Assert.Equal(0, syslog.GetProperty("dropped").GetInt64());
        output.WriteLine($"rsyslog received {lines.Count} messages equal to the JSON Lines");
    }

    [SkippableFact]
    public void ReplayAndCheckFirewall_ArriveInRsyslog_AsTheirJsonLines()
    {
        using var rs = new Rsyslog(RequireRsyslogd());
        string target = $"tcp://127.0.0.1:{rs.Port}";
        var (exit, stdout, stderr) = Run("replay", TestPaths.InRepo("captures", "sample-city.pcap"),
            "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--format", "jsonl", "--flows", "--lang", "ja", "--syslog", target);
        Assert.True(exit == 1, stderr);
        CompareWithRsyslog(rs, stdout, 0);
        int before = FindingLines(stdout).Count;

        (exit, stdout, stderr) = Run("check-firewall", "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"),
            "--config", TestPaths.InRepo("topologies", "firewall", "fw-core-violating.iptables"), "--firewall", "fw-core",
            "--format", "jsonl", "--syslog", target);
        Assert.True(exit == 1, stderr);
        CompareWithRsyslog(rs, stdout, before);
    }
}
