using System.Diagnostics;
using System.Text.Json;
using SegVerify.Tests.Common;
using Xunit;
using static SegVerify.Cli.Tests.InProcessCli;

namespace SegVerify.Cli.Tests;

/// <summary>
/// Signals, closed pipes and unusable outputs, on a child process of the built CLI: SIGINT/SIGTERM write every
/// finding and the summary ("interrupted": true) and exit 130/143; a closed pipe exits 141; --output is refused when it
/// is an input, and every write error is exit 2 naming the output, never exit 3.
/// </summary>
public sealed class InterruptionAndOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-intr-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Topo => TestPaths.InRepo("topologies", "sample-city.yaml");
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");

    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "segverify.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static void Signal(Process p, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, p.Id.ToString()])!;
        kill.WaitForExit();
    }

    [Theory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public void ASignalWritesEveryFindingAndTheSummaryThenExits128PlusTheSignal(string signal, int status)
    {
        var output = Path.Combine(_dir, "out.jsonl");
        using var p = Start("replay", "-", "--topology", Topo, "--format", "jsonl", "--output", output);
        var capture = File.ReadAllBytes(Capture);
        var stdin = p.StandardInput.BaseStream;
        stdin.Write(capture);
        stdin.Flush();
        // Wait until the run has opened its output (its signal handlers are in place by then), then give it time to
        // read what was written; the reader then waits for more on standard input.
        var until = DateTime.UtcNow.AddSeconds(60);
        while (Directory.GetFiles(_dir, ".out.jsonl.segverify-*.tmp").Length == 0 && DateTime.UtcNow < until) Thread.Sleep(50);
        Thread.Sleep(2000);
        Signal(p, signal);
        // A read already waiting on standard input finishes first (end of input here); the run then stops.
        try { stdin.Close(); } catch (IOException) { }
        Assert.True(p.WaitForExit(60_000), "the run did not stop after the signal");
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.ExitCode == status, $"exit {p.ExitCode}\n{err}");
        var lines = File.ReadAllLines(output);
        var docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList(); // every line complete
        var summary = docs[^1];
        Assert.Equal("summary", summary.GetProperty("event").GetString());
        Assert.True(summary.GetProperty("interrupted").GetBoolean());
        long packets = summary.GetProperty("packets").GetInt64();
        Assert.True(packets > 0, summary.ToString());
        if (packets == 655)
        {
            // The whole capture was read before the signal: every finding of an uninterrupted run was written.
            var whole = new StringWriter();
            Program.Run(["replay", Capture, "--topology", Topo, "--format", "jsonl"], whole, new StringWriter());
            int expected = whole.ToString().Split('\n').Count(l => l.StartsWith("{\"event\":\"violation\"") || l.StartsWith("{\"event\":\"warning\""));
            Assert.Equal(expected, docs.Count(d => d.GetProperty("event").GetString() is "violation" or "warning"));
        }
        Assert.Empty(Directory.GetFiles(_dir, ".*.tmp"));
    }

    [Fact]
    public void AClosedPipeStopsTheRunWithItsOwnStatus()
    {
        using var p = Start("replay", "-", "--topology", Topo, "--format", "jsonl");
        p.StandardOutput.Close(); // the reader goes away, as with '| head -0'
        var capture = File.ReadAllBytes(Capture);
        try { p.StandardInput.BaseStream.Write(capture); p.StandardInput.BaseStream.Flush(); } catch (IOException) { }
        try { p.StandardInput.BaseStream.Write(capture.AsSpan(24)); p.StandardInput.Close(); } catch (IOException) { }
        Assert.True(p.WaitForExit(60_000));
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.ExitCode == 141, $"exit {p.ExitCode}\n{err}");
        Assert.Contains("closed pipe", err);
    }

    [Fact]
    public void AnOutputThatIsAnInputIsRefusedAndTheInputKept()
    {
        var cap = Path.Combine(_dir, "c.pcap");
        File.Copy(Capture, cap);
        var link = Path.Combine(_dir, "hard-link.pcap");
        using (var ln = Process.Start("ln", [cap, link])!) ln.WaitForExit();
        var topo = Path.Combine(_dir, "t.yaml");
        File.Copy(Topo, topo);
        foreach (var target in new[] { cap, link, topo })
        {
            var r = Run("replay", cap, "--topology", topo, "--format", "jsonl", "--output", target);
            Assert.Equal(2, r.Exit);
            Assert.Contains($"the output {target} is the same file as the input", r.Err);
        }
        Assert.Equal(File.ReadAllBytes(Capture), File.ReadAllBytes(cap));
        Assert.Equal(File.ReadAllBytes(Topo), File.ReadAllBytes(topo));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void EveryWriteErrorIsExitTwoNamingTheOutput()
    {
        var targets = new List<string> { Path.Combine(_dir, "missing", "out.jsonl"), _dir };
        if (File.Exists("/dev/full")) targets.Add("/dev/full");
        var ro = Path.Combine(_dir, "ro");
        Directory.CreateDirectory(ro);
        File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        if (Environment.UserName != "root") targets.Add(Path.Combine(ro, "out.jsonl")); // root writes anyway
        foreach (var format in new[] { "jsonl", "text", "sarif" })
            foreach (var target in targets)
            {
                var r = Run("replay", Capture, "--topology", Topo, "--format", format, "--output", target);
                Assert.True(r.Exit == 2, $"{format} {target}: exit {r.Exit}\n{r.Err}");
                Assert.Contains($"cannot write the output {target}", r.Err);
                Assert.DoesNotContain("internal error", r.Err);
            }
        File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void TheOutputAppearsOnlyWhenTheRunIsComplete()
    {
        var output = Path.Combine(_dir, "o.jsonl");
        File.WriteAllText(output, "previous\n");
        var r = Run("replay", Capture, "--topology", Topo, "--format", "jsonl", "--output", output);
        Assert.Equal(1, r.Exit);
        Assert.Equal("summary", JsonDocument.Parse(File.ReadAllLines(output)[^1]).RootElement.GetProperty("event").GetString());
        Assert.Equal(["o.jsonl"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }
}
