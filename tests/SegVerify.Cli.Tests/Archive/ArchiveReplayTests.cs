using System.Text.Json;
using DuckDB.NET.Data;
using SegVerify.Archive;
using SegVerify.Tests.Common;
using SegVerify.Tests.Common.Archive;
using Xunit;

namespace SegVerify.Cli.Tests.Archive;

/// <summary>
/// replay --archive on the bundled sample capture, run twice as two sensors: the Parquet archive holds exactly the
/// flow events of the JSON Lines of the same runs, DuckDB's own read_parquet reads every file, and report agrees.
/// </summary>
public sealed class ArchiveReplayTests : IClassFixture<ArchiveReplayTests.TwoSensors>
{
    private static string Capture => TestPaths.InRepo("captures", "sample-city.pcap");
    private static string Topology => TestPaths.InRepo("topologies", "sample-city.yaml");

    /// <summary>Two replays of the sample capture (sensors honcho and shisho) into one archive, with their JSON Lines.</summary>
    public sealed class TwoSensors : IDisposable
    {
        public string Dir { get; } = Path.Combine(Path.GetTempPath(), "segverify-archive-" + Guid.NewGuid().ToString("N"));
        public List<(string Sensor, JsonElement Flow)> Flows { get; } = [];
        public Dictionary<string, string> Stdout { get; } = [];

        public TwoSensors()
        {
            foreach (var sensor in new[] { "honcho", "shisho" })
            {
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                int status = Program.Run(["replay", Capture, "-t", Topology, "--flows", "--format", "jsonl", "--archive", Dir, "--sensor", sensor], stdout, stderr);
                Assert.True(status == 1, $"exit {status}: {stderr}");
                Stdout[sensor] = stdout.ToString();
                foreach (var e in Lines(stdout.ToString()))
                    if (e.GetProperty("event").GetString() == "flow") Flows.Add((sensor, e));
            }
        }

