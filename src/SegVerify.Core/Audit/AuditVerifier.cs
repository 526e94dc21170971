using System.Text.Json;

namespace SegVerify.Core.Audit;

/// <summary>What is wrong with an audit log at its first problem.</summary>
public enum AuditProblem
{
    /// <summary>A record's content does not match its own hash, or the line is not a record.</summary>
    Altered,
    /// <summary>Records are missing before this line (deleted, or moved later).</summary>
    Deleted,
    /// <summary>A record that does not belong here: an extra line, a repeated or earlier sequence number, or a record whose chain link does not match the one before it.</summary>
    Inserted,
    /// <summary>The last line is cut (no line end).</summary>
    Truncated,
    /// <summary>Records are out of order: the one expected here comes later in the file (lines swapped or moved).</summary>
    Moved,
}

/// <summary>The outcome of checking an audit log: intact (with the anchor hash), or the first problem.</summary>
public sealed record AuditVerifyResult(bool Intact, long Records, long Runs, string LastHash,
    AuditProblem? Problem = null, long Line = 0, long? Sequence = null, long? ExpectedSequence = null)
{
    /// <summary>One sentence for a person, in <paramref name="language"/> ("ja" or "en").</summary>
    public string Describe(string path, string language)
    {
        bool ja = language == "ja";
        if (Intact)
            return ja
                ? $"{path}: 改ざんは検出されませんでした（記録 {Records} 件、実行 {Runs} 回、最後の記録のハッシュ {LastHash}）"
                : $"{path}: intact ({Records} records, {Runs} runs; hash of the last record {LastHash})";
        string where = $"{path}:{Line}";
        return Problem switch
        {
            AuditProblem.Altered => ja
                ? $"{where}: 記録が改変されています（内容がハッシュと一致しません{SeqJa}）"
                : $"{where}: record altered (its content does not match its hash{SeqEn})",
            AuditProblem.Deleted => ja
                ? $"{where}: この行の前の記録が削除されています（連番 {ExpectedSequence} が来るべきところに {Sequence}。{Sequence - ExpectedSequence} 件が欠落、または後ろへ移動）"
                : $"{where}: record(s) deleted before this line (expected seq {ExpectedSequence}, found {Sequence}: {Sequence - ExpectedSequence} missing, or moved later)",
            AuditProblem.Inserted => Sequence is { } s && ExpectedSequence is { } e && s != e
                ? ja
                    ? $"{where}: 記録が挿入されています（連番 {e} が来るべきところに {s}。重複、または順序の入れ替え）"
                    : $"{where}: record inserted (expected seq {e}, found {s}: repeated or moved)"
                : ja
                    ? $"{where}: 記録が挿入または差し替えられています（直前の記録とハッシュの連鎖がつながりません{SeqJa}）"
                    : $"{where}: record inserted or replaced (its link to the record before does not match{SeqEn})",
            AuditProblem.Moved => ja
                ? $"{where}: 記録の順序が入れ替えられています（連番 {ExpectedSequence} が来るべきところに {Sequence}。連番 {ExpectedSequence} は後ろの行にあります）"
                : $"{where}: records out of order (expected seq {ExpectedSequence}, found {Sequence}; seq {ExpectedSequence} comes later: lines swapped or moved)",
            AuditProblem.Truncated => ja
                ? $"{where}: 最後の行が途中で切れています"
                : $"{where}: the last line is cut (truncated)",
            _ => where,
        };
    }

    private string SeqEn => Sequence is { } s ? $"; seq {s}" : "";
    private string SeqJa => Sequence is { } s ? $"、連番 {s}" : "";
}

/// <summary>
/// Checks an audit log written by <see cref="AuditLogWriter"/>: every record's own hash, the chain of
/// <c>prev</c> hashes from the genesis value, and consecutive sequence numbers from 0. Reports the first problem.
/// </summary>
public static class AuditVerifier
{
    /// <summary>Checks the file; IOException and UnauthorizedAccessException propagate (the caller reports them).</summary>
    public static AuditVerifyResult Verify(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        return Verify(fs);
    }

    public static AuditVerifyResult Verify(Stream input)
    {
        long expected = 0, lineNo = 0, runs = 0;
        string prev = AuditRecord.Genesis;
        AuditVerifyResult? pending = null; // a gap in the sequence: deleted, unless the missing record comes later
        foreach (var (line, complete) in Lines(input))
        {
            if (pending is not null)
            {
                if (complete && TryFields(line, out long later, out _, out _) && later == pending.ExpectedSequence)
                    return pending with { Problem = AuditProblem.Moved };
                continue;
            }
            lineNo++;
            if (!complete) return Fail(AuditProblem.Truncated, lineNo, null);
            if (!AuditRecord.TryCheck(line, out var hash, out bool matches) || !matches)
                return Fail(AuditProblem.Altered, lineNo, TryFields(line, out var s0, out _, out _) ? s0 : null);
            if (!TryFields(line, out long seq, out string? linkPrev, out string? kind))
                return Fail(AuditProblem.Inserted, lineNo, null);
            if (seq > expected) { pending = Fail(AuditProblem.Deleted, lineNo, seq); continue; }
            if (seq < expected) return Fail(AuditProblem.Inserted, lineNo, seq);
            if (linkPrev != prev) return Fail(AuditProblem.Inserted, lineNo, seq);
            if (kind == "run-start") runs++;
            prev = hash;
            expected++;
        }
        if (pending is not null) return pending;
        return new AuditVerifyResult(true, expected, runs, prev);

        AuditVerifyResult Fail(AuditProblem p, long line, long? seq) =>
            new(false, expected, runs, prev, p, line, seq, expected);
    }

    private static bool TryFields(byte[] line, out long seq, out string? prev, out string? kind)
    {
        seq = -1;
        prev = kind = null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return false;
            if (!root.TryGetProperty("seq", out var s) || !s.TryGetInt64(out seq)) return false;
            prev = root.TryGetProperty("prev", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            kind = root.TryGetProperty("record", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
            return prev is not null;
        }
        catch (JsonException) { return false; }
    }

    /// <summary>The lines of the stream without their '\n', and whether each ended with one.</summary>
    private static IEnumerable<(byte[] Line, bool Complete)> Lines(Stream s)
    {
        var buf = new byte[1 << 16];
        var current = new MemoryStream();
        int n;
        while ((n = s.Read(buf, 0, buf.Length)) > 0)
        {
            int start = 0;
            while (start < n)
            {
                int nl = Array.IndexOf(buf, (byte)'\n', start, n - start);
                if (nl < 0) { current.Write(buf, start, n - start); break; }
                current.Write(buf, start, nl - start);
                yield return (current.ToArray(), true);
                current.SetLength(0);
                start = nl + 1;
            }
        }
        if (current.Length > 0) yield return (current.ToArray(), false);
    }
}
