using System.Diagnostics;
using SegVerify.Cli.Progress;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests;

/// <summary>replay's progress line: when it is shown, what it says, and a real run on a terminal (under script(1)).</summary>
public class ProgressTests
{
    private static string? Env(string name, Dictionary<string, string?> env) => env.GetValueOrDefault(name);

    [Theory]
    // mode, quiet, stderr a terminal, CI, TERM -> shown
    [InlineData("auto", false, true, null, "xterm", true)]
    [InlineData(null, false, true, null, "xterm-256color", true)]
    [InlineData("auto", false, false, null, "xterm", false)] // a pipe or a file
    [InlineData("auto", true, true, null, "xterm", false)]   // --quiet
    [InlineData("auto", false, true, "true", "xterm", false)] // CI
    [InlineData("auto", false, true, "", "xterm", true)]      // CI set but empty
    [InlineData("auto", false, true, null, "dumb", false)]
    [InlineData("always", true, false, "true", "dumb", true)]
    [InlineData("never", false, true, null, "xterm", false)]
    public void Progress_is_shown_only_on_a_terminal_outside_ci_without_quiet(string? mode, bool quiet, bool terminal, string? ci, string? term, bool shown)
    {
        var env = new Dictionary<string, string?> { ["CI"] = ci, ["TERM"] = term };
        Assert.Equal(shown, ProgressPolicy.Show(mode, quiet, terminal, n => Env(n, env)));
    }

    [Fact]
    public void The_line_gives_bytes_percentage_packets_rate_time_left_and_the_capture()
    {
        var s = new ProgressSnapshot(BytesRead: 1_250_000_000, TotalBytes: 5_000_000_000, Packets: 2_345_678, ElapsedSeconds: 10,
            CaptureIndex: 2, CaptureCount: 5, Capture: "/data/day2.pcap", Finished: false);
        Assert.Equal("1.3 GB / 5.0 GB (25%)  2,345,678 packets  234,567 packets/s  0:30 left  [2/5] day2.pcap", ProgressLine.Format(in s, "en", 200));
        Assert.Equal("1.3 GB / 5.0 GB (25%)  パケット 2,345,678  234,567 パケット/秒  残り 0:30  [2/5] day2.pcap", ProgressLine.Format(in s, "ja", 200));
    }

    [Fact]
    public void Standard_input_has_no_total_so_no_percentage_or_time_left()
    {
        var s = new ProgressSnapshot(999, -1, 12, 0.2, 1, 1, "-", false);
        Assert.Equal("999 B read  12 packets", ProgressLine.Format(in s, "en", 200));
        Assert.Equal("999 B 読み込み  パケット 12", ProgressLine.Format(in s, "ja", 200));
        var later = new ProgressSnapshot(12_345_678, -1, 100_000, 4, 1, 1, "-", false);
        Assert.Equal("12.3 MB read  100,000 packets  25,000 packets/s", ProgressLine.Format(in later, "en", 200));
    }

    [Fact]
    public void After_the_last_capture_it_says_the_open_flows_are_being_judged()
    {
        var s = new ProgressSnapshot(700_000, 700_000, 655, 2, 1, 1, "a.pcap", true);
        Assert.Equal("700 kB / 700 kB (100%)  655 packets  327 packets/s  judging the flows still open", ProgressLine.Format(in s, "en", 200));
        Assert.Equal("700 kB / 700 kB (100%)  パケット 655  327 パケット/秒  残りのフローを判定中", ProgressLine.Format(in s, "ja", 200));
    }