        public void Dispose()
        {
            if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true);
        }
    }

    private readonly TwoSensors _runs;

    public ArchiveReplayTests(TwoSensors runs) => _runs = runs;

    private static IEnumerable<JsonElement> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone());

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;


    private List<object?[]> Query(string sql)
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        return ArchiveQuery.Rows(conn, sql).ToList();
    }

    [Fact]
    public void Files_are_partitioned_by_date_and_sensor_and_the_summary_counts_them()
    {
        var files = ArchiveQuery.Files(_runs.Dir).Select(f => Path.GetRelativePath(_runs.Dir, f).Replace('\\', '/')).OrderBy(f => f).ToList();
        Assert.Equal(2, files.Count);
        Assert.StartsWith("date=2026-04-01/sensor=honcho/part-", files[0]);
        Assert.StartsWith("date=2026-04-01/sensor=shisho/part-", files[1]);
        Assert.Empty(Directory.EnumerateFiles(_runs.Dir, ".*", SearchOption.AllDirectories)); // no temporary file left
        foreach (var (sensor, text) in _runs.Stdout)
        {
            var archive = Lines(text).Last().GetProperty("archive");
            Assert.Equal(sensor, archive.GetProperty("sensor").GetString());
            Assert.Equal(1, archive.GetProperty("files").GetInt64());
            Assert.Equal(_runs.Flows.Count(f => f.Sensor == sensor), archive.GetProperty("rows").GetInt64());
        }
    }

    [Fact]
    public void DuckDB_read_parquet_with_hive_partitioning_reads_every_file_and_row()
    {
        // DuckDB's own reader, not ours: every file is read, and rows per (sensor, verdict) equal the JSON Lines.
        var read = Query("SELECT DISTINCT filename FROM read_parquet('" + Path.Combine(_runs.Dir, "**", "*.parquet") + "', hive_partitioning = true, filename = true) ORDER BY 1")
            .Select(r => Path.GetFullPath((string)r[0]!)).ToList();
        Assert.Equal(ArchiveQuery.Files(_runs.Dir).Select(Path.GetFullPath).OrderBy(f => f, StringComparer.Ordinal), read);

        var expected = _runs.Flows.GroupBy(f => $"{f.Sensor}|{f.Flow.GetProperty("verdict").GetString()}")
            .ToDictionary(g => g.Key, g => (long)g.Count());
        var actual = Query("SELECT sensor, verdict, count(*)::BIGINT FROM read_parquet('" + Path.Combine(_runs.Dir, "**", "*.parquet") +
                           "', hive_partitioning = true) GROUP BY ALL")
            .ToDictionary(r => $"{r[0]}|{r[1]}", r => (long)r[2]!);
        Assert.Equal(54, _runs.Flows.Count); // 27 flows per run
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key));
    }

    [Fact]
    public void Every_field_of_every_flow_event_is_in_the_archive()
    {
        var expected = _runs.Flows.Select(f => ArchiveRows.Of(f.Sensor, f.Flow)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, ArchiveRows.FromArchive(_runs.Dir));
    }

    [Fact]
    public void Report_matches_counts_computed_from_the_json_lines()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, Program.Run(["report", "--archive", _runs.Dir, "--format", "jsonl", "--top", "1000"], stdout, stderr));
        var rows = Lines(stdout.ToString()).ToList();
        var summary = rows.Last();
        Assert.Equal("summary", summary.GetProperty("event").GetString());
        Assert.Equal(2, summary.GetProperty("files").GetInt64());
        Assert.Equal(_runs.Flows.Count, summary.GetProperty("flows").GetInt64());

        // Zone-to-zone matrix.
        var matrix = rows.Where(r => r.GetProperty("event").GetString() == "zone_matrix")
            .ToDictionary(r => $"{Str(r, "src_zone")}>{Str(r, "dst_zone")}", r => r.GetProperty("flows").GetInt64());
        var expectedMatrix = _runs.Flows.GroupBy(f => $"{Str(f.Flow, "src_zone")}>{Str(f.Flow, "dst_zone")}").ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expectedMatrix.OrderBy(p => p.Key), matrix.OrderBy(p => p.Key));

        // Violations by rule and sensor: every verdict that is a broken rule.
        var violations = rows.Where(r => r.GetProperty("event").GetString() == "violations")
            .ToDictionary(r => $"{Str(r, "rule")}|{Str(r, "sensor")}", r => r.GetProperty("flows").GetInt64());
        var expectedViolations = _runs.Flows.Where(f => Str(f.Flow, "verdict") is not ("allowed" or "none" or "unclassified"))
            .GroupBy(f => $"{Str(f.Flow, "verdict")}|{f.Sensor}").ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.NotEmpty(expectedViolations);
        Assert.Equal(expectedViolations.OrderBy(p => p.Key), violations.OrderBy(p => p.Key));

        // Top crossing talkers: flows and bytes per source between different zones.
        var talkers = rows.Where(r => r.GetProperty("event").GetString() == "crossing_talker")
            .ToDictionary(r => $"{Str(r, "src_ip")}|{Str(r, "src_zone")}|{Str(r, "dst_zone")}", r => (r.GetProperty("flows").GetInt64(), r.GetProperty("bytes").GetInt64()));
        var expectedTalkers = _runs.Flows.Where(f => Str(f.Flow, "src_zone") != Str(f.Flow, "dst_zone"))
            .GroupBy(f => $"{Str(f.Flow, "src_ip")}|{Str(f.Flow, "src_zone")}|{Str(f.Flow, "dst_zone")}")
            .ToDictionary(g => g.Key, g => ((long)g.Count(), g.Sum(f => f.Flow.GetProperty("bytes").GetInt64())));
        Assert.Equal(expectedTalkers.OrderBy(p => p.Key), talkers.OrderBy(p => p.Key));

        // First seen per flow class = the earliest ts of the class's flow events (microseconds).
        var classes = rows.Where(r => r.GetProperty("event").GetString() == "flow_class").ToList();
        var expectedClasses = _runs.Flows.GroupBy(f => ClassKey(f.Flow)).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expectedClasses.Count, classes.Count);
        foreach (var c in classes)
        {
            string key = ClassKey(c);
            var flows = expectedClasses[key];
            Assert.Equal(flows.Count, c.GetProperty("flows").GetInt64());
            Assert.Equal(flows.Select(f => f.Sensor).Distinct().Count(), c.GetProperty("sensors").GetInt64());
            var first = flows.Min(f => DateTimeOffset.Parse(Str(f.Flow, "ts")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(first, DateTimeOffset.Parse(Str(c, "first_seen")!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(DateTimeOffset.Parse(Str(c, "last_seen")!, System.Globalization.CultureInfo.InvariantCulture) >= first);
        }
    }

    private static string ClassKey(JsonElement e) =>
        $"{Str(e, "src_zone")}|{Str(e, "dst_zone")}|{Str(e, "proto")}|{(e.TryGetProperty("dst_port", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt64().ToString() : "")}|{Str(e, "verdict")}";

    [Fact]
    public void Report_filters_by_sensor_and_date_and_ignores_a_writers_hidden_temporary_file()
    {
        // A file being written by another process (hidden name, not yet renamed) must not be read.
        var part = Path.Combine(_runs.Dir, "date=2026-04-01", "sensor=honcho");
        var tmp = Path.Combine(part, ".part-inprogress-00001.parquet.tmp");
        File.WriteAllText(tmp, "PAR1 not finished");
        try
        {
            var stdout = new StringWriter();
            Assert.Equal(0, Program.Run(["report", "--archive", _runs.Dir, "--format", "jsonl", "--sensor", "shisho"], stdout, new StringWriter()));
            var rows = Lines(stdout.ToString()).ToList();
            Assert.Equal(_runs.Flows.Count(f => f.Sensor == "shisho"), rows.Last().GetProperty("flows").GetInt64());
            Assert.All(rows.Where(r => Str(r, "event") == "violations"), r => Assert.Equal("shisho", Str(r, "sensor")));

            stdout = new StringWriter();
            Assert.Equal(0, Program.Run(["report", "--archive", _runs.Dir, "--format", "jsonl", "--from", "2026-04-02"], stdout, new StringWriter()));
            Assert.Equal(0, Lines(stdout.ToString()).Last().GetProperty("flows").GetInt64());

            stdout = new StringWriter();
            Assert.Equal(0, Program.Run(["report", "--archive", _runs.Dir, "--format", "jsonl", "--from", "2026-04-01", "--to", "2026-04-01"], stdout, new StringWriter()));
            Assert.Equal(_runs.Flows.Count, Lines(stdout.ToString()).Last().GetProperty("flows").GetInt64());
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    [Fact]
    public void Without_flows_the_output_has_no_flow_events_but_the_archive_has_every_flow()
    {
        var dir = Path.Combine(Path.GetTempPath(), "segverify-archive-" + Guid.NewGuid().ToString("N"));
        try
        {
            var stdout = new StringWriter();
            Assert.Equal(1, Program.Run(["replay", Capture, "-t", Topology, "--format", "jsonl", "--archive", dir, "--sensor", "honcho"], stdout, new StringWriter()));
            var lines = Lines(stdout.ToString()).ToList();
            Assert.DoesNotContain(lines, l => Str(l, "event") == "flow");
            // The same findings as with --flows (less the flow events).
            var withFlows = Lines(_runs.Stdout["honcho"]).Where(l => Str(l, "event") is "violation" or "warning").Select(l => l.GetRawText()).ToList();
            Assert.Equal(withFlows, lines.Where(l => Str(l, "event") is "violation" or "warning").Select(l => l.GetRawText()).ToList());
            Assert.Equal(_runs.Flows.Count(f => f.Sensor == "honcho"), lines.Last().GetProperty("archive").GetProperty("rows").GetInt64());
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--sensor", "../etc")]
    [InlineData("--sensor", ".hidden")]
    [InlineData("--sensor", "a/b")]
    public void A_bad_sensor_name_is_a_usage_error(string option, string value)
    {
        var stderr = new StringWriter();
        Assert.Equal(2, Program.Run(["replay", Capture, "-t", Topology, "--archive", Path.Combine(Path.GetTempPath(), "segverify-unused"), option, value], new StringWriter(), stderr));
        Assert.Contains("--sensor", stderr.ToString());
    }

    [Fact]
    public void Report_on_a_missing_directory_or_a_bad_date_is_a_usage_error()
    {
        var stderr = new StringWriter();
        Assert.Equal(2, Program.Run(["report", "--archive", Path.Combine(_runs.Dir, "nope")], new StringWriter(), stderr));
        Assert.Equal(2, Program.Run(["report", "--archive", _runs.Dir, "--from", "2026-13-01"], new StringWriter(), stderr));
        Assert.Contains("YYYY-MM-DD", stderr.ToString());
    }
}
