using System.Text.Json;
using SegVerify.Tests.Common;
using SegVerify.Tests.Common.Archive;
using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>
/// monitor --archive through the live pipeline (fed from a file with --read-file: no root needed; the live capture on
/// a veth pair is in <see cref="VethEndToEndTests"/>): the Parquet archive holds exactly the flow events of the JSON
/// Lines of the same run, and without --flows the archive still has every flow.
/// </summary>
public sealed class MonitorArchiveTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "segverify-monitor-archive-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (int Code, string Out, string Err) Monitor(string archive, bool flows, params string[] more)
    {
        Requirements.RequireLibpcap();
        string[] args = ["monitor", "--interface", "unused", "--read-file", TestPaths.InRepo("captures", "sample-city.pcap"),
            "--topology", TestPaths.InRepo("topologies", "sample-city.yaml"), "--format", "jsonl", "--stats-interval", "0", "--quiet",
            "--archive", archive, "--sensor", "mon1", .. more];
        return FindingKeys.Run(flows ? [.. args, "--flows"] : args);
    }

    [SkippableFact]
    public void The_archive_rows_equal_the_flow_events_of_the_same_run()
    {
        var archive = Path.Combine(_dir, "a");
        var r = Monitor(archive, flows: true);
        Assert.True(r.Code == 1, $"exit {r.Code}: {r.Err}");
        var flows = ArchiveRows.FromJsonl("mon1", r.Out);
        Assert.Equal(27, flows.Count); // the sample's flows, as replay archives them
        Assert.Equal(flows, ArchiveRows.FromArchive(archive));
        var summary = JsonDocument.Parse(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(27, summary.GetProperty("archive").GetProperty("rows").GetInt64());
        Assert.Equal("mon1", summary.GetProperty("archive").GetProperty("sensor").GetString());
    }

    [SkippableFact]
    public void Without_flows_the_output_has_none_and_the_archive_has_the_same_rows()
    {
        var withFlows = Monitor(Path.Combine(_dir, "a"), flows: true);
        var archive = Path.Combine(_dir, "b");
        var r = Monitor(archive, flows: false);
        Assert.True(r.Code == 1, $"exit {r.Code}: {r.Err}");
        Assert.Empty(ArchiveRows.FlowEvents(r.Out));
        Assert.Equal(ArchiveRows.FromJsonl("mon1", withFlows.Out), ArchiveRows.FromArchive(archive));
    }
}
