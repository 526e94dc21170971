using System.Diagnostics;
using System.Text.Json;
using SegVerify.Cli;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>The comparable part of a finding: timestamps, counts and zones may differ between live and replay.</summary>
internal static class FindingKeys
{
    private static readonly string[] Fields = ["event", "rule", "proto", "src_ip", "src_port", "dst_ip", "dst_port", "src_mac", "tunnel"];

    public static List<string> Of(string jsonl, out JsonElement summary)
    {
        var keys = new List<string>();
        summary = default;
        foreach (var line in jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var doc = JsonDocument.Parse(line).RootElement.Clone();
            var ev = doc.GetProperty("event").GetString();
            if (ev == "summary") { summary = doc; continue; }
            keys.Add(string.Join("|", Fields.Select(f => doc.TryGetProperty(f, out var v) ? v.ToString() : "-")));
        }
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}

public class MonitorCommandTests
{
    [SkippableFact]
    public void The_live_pipeline_fed_from_a_file_reports_what_replay_reports()
    {
        var shared = TestPaths.RequireShared();
        Requirements.RequireLibpcap();
        var dir = Path.Combine(shared, "scenarios", "sample-city");
        var pcap = Path.Combine(dir, "sample-city.pcap");
        var topo = Path.Combine(dir, "topology.yaml");
        var replay = FindingKeys.Run("replay", pcap, "--topology", topo, "--format", "jsonl", "--lang", "en");
        var monitor = FindingKeys.Run("monitor", "--interface", "unused", "--read-file", pcap, "--topology", topo,
            "--format", "jsonl", "--lang", "en", "--stats-interval", "0");
        Assert.Equal(1, replay.Code);
        Assert.Equal(1, monitor.Code);
        var expected = FindingKeys.Of(replay.Out, out _);
        var got = FindingKeys.Of(monitor.Out, out var summary);
        Assert.Equal(14, expected.Count);
        Assert.Equal(expected, got);
        Assert.Equal(619, summary.GetProperty("packets").GetInt64());
        Assert.Equal(0, summary.GetProperty("dropped").GetInt64());
        Assert.Equal(0, summary.GetProperty("if_dropped").GetInt64());
        Assert.Equal(9, summary.GetProperty("violations").GetInt64());
    }

    [SkippableTheory]
    [InlineData("tunnels-basic.pcap", 6)]
    [InlineData("tunnels-mpls.pcapng", 3)]
    public void The_live_pipeline_opens_tunnels_as_replay_does(string capture, int violations)
    {
        var shared = TestPaths.RequireShared();
        Requirements.RequireLibpcap();
        var dir = Path.Combine(shared, "scenarios", "tunnels");
        var pcap = Path.Combine(dir, capture);
        var topo = Path.Combine(dir, "topology.yaml");
        var replay = FindingKeys.Run("replay", pcap, "--topology", topo, "--format", "jsonl", "--lang", "en", "--flows");
        var monitor = FindingKeys.Run("monitor", "--interface", "unused", "--read-file", pcap, "--topology", topo,
            "--format", "jsonl", "--lang", "en", "--stats-interval", "0", "--flows");
        Assert.Equal(1, replay.Code);
        Assert.Equal(1, monitor.Code);
        var expected = FindingKeys.Of(replay.Out, out _);
        var got = FindingKeys.Of(monitor.Out, out var summary);
        Assert.Equal(expected, got);
        Assert.Contains(got, k => k.StartsWith("violation|", StringComparison.Ordinal) && k.Contains("\"type\""));
        Assert.Equal(violations, summary.GetProperty("violations").GetInt64());
    }

