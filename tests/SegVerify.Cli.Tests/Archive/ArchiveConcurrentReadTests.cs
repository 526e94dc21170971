using System.Diagnostics;
using System.Text.Json;
using DuckDB.NET.Data;
using SegVerify.Archive;
using SegVerify.Tests.Common;
using Xunit;

namespace SegVerify.Cli.Tests.Archive;

/// <summary>
/// Two processes on one archive: another process appends to it (one replay --archive after another, each adding one
/// Parquet file of the sample's 27 flows) while this one reads it again and again with <c>segverify report</c> and
/// with DuckDB's own read_parquet. A reader must never see a partial file nor fail: every read succeeds and holds
/// whole files only (rows = 27 x files read), and the counts only grow.
/// </summary>
public sealed class ArchiveConcurrentReadTests : IDisposable
{
    private const int FlowsPerRun = 27;
    private const int Runs = 6;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-archive-2p-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>The writer: a shell that runs <see cref="Runs"/> replays one after the other, all into the archive.</summary>
    private Process StartWriter()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "segverify.dll");
        string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
        string replay = $"dotnet {Q(dll)} replay {Q(TestPaths.InRepo("captures", "sample-city.pcap"))} -t {Q(TestPaths.InRepo("topologies", "sample-city.yaml"))} " +
                        $"--archive {Q(_dir)} --sensor writer --format jsonl -o /dev/null --no-capture-hash --lang en";
        // replay exits 1 (the sample has violations); anything else stops the loop with that status
        string script = $"i=0; while [ $i -lt {Runs} ]; do {replay}; s=$?; [ $s -eq 1 ] || exit $s; i=$((i+1)); done; exit 0";
        var psi = new ProcessStartInfo("sh", ["-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task A_reader_never_sees_a_partial_file_while_another_process_appends()
    {
        Directory.CreateDirectory(_dir);
        using var writer = StartWriter();
        var writerErr = writer.StandardError.ReadToEndAsync();
        var writerOut = writer.StandardOutput.ReadToEndAsync();
        int readsWhileWriting = 0, readsWithFiles = 0;
        long lastFiles = 0, lastRows = 0;
        var until = Stopwatch.StartNew();
        while (true)
        {
            bool writing = !writer.HasExited;
            var (files, rows) = ReadOnce();
            Assert.True(files >= lastFiles && rows >= lastRows, $"counts went back: {files} files, {rows} rows after {lastFiles}, {lastRows}");
            (lastFiles, lastRows) = (files, rows);
            if (writing) readsWhileWriting++;
            if (writing && files > 0) readsWithFiles++;
            if (!writing) break;
            Assert.True(until.Elapsed < TimeSpan.FromMinutes(10), "the writer did not finish in 10 minutes");
        }
        await writer.WaitForExitAsync();
        Assert.True(writer.ExitCode == 0, $"writer exit {writer.ExitCode}: {await writerErr}{await writerOut}");
        Console.WriteLine($"{readsWhileWriting} reads while the other process wrote ({readsWithFiles} with files present)");
        Assert.True(readsWithFiles >= 2, $"only {readsWithFiles} reads overlapped the writes with files present");

        // at the end: every run's file, whole
        var final = ReadOnce();
        Assert.Equal((Runs, (long)Runs * FlowsPerRun), final);
        Assert.Empty(Directory.EnumerateFiles(_dir, ".*", SearchOption.AllDirectories)); // no temporary file left behind
    }

    /// <summary>
    /// One read of the archive by each reader; asserts that each sees whole files only. Returns the files and rows
    /// DuckDB read (0, 0 before the first file).
    /// </summary>
    private (long Files, long Rows) ReadOnce()
    {
        // segverify report (the product's reader): succeeds, and its flow count is a whole number of runs
        var r = InProcessCli.Run("report", "--archive", _dir, "--format", "jsonl", "--lang", "en");
        Assert.True(r.Exit == 0, $"report failed while the archive was being written: exit {r.Exit}: {r.Err}");
        var summary = JsonDocument.Parse(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        long reported = summary.GetProperty("flows").GetInt64();
        Assert.True(reported % FlowsPerRun == 0, $"report saw {reported} flows: not whole files of {FlowsPerRun}");
        Assert.True(reported >= summary.GetProperty("files").GetInt64() * FlowsPerRun, r.Out);

        // DuckDB's own reader over the same glob: rows per file read are whole
        if (ArchiveQuery.Files(_dir).Count == 0) return (0, 0);
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        var rows = ArchiveQuery.Rows(conn, "SELECT filename, count(*)::BIGINT FROM read_parquet('" +
                                           Path.Combine(_dir, "**", "*.parquet").Replace("'", "''") + "', filename = true) GROUP BY filename").ToList();
        foreach (var row in rows)
        {
            Assert.DoesNotContain("/.", (string)row[0]!); // never a writer's hidden temporary file
            Assert.Equal((long)FlowsPerRun, (long)row[1]!);
        }
        return (rows.Count, rows.Sum(x => (long)x[1]!));
    }
}
