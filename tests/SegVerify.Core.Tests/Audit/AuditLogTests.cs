using System.Text;
using System.Text.Json;
using SegVerify.Core.Audit;
using SegVerify.Core.Engine;
using SegVerify.Core.Output;
using Xunit;

namespace SegVerify.Core.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segv-audit-").FullName;
    private string LogPath => Path.Combine(_dir, "audit.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Finding F(int i) => new()
    {
        Rule = RuleIds.ZoneCrossing,
        Args = new MessageArgs
        {
            Src = SegVerify.Core.Net.IpAddr.Parse($"10.0.0.{i}"), SrcZone = "a",
            Dst = SegVerify.Core.Net.IpAddr.Parse("10.9.9.9"), DstZone = "b", Protocol = 6, Port = 445,
        },
        Capture = "c.pcap",
    };

    /// <summary>One run: run-start, <paramref name="findings"/> findings, run-end.</summary>
    private void WriteRun(int findings, string input = "c.pcap")
    {
        using var log = AuditLogWriter.Open(LogPath, "en");
        using var sink = new AuditSink(new NullSink(), log, new AuditRunStart("replay", ["replay", input],
            [new AuditInput("capture", input, new string('a', 64), 10)]));
        sink.Begin(new RunInfo("replay", "t.yaml", "00", "en"));
        var summary = new RunSummary();
        for (int i = 0; i < findings; i++) { var f = F(i); sink.OnFinding(f); summary.Count(f); }
        sink.End(summary);
    }

    private sealed class NullSink : IFindingSink
    {
        public void Begin(RunInfo info) { }
        public void OnFinding(Finding finding) { }
        public void OnFlow(FlowEvent flow) { }
        public void End(RunSummary summary) { }
        public void Dispose() { }
    }

    private string[] Lines() => File.ReadAllText(LogPath).Split('\n')[..^1];
    private void WriteLines(IEnumerable<string> lines) => File.WriteAllText(LogPath, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public void RecordsAreChainedAndTheRunStartNamesToolVersionAndInputs()
    {
        WriteRun(3);
        var lines = Lines();
        Assert.Equal(5, lines.Length);
        var docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["run-start", "finding", "finding", "finding", "run-end"], docs.Select(d => d.GetProperty("record").GetString()));
        Assert.Equal([0L, 1, 2, 3, 4], docs.Select(d => d.GetProperty("seq").GetInt64()));
        Assert.Equal(AuditRecord.Genesis, docs[0].GetProperty("prev").GetString());
        for (int i = 1; i < docs.Count; i++)
            Assert.Equal(docs[i - 1].GetProperty("hash").GetString(), docs[i].GetProperty("prev").GetString());
        // The hash is the SHA-256 of the line without its hash field.
        var body = lines[2][..lines[2].LastIndexOf(",\"hash\":", StringComparison.Ordinal)] + "}";
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body))), docs[2].GetProperty("hash").GetString());
        Assert.Equal("segverify", docs[0].GetProperty("tool").GetString());
        Assert.Equal(AuditLogWriter.ToolVersion, docs[0].GetProperty("version").GetString());
        Assert.Equal("c.pcap", docs[0].GetProperty("inputs")[0].GetProperty("path").GetString());
        Assert.Equal(new string('a', 64), docs[0].GetProperty("inputs")[0].GetProperty("sha256").GetString());
        // the message and clause in the run's language (RunInfo: "en")
        Assert.Equal("Zone crossing without a rule: 10.0.0.1 (a) -> 10.9.9.9 (b) tcp/445. Add an allow rule if it is needed, otherwise filter it.",
            docs[2].GetProperty("finding").GetProperty("message").GetString());
        Assert.Equal("Restricted paths: a crossing between zones that no rule permits", docs[2].GetProperty("finding").GetProperty("clause").GetString());
        Assert.False(docs[4].GetProperty("interrupted").GetBoolean());
        Assert.Equal(3, docs[4].GetProperty("summary").GetProperty("violations").GetInt64());
        var r = AuditVerifier.Verify(LogPath);
        Assert.True(r.Intact);
        Assert.Equal((5L, 1L, docs[4].GetProperty("hash").GetString()), (r.Records, r.Runs, r.LastHash));
    }

    [Fact]
    public void AppendingAcrossRunsKeepsTheChain()
    {
        WriteRun(2);
        WriteRun(1, "d.pcap");
        var lines = Lines();
        Assert.Equal(7, lines.Length);
        var d4 = JsonDocument.Parse(lines[4]).RootElement;
        Assert.Equal("run-start", d4.GetProperty("record").GetString());
        Assert.Equal(4, d4.GetProperty("seq").GetInt64());
        Assert.Equal(JsonDocument.Parse(lines[3]).RootElement.GetProperty("hash").GetString(), d4.GetProperty("prev").GetString());
        var r = AuditVerifier.Verify(LogPath);
        Assert.True(r.Intact, r.Describe(LogPath, "en"));
        Assert.Equal((7L, 2L), (r.Records, r.Runs));
    }

    [Fact]
    public void OneChangedByteIsReportedAtItsLine()
    {
        WriteRun(3);
        var bytes = File.ReadAllBytes(LogPath);
        var lines = Lines();
        int at = lines[0].Length + 1 + lines[1].Length + 1 + lines[2].IndexOf("10.0.0.1 (a)", StringComparison.Ordinal) + "10.0.0.".Length;
        bytes[at] = (byte)'7'; // "10.0.0.1" -> "10.0.0.7" in the message: still valid JSON
        File.WriteAllBytes(LogPath, bytes);
        var r = AuditVerifier.Verify(LogPath);
        Assert.False(r.Intact);
        Assert.Equal((AuditProblem.Altered, 3L, (long?)2), (r.Problem, r.Line, r.Sequence));
        Assert.Equal($"{LogPath}:3: record altered (its content does not match its hash; seq 2)", r.Describe(LogPath, "en"));
        Assert.Equal($"{LogPath}:3: 記録が改変されています（内容がハッシュと一致しません、連番 2）", r.Describe(LogPath, "ja"));
    }

    [Fact]
    public void AChangedLastRecordIsDetected()
    {
        WriteRun(1);
        var lines = Lines();
        lines[^1] = lines[^1].Replace("\"violations\":1", "\"violations\":0");
        WriteLines(lines);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Altered, 3L), (r.Problem, r.Line));
    }

    [Fact]
    public void ARemovedLineIsReportedAsDeleted()
    {
        WriteRun(3);
        var lines = Lines().ToList();
        lines.RemoveAt(2);
        WriteLines(lines);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Deleted, 3L, (long?)3, (long?)2), (r.Problem, r.Line, r.Sequence, r.ExpectedSequence));
        Assert.Contains("record(s) deleted before this line (expected seq 2, found 3", r.Describe(LogPath, "en"));
    }

    [Fact]
    public void TheFirstLineRemovedIsReportedAsDeleted()
    {
        WriteRun(1);
        WriteLines(Lines().Skip(1));
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Deleted, 1L), (r.Problem, r.Line));
    }

    [Fact]
    public void TwoSwappedLinesAreReportedAsMoved()
    {
        WriteRun(3);
        var lines = Lines();
        (lines[1], lines[2]) = (lines[2], lines[1]);
        WriteLines(lines);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Moved, 2L, (long?)2, (long?)1), (r.Problem, r.Line, r.Sequence, r.ExpectedSequence));
        Assert.Contains("records out of order (expected seq 1, found 2", r.Describe(LogPath, "en"));
    }

    [Fact]
    public void ADuplicatedLineIsReportedAsInserted()
    {
        WriteRun(2);
        var lines = Lines().ToList();
        lines.Insert(2, lines[1]);
        WriteLines(lines);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Inserted, 3L, (long?)1), (r.Problem, r.Line, r.Sequence));
    }

    [Fact]
    public void AForgedRecordWithItsOwnValidHashIsCaughtByTheChain()
    {
        WriteRun(2);
        var lines = Lines();
        // Replace record 1 by a well-sealed record with the right seq but another prev: its own hash is valid.
        var forged = $"{{\"seq\":1,\"prev\":\"{new string('f', 64)}\",\"record\":\"finding\",\"finding\":{{\"message\":\"x\"}}}}";
        lines[1] = Encoding.UTF8.GetString(AuditRecord.Seal(Encoding.UTF8.GetBytes(forged)).Line);
        WriteLines(lines);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Inserted, 2L, (long?)1), (r.Problem, r.Line, r.Sequence));
    }

    [Fact]
    public void ATruncatedLastLineIsReportedAndNotAppendedTo()
    {
        WriteRun(2);
        var bytes = File.ReadAllBytes(LogPath);
        File.WriteAllBytes(LogPath, bytes[..^20]);
        var r = AuditVerifier.Verify(LogPath);
        Assert.Equal((AuditProblem.Truncated, 4L), (r.Problem, r.Line));
        var ex = Assert.Throws<AuditLogException>(() => AuditLogWriter.Open(LogPath, "en"));
        Assert.Contains("ends with a cut record", ex.Message);
    }

    [Fact]
    public void AnAlteredLastRecordIsNotAppendedTo()
    {
        WriteRun(1);
        var lines = Lines();
        lines[^1] = lines[^1].Replace("\"interrupted\":false", "\"interrupted\":true");
        WriteLines(lines);
        var ex = Assert.Throws<AuditLogException>(() => AuditLogWriter.Open(LogPath, "ja"));
        Assert.Contains("最後の記録が改変されています", ex.Message);
    }

    [Fact]
    public void AnEmptyLogIsIntact()
    {
        File.WriteAllText(LogPath, "");
        var r = AuditVerifier.Verify(LogPath);
        Assert.True(r.Intact);
        Assert.Equal(0, r.Records);
    }
}