    [SkippableFact]
    public void Evidence_is_written_for_every_finding_and_reads_back()
    {
        var shared = TestPaths.RequireShared();
        Requirements.RequireLibpcap();
        var dir = Path.Combine(shared, "scenarios", "sample-city");
        var evidence = Path.Combine(Path.GetTempPath(), "segverify-ev-" + Guid.NewGuid().ToString("N"));
        try
        {
            var r = FindingKeys.Run("monitor", "--interface", "unused", "--read-file", Path.Combine(dir, "sample-city.pcap"),
                "--topology", Path.Combine(dir, "topology.yaml"), "--format", "jsonl", "--stats-interval", "0", "--quiet",
                "--evidence", evidence, "--evidence-max-packets", "5");
            Assert.Equal(1, r.Code);
            // One file per flow-level violation, named by its community id; every finding names its file, and
            // the directory holds exactly the files the findings name.
            var findings = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .Where(e => e.GetProperty("event").GetString() is "violation" or "warning").ToList();
            var ids = findings.Where(e => e.GetProperty("event").GetString() == "violation" && e.TryGetProperty("community_id", out _)
                            && e.TryGetProperty("dst_port", out _) && e.GetProperty("rule").GetString() is not ("mac-binding" or "unregistered-device"))
                .Select(e => SegVerify.Core.Evidence.EvidenceRecorder.FileNameFor(e.GetProperty("community_id").GetString(), 0) + ".pcap")
                .Distinct().Order(StringComparer.Ordinal).ToList();
            Assert.NotEmpty(ids);
            Assert.All(findings, e => Assert.True(e.TryGetProperty("evidence", out _), "no evidence: " + e));
            var named = findings.Select(e => Path.GetFileName(e.GetProperty("evidence").GetString())!).Distinct().Order(StringComparer.Ordinal).ToList();
            var files = Directory.GetFiles(evidence).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
            Assert.Subset(files.ToHashSet(), ids.ToHashSet());
            Assert.Subset(files.ToHashSet(), named.ToHashSet());
            // the only other files are the whole flows in which a frame-level violation was seen (named by their
            // flow events with --flows)
            var frameViolationFlows = findings.Where(e => e.GetProperty("rule").GetString() is "mac-binding" or "unregistered-device")
                .Select(e => SegVerify.Core.Evidence.EvidenceRecorder.FileNameFor(e.GetProperty("community_id").GetString(), 0) + ".pcap").ToHashSet();
            Assert.All(files.Except(named), f => Assert.Contains(f, frameViolationFlows));
            foreach (var f in Directory.GetFiles(evidence))
            {
                using var dev = new SharpPcap.LibPcap.CaptureFileReaderDevice(f);
                dev.Open(new SharpPcap.DeviceConfiguration());
                int n = 0;
                while (dev.GetNextPacket(out _) == SharpPcap.GetPacketStatus.PacketRead) n++;
                Assert.InRange(n, 1, 5);
            }
        }
        finally
        {
            if (Directory.Exists(evidence)) Directory.Delete(evidence, true);
        }
    }

    [SkippableFact]
    public void An_unknown_interface_exits_2_listing_the_interfaces()
    {
        var shared = TestPaths.RequireShared();
        Requirements.RequireLibpcap();
        var topo = Path.Combine(shared, "scenarios", "sample-city", "topology.yaml");
        var en = FindingKeys.Run("monitor", "--interface", "segv-nosuch0", "--topology", topo, "--lang", "en", "--format", "jsonl");
        Assert.Equal(2, en.Code);
        Assert.StartsWith("segverify monitor: no such interface 'segv-nosuch0'. Available interfaces: ", en.Err);
        Assert.Contains("lo", en.Err);
        Assert.Equal("", en.Out);
        var ja = FindingKeys.Run("monitor", "--interface", "segv-nosuch0", "--topology", topo, "--lang", "ja", "--format", "jsonl");
        Assert.Equal(2, ja.Code);
        Assert.StartsWith("segverify monitor: インターフェース 'segv-nosuch0' がありません。使用できるインターフェース: ", ja.Err);
    }

