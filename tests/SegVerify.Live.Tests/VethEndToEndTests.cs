using System.Diagnostics;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>
/// CI as root: two network namespaces joined by a veth pair; tcpreplay sends the labelled scenario into one end,
/// `segverify monitor` listens on the other, and its findings must equal replay's on the same capture; its Parquet
/// archive (--archive) must hold exactly the flow events of its JSON Lines. All traffic stays on the veth pair inside
/// the namespaces, which are removed at the end.
/// </summary>
public class VethEndToEndTests
{
    /// <param name="capture">monitor's --capture: tpacket (the kernel's ring read in place) or libpcap (the fallback).</param>
    /// <param name="vlanOffload">
    /// Leave receive VLAN offload on at the monitored end: the kernel strips 802.1Q tags into metadata and the capture
    /// must put them back (the scenario's VLAN findings depend on them).
    /// </param>
    [SkippableTheory]
    [InlineData("tpacket", false)]
    [InlineData("tpacket", true)]
    [InlineData("libpcap", false)]
    public void Monitor_on_a_veth_reports_what_replay_reports_for_the_sample_city_scenario(string capture, bool vlanOffload)
    {
        var shared = TestPaths.RequireShared();
        Requirements.RequireRootAndLibpcap();
        var ip = Requirements.Which("ip");
        var tcpreplay = Requirements.Which("tcpreplay");
        if (ip is null) Requirements.Skip("ip (iproute2) is not installed");
        if (tcpreplay is null) Requirements.Skip("tcpreplay is not installed");
        var ethtool = Requirements.Which("ethtool");
        if (vlanOffload && ethtool is null) Requirements.Skip("ethtool is not installed (needed to turn VLAN offload on)");

        var dir = Path.Combine(shared, "scenarios", "sample-city");
        var pcap = Path.Combine(dir, "sample-city.pcap");
        var topo = Path.Combine(dir, "topology.yaml");
        var tag = Guid.NewGuid().ToString("N")[..6];
        var archive = Path.Combine(Path.GetTempPath(), "segverify-veth-archive-" + tag);
        string sensor = "veth-" + capture + (vlanOffload ? "-offload" : "");
        string nsMon = $"svmon{tag}", nsGen = $"svgen{tag}", ifMon = $"svm{tag}", ifGen = $"svg{tag}";
        var (made, setupErr) = TryNetns(ip!, nsMon);
        if (!made) Requirements.Skip("cannot create network namespaces here: " + setupErr);
        try
        {
            LiveTool.Must(ip!, "netns", "add", nsGen);
            LiveTool.Must(ip!, "link", "add", ifMon, "type", "veth", "peer", "name", ifGen);
            LiveTool.Must(ip!, "link", "set", ifMon, "netns", nsMon);
            LiveTool.Must(ip!, "link", "set", ifGen, "netns", nsGen);
            foreach (var (ns, dev) in new[] { (nsMon, ifMon), (nsGen, ifGen) })
            {
                // No IPv6 autoconfiguration chatter: only the replayed frames cross the pair.
                LiveTool.Exec(ip!, ["netns", "exec", ns, "sysctl", "-qw", $"net.ipv6.conf.{dev}.disable_ipv6=1"], TimeSpan.FromSeconds(30));
                if (ethtool is not null) // keep 802.1Q tags in the frame (no VLAN offload), unless the case wants it on
                    LiveTool.Exec(ip!, ["netns", "exec", ns, ethtool, "-K", dev, "rxvlan", vlanOffload && ns == nsMon ? "on" : "off", "txvlan", "off"], TimeSpan.FromSeconds(30));
                LiveTool.Must(ip!, "netns", "exec", ns, "ip", "link", "set", dev, "up");
            }

            using var monitor = LiveTool.Start(ip!, ["netns", "exec", nsMon, "dotnet", LiveTool.SegverifyDll, "monitor",
                "--interface", ifMon, "--topology", topo, "--format", "jsonl", "--lang", "en", "--stats-interval", "1",
                "--duration", "600", "--capture", capture, "--flows", "--archive", archive, "--sensor", sensor]);
            var stdout = monitor.StandardOutput.ReadToEndAsync();
            var stderrLines = new List<string>();
            var started = new ManualResetEventSlim();
            monitor.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (stderrLines) stderrLines.Add(e.Data);
                if (e.Data.Contains("capturing on")) started.Set();
            };
            monitor.BeginErrorReadLine();
            try
            {
                Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "monitor did not start: " + string.Join("\n", stderrLines));
                // The monitored interface goes down and comes back: reported, and capture goes on (both paths; the
                // libpcap path once read the first state only when its capture thread started, so a down right after
                // "capturing on" went untold). Statistics lines go on while no packet comes.
                LiveTool.Must(ip!, "netns", "exec", nsMon, "ip", "link", "set", ifMon, "down");
                Assert.True(WaitForLine(stderrLines, $"{ifMon}: interface is down"), string.Join("\n", stderrLines));
                int statsBefore;
                lock (stderrLines) statsBefore = stderrLines.Count(l => l.Contains("segverify monitor: packets "));
                Assert.True(WaitFor(() => { lock (stderrLines) return stderrLines.Count(l => l.Contains("segverify monitor: packets ")) > statsBefore; }),
                    "no statistics line while the interface is down: " + string.Join("\n", stderrLines));
                LiveTool.Must(ip!, "netns", "exec", nsMon, "ip", "link", "set", ifMon, "up");
                Assert.True(WaitForLine(stderrLines, $"{ifMon}: interface is up again"), string.Join("\n", stderrLines));
                var (rc, o, e) = LiveTool.Exec(ip!, ["netns", "exec", nsGen, tcpreplay!, $"--intf1={ifGen}", "--mbps=50", pcap],
                    TimeSpan.FromSeconds(120));
                Assert.True(rc == 0, $"tcpreplay failed ({rc}): {e}{o}");
                // Wait until the monitor has seen every frame (its statistics line), then stop it with SIGINT.
                // (a wait that ends as soon as the line comes: long, so a busy machine is not mistaken for lost packets)
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed < TimeSpan.FromSeconds(180))
                {
                    lock (stderrLines) if (stderrLines.Any(l => l.Contains("packets 619,"))) break;
                    Thread.Sleep(200);
                }
                LiveTool.Must("kill", "-INT", monitor.Id.ToString());
                Assert.True(monitor.WaitForExit(TimeSpan.FromSeconds(60)), "monitor did not stop on SIGINT");
                monitor.WaitForExit();
            }
            finally
            {
                if (!monitor.HasExited) monitor.Kill(entireProcessTree: true);
            }
            var live = stdout.Result;
            Console.WriteLine(string.Join("\n", stderrLines));
            Assert.Equal(1, monitor.ExitCode);

            var replay = FindingKeys.Run("replay", pcap, "--topology", topo, "--format", "jsonl", "--lang", "en");
            var expected = FindingKeys.Of(replay.Out, out _);
            var got = FindingKeys.Of(ArchiveRowsExtensions.WithoutFlowEvents(live), out var summary);
            Assert.Equal(619, summary.GetProperty("packets").GetInt64());
            Assert.Equal(0, summary.GetProperty("dropped").GetInt64());
            Assert.Equal(0, summary.GetProperty("if_dropped").GetInt64());
            Assert.Equal(capture == "tpacket" ? "tpacket-v3" : "libpcap", summary.GetProperty("capture").GetString());
            Assert.Equal(expected, got);

            // the archive written live holds exactly the flow events of the same run
            var flows = SegVerify.Tests.Common.Archive.ArchiveRows.FromJsonl(sensor, live);
            Assert.NotEmpty(flows);
            Assert.Equal(flows, SegVerify.Tests.Common.Archive.ArchiveRows.FromArchive(archive));
            Assert.Equal(flows.Count, summary.GetProperty("archive").GetProperty("rows").GetInt64());
        }
        finally
        {
            if (Directory.Exists(archive)) Directory.Delete(archive, recursive: true);
            LiveTool.Exec(ip!, ["netns", "del", nsMon], TimeSpan.FromSeconds(30));
            LiveTool.Exec(ip!, ["netns", "del", nsGen], TimeSpan.FromSeconds(30));
        }
    }

    private static bool WaitForLine(List<string> lines, string text) =>
        WaitFor(() => { lock (lines) return lines.Any(l => l.Contains(text)); });

    private static bool WaitFor(Func<bool> condition)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (condition()) return true;
            Thread.Sleep(100);
        }
        return false;
    }

    private static (bool, string) TryNetns(string ip, string name)
    {
        var (code, o, e) = LiveTool.Exec(ip, ["netns", "add", name], TimeSpan.FromSeconds(30));
        return (code == 0, (e + o).Trim());
    }
}

/// <summary>Helpers for runs that also print their flow events (--flows) next to their findings.</summary>
internal static class ArchiveRowsExtensions
{
    /// <summary>The JSON Lines without the <c>"event":"flow"</c> records (to compare findings with a run without --flows).</summary>
    public static string WithoutFlowEvents(string jsonl) =>
        string.Join('\n', jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString() != "flow"));
}