    [Fact]
    public void The_line_is_cut_to_the_terminal_width_counting_wide_characters_twice()
    {
        var s = new ProgressSnapshot(1_250_000_000, 5_000_000_000, 2_345_678, 10, 2, 5, "day2.pcap", false);
        var en = ProgressLine.Format(in s, "en", 40);
        Assert.Equal("1.3 GB / 5.0 GB (25%)  2,345,678 packet", en); // 39 columns: the last one stays free
        var ja = ProgressLine.Format(in s, "ja", 40);
        Assert.Equal("1.3 GB / 5.0 GB (25%)  パケット 2,345,6", ja); // "パケット" takes 8 columns
        Assert.Equal(39, SegVerify.Core.Output.FindingFormat.DisplayWidth(ja));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1000, "1.0 kB")]
    [InlineData(123_456, "123 kB")]
    [InlineData(99_949_999, "99.9 MB")]
    [InlineData(7_400_000_000_000, "7.4 TB")]
    public void Byte_counts_use_decimal_units(long n, string text) => Assert.Equal(text, ProgressLine.Bytes(n));

    [Theory]
    [InlineData(0, "0:00")]
    [InlineData(0.2, "0:01")]
    [InlineData(59, "0:59")]
    [InlineData(61, "1:01")]
    [InlineData(3725, "1:02:05")]
    public void Time_left_is_minutes_and_seconds(double seconds, string text) => Assert.Equal(text, ProgressLine.Duration(seconds));

    /// <summary>
    /// Runs replay on copies of the sample capture with standard error on a pseudo-terminal (script(1)). The last
    /// input is a FIFO the test fills only after <see cref="Hold"/>, so the run lasts past the half second after which
    /// the rate is shown however fast the machine reads the files (a FIFO adds nothing to the total of the sizes).
    /// </summary>
    private const int Copies = 20;
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(1.5);

    private static string RunOnTerminal(string extraArgs, bool ci)
    {
        var script = ExternalTools.Require(ExternalTools.Which("script"), "script(1) (util-linux, bsdutils) is not installed: the progress line needs a terminal");
        var mkfifo = ExternalTools.Require(ExternalTools.Which("mkfifo"), "mkfifo (coreutils) is not installed: the test holds the run open with a FIFO");
        var cap = TestPaths.InRepo("captures", "sample-city.pcap");
        var topo = TestPaths.InRepo("topologies", "sample-city.yaml");
        var dll = Path.Combine(AppContext.BaseDirectory, "segverify.dll");
        var dir = Directory.CreateTempSubdirectory("segverify-progress-").FullName;
        var outFile = Path.Combine(dir, "out.jsonl");
        var fifo = Path.Combine(dir, "last.pcap");
        using (var mk = Process.Start(mkfifo, [fifo])!) mk.WaitForExit();
        string caps = string.Join(' ', Enumerable.Repeat(Quote(cap), Copies)) + " " + Quote(fifo);
        string cmd = $"dotnet {Quote(dll)} replay {caps} -t {Quote(topo)} -o {Quote(outFile)} --lang en {extraArgs}";
        var psi = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "-qec", cmd, "/dev/null" }) psi.ArgumentList.Add(a);
        psi.Environment["TERM"] = "xterm";
        psi.Environment["COLUMNS"] = "120";
        if (ci) psi.Environment["CI"] = "true";
        else psi.Environment.Remove("CI");
        // Opening a FIFO for writing waits for its reader: the run has reached the last input by then.
        var feed = Task.Run(async () =>
        {
            await Task.Delay(Hold);
            await using var w = new FileStream(fifo, FileMode.Open, FileAccess.Write);
            await w.WriteAsync(await File.ReadAllBytesAsync(cap));
        });
        try
        {
            using var p = Process.Start(psi)!;
            p.StandardInput.Close();
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "replay under script did not finish");
            Assert.True(feed.Wait(TimeSpan.FromSeconds(10)), "the FIFO was never read");
            Assert.True(File.Exists(outFile), $"no output: {so.Result} {se.Result}");
            Assert.Contains("\"event\":\"summary\"", File.ReadAllText(outFile));
            return so.Result;
        }
        finally
        {
            // A run that stopped before its last input leaves the feeder waiting for a reader: be that reader.
            if (!feed.IsCompleted)
                try { using var r = new FileStream(fifo, FileMode.Open, FileAccess.Read); r.CopyTo(Stream.Null); } catch (IOException) { }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    [SkippableFact]
    public void On_a_terminal_the_line_is_redrawn_in_place_and_erased_at_the_end()
    {
        var tty = RunOnTerminal("", ci: false);
        Assert.Contains("\r", tty);
        Assert.Contains("\u001b[K", tty);
        Assert.Matches(@"\d+(\.\d)? [kM]B / \d+(\.\d)? MB \(\d+%\)  [\d,]+ packets", tty);
        Assert.Contains(" packets/s", tty);
        Assert.Contains($"/{Copies + 1}] sample-city.pcap", tty);
        Assert.True(tty.LastIndexOf("\r\u001b[K", StringComparison.Ordinal) > tty.LastIndexOf("packets", StringComparison.Ordinal),
            "the last line drawn is erased at the end"); // nothing left on the terminal
    }

    [SkippableFact]
    public void Not_in_ci_nor_with_quiet_nor_when_standard_error_is_not_a_terminal()
    {
        Assert.DoesNotContain("packets", RunOnTerminal("", ci: true));
        Assert.DoesNotContain("packets", RunOnTerminal("--quiet", ci: false));
        Assert.DoesNotContain("packets", RunOnTerminal("2>/dev/null", ci: false));
        // a pipe, from the process itself
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "segverify.dll"), "replay", TestPaths.InRepo("captures", "sample-city.pcap"),
                     "-t", TestPaths.InRepo("topologies", "sample-city.yaml"), "--format", "jsonl" })
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("CI");
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal("", err);
        Assert.Contains("\"event\":\"summary\"", so.Result);
    }
}