    [SkippableTheory]
    [InlineData("--metrics", "0.0.0.0:9464", "--metrics listens on loopback addresses only")]
    [InlineData("--format", "sarif", "--format must be jsonl or text")]
    [InlineData("--snaplen", "10", "--snaplen must be between 64 and 262144")]
    [InlineData("--duration", "0", "--duration must be more than 0 and at most 315360000 seconds: 0")]
    [InlineData("--duration", "Infinity", "--duration must be more than 0")]
    [InlineData("--stats-interval", "-1", "--stats-interval must be from 0 to 86400 seconds: -1")]
    [InlineData("--stats-interval", "NaN", "--stats-interval must be from 0 to 86400 seconds: NaN")]
    [InlineData("--evidence-max-packets", "0", "--evidence-max-packets must be an integer from 1 to 1000000: 0")]
    public void Bad_arguments_exit_2_before_capturing(string option, string value, string message)
    {
        var shared = TestPaths.RequireShared();
        var topo = Path.Combine(shared, "scenarios", "sample-city", "topology.yaml");
        var r = FindingKeys.Run("monitor", "--interface", "lo", "--topology", topo, "--lang", "en", option, value);
        Assert.Equal(2, r.Code);
        Assert.Contains(message, r.Err);
    }

    /// <summary>
    /// libpcap is needed for the libpcap path and, on the TPACKET_V3 path, to compile a --bpf filter (without a filter
    /// that path needs no libpcap at all).
    /// </summary>
    [SkippableTheory]
    [InlineData("--capture", "libpcap")]
    [InlineData("--bpf", "udp")]
    public void A_missing_libpcap_exits_2_naming_the_package(string option, string value)
    {
        // Hide libpcap from a child process: a private mount namespace with /dev/null over the library (root only).
        Requirements.RequireRootAndLibpcap();
        var unshare = Requirements.Which("unshare");
        if (unshare is null) Requirements.Skip("unshare (util-linux) is not installed");
        var libs = new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib" }
            .SelectMany(d => Directory.Exists(d) ? Directory.GetFiles(d, "libpcap.so*") : []).ToList();
        if (libs.Count == 0) Requirements.Skip("libpcap's files not found in the usual library folders");
        var shared = TestPaths.RequireShared();
        var topo = Path.Combine(shared, "scenarios", "sample-city", "topology.yaml");
        var mounts = string.Join(" && ", libs.Select(l => $"mount --bind /dev/null '{l}'"));
        var script = $"{mounts} && exec dotnet '{LiveTool.SegverifyDll}' monitor --interface lo --topology '{topo}' --lang en --format jsonl --duration 5 {option} '{value}'";
        var (code, _, err) = LiveTool.Exec(unshare!, ["-m", "--propagation", "private", "sh", "-c", script], TimeSpan.FromSeconds(60));
        if (err.Contains("unshare failed") || err.Contains("mount:")) Requirements.Skip("cannot make a private mount namespace here: " + err.Trim());
        Assert.Equal(2, code);
        Assert.Contains("libpcap could not be loaded", err);
        Assert.Contains("apt-get install libpcap0.8", err);
    }

    [SkippableFact]
    public void Without_CAP_NET_RAW_monitor_exits_2_saying_what_is_needed()
    {
        Requirements.RequireRootAndLibpcap();
        var setpriv = Requirements.Which("setpriv");
        if (setpriv is null) Requirements.Skip("setpriv (util-linux) is not installed");
        var shared = TestPaths.RequireShared();
        var topo = Path.Combine(shared, "scenarios", "sample-city", "topology.yaml");
        // Root without CAP_NET_RAW and CAP_NET_ADMIN (dropped from the bounding set): what an unprivileged user gets.
        var (code, _, err) = LiveTool.Exec(setpriv!, ["--bounding-set", "-net_raw,-net_admin", "--inh-caps", "-net_raw,-net_admin",
            "dotnet", LiveTool.SegverifyDll, "monitor", "--interface", "lo", "--topology", topo, "--lang", "en", "--format", "jsonl"],
            TimeSpan.FromSeconds(60));
        if (err.StartsWith("setpriv:", StringComparison.Ordinal)) Requirements.Skip("setpriv cannot drop capabilities here: " + err.Trim());
        Assert.Equal(2, code);
        Assert.Contains("no permission to capture on 'lo'", err);
        Assert.Contains("CAP_NET_RAW", err);
        Assert.Contains("setcap cap_net_raw,cap_net_admin=eip", err);
    }
}

/// <summary>Runs tools and the segverify binary as child processes.</summary>
internal static class LiveTool
{
    public static string SegverifyDll
    {
        get
        {
            var p = Path.Combine(AppContext.BaseDirectory, "segverify.dll");
            if (File.Exists(p)) return p;
            throw new FileNotFoundException("segverify.dll not found beside the tests", p);
        }
    }

    public static (int Code, string Out, string Err) Exec(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        using var p = Start(file, args);
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in {timeout}");
        }
        return (p.ExitCode, so.Result, se.Result);
    }

    public static Process Start(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(psi)!;
    }

    /// <summary>Runs a command that must succeed (namespace and link set-up).</summary>
    public static void Must(string file, params string[] args)
    {
        var (code, o, e) = Exec(file, args, TimeSpan.FromSeconds(60));
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {e}{o}");
    }
}

/// <summary>monitor --output: a temporary file renamed when the run ends, refused when it is an input, write errors exit 2.</summary>
public sealed class MonitorOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-monout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Args(string pcap, string topo, string output) =>
        ["monitor", "--interface", "unused", "--read-file", pcap, "--topology", topo, "--format", "jsonl", "--lang", "en",
         "--stats-interval", "0", "--quiet", "--output", output];

    private (string Pcap, string Topo) Inputs()
    {
        var pcap = Path.Combine(_dir, "c.pcap");
        var topo = Path.Combine(_dir, "t.yaml");
        File.Copy(TestPaths.InRepo("captures", "sample-city.pcap"), pcap, overwrite: true);
        File.Copy(TestPaths.InRepo("topologies", "sample-city.yaml"), topo, overwrite: true);
        return (pcap, topo);
    }

    [SkippableFact]
    public void The_output_is_renamed_into_place_at_the_end_and_an_input_is_never_overwritten()
    {
        Requirements.RequireLibpcap();
        var (pcap, topo) = Inputs();
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllText(output, "previous\n");
        var r = FindingKeys.Run(Args(pcap, topo, output));
        Assert.True(r.Code == 1, r.Err);
        var lines = File.ReadAllLines(output);
        Assert.Equal("summary", JsonDocument.Parse(lines[^1]).RootElement.GetProperty("event").GetString());
        Assert.Empty(Directory.GetFiles(_dir, ".*.tmp"));

        foreach (var target in new[] { pcap, topo })
        {
            var before = File.ReadAllBytes(target);
            var refused = FindingKeys.Run(Args(pcap, topo, target));
            Assert.True(refused.Code == 2, refused.Err);
            Assert.Contains($"the output {target} is the same file as the input", refused.Err);
            Assert.Equal(before, File.ReadAllBytes(target));
        }
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Every_write_error_is_exit_two_naming_the_output()
    {
        Requirements.RequireLibpcap();
        var (pcap, topo) = Inputs();
        var targets = new List<string> { Path.Combine(_dir, "missing", "out.jsonl"), _dir };
        if (File.Exists("/dev/full")) targets.Add("/dev/full");
        if (Directory.Exists("/proc/self")) targets.Add("/proc/segverify-out.jsonl");
        foreach (var target in targets)
        {
            var r = FindingKeys.Run(Args(pcap, topo, target));
            Assert.True(r.Code == 2, $"-o {target}: exit {r.Code}\n{r.Err}");
            Assert.Contains(target, r.Err);
            Assert.DoesNotContain("internal error", r.Err);
        }
        Assert.Empty(Directory.GetFiles(_dir, ".*.tmp"));
    }
}
