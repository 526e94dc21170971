using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SegVerify.Core.Output;

namespace SegVerify.Core.Audit;

/// <summary>
/// Appends sealed, hash-chained records to an audit log (JSON Lines, see docs/audit-log.md). Opening an existing log
/// continues its chain from its last record, after checking that record's seal; a log whose last line is cut or
/// altered is refused rather than extended. Each record is written with one write and flushed to the operating
/// system; the file is synced to disk when the writer is disposed.
/// </summary>
public sealed class AuditLogWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly string _path;
    private readonly bool _ja;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private long _seq;
    private string _prev;
    private bool _disposed;

    public string Path => _path;
    /// <summary>The hash of the last record written (or found), to be kept elsewhere as the log's anchor.</summary>
    public string LastHash => _prev;
    public long NextSequence => _seq;

    private AuditLogWriter(FileStream file, string path, long seq, string prev, bool ja)
    {
        _file = file;
        _path = path;
        _seq = seq;
        _prev = prev;
        _ja = ja;
    }

    /// <summary>Opens (or creates) the log at <paramref name="path"/> for appending. Throws <see cref="AuditLogException"/>.</summary>
    public static AuditLogWriter Open(string path, string language)
    {
        bool ja = language == "ja";
        FileStream fs;
        try
        {
            fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string why = Localization.Messages.IoError(ex, language, path);
            throw new AuditLogException(ja ? $"監査ログ {path} を開けません: {why}" : $"cannot open the audit log {path}: {why}", ex);
        }
        try
        {
            var (seq, prev) = ReadTail(fs, path, ja);
            fs.Seek(0, SeekOrigin.End);
            return new AuditLogWriter(fs, path, seq, prev, ja);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>The next sequence number and the last record's hash; the genesis values for an empty file.</summary>
    private static (long Seq, string Prev) ReadTail(FileStream fs, string path, bool ja)
    {
        long len = fs.Length;
        if (len == 0) return (0, AuditRecord.Genesis);
        fs.Seek(len - 1, SeekOrigin.Begin);
        if (fs.ReadByte() != '\n')
            throw new AuditLogException(ja
                ? $"監査ログ {path} の最後の行が途中で切れています。追記せずに終了します（segverify audit verify {path} で確認し、新しいログを始めてください）"
                : $"the audit log {path} ends with a cut record; not appending to it (check it with 'segverify audit verify {path}' and start a new log)");
        // The last line: back from the final newline to the one before it.
        const int MaxRecord = 16 << 20;
        long end = len - 1, start = end;
        var chunk = new byte[64 * 1024];
        while (start > 0 && end - start < MaxRecord)
        {
            int n = (int)Math.Min(chunk.Length, start);
            fs.Seek(start - n, SeekOrigin.Begin);
            fs.ReadExactly(chunk, 0, n);
            int nl = chunk.AsSpan(0, n).LastIndexOf((byte)'\n');
            if (nl >= 0) { start = start - n + nl + 1; break; }
            start -= n;
        }
        var line = new byte[end - start];
        fs.Seek(start, SeekOrigin.Begin);
        fs.ReadExactly(line);
        if (!AuditRecord.TryCheck(line, out var hash, out bool matches) || !matches || !TryReadSeq(line, out long seq))
            throw new AuditLogException(ja
                ? $"監査ログ {path} の最後の記録が改変されています。追記せずに終了します（segverify audit verify {path} で確認してください）"
                : $"the last record of the audit log {path} does not match its hash; not appending to it (check it with 'segverify audit verify {path}')");
        return (seq + 1, hash);
    }

    internal static bool TryReadSeq(ReadOnlySpan<byte> line, out long seq)
    {
        seq = -1;
        try
        {
            var r = new Utf8JsonReader(line);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                bool isSeq = r.ValueTextEquals("seq"u8);
                if (!r.Read()) return false;
                if (isSeq) return r.TokenType == JsonTokenType.Number && r.TryGetInt64(out seq);
                r.Skip();
            }
        }
        catch (JsonException) { }
        return false;
    }

    /// <summary>The first record of a run: the tool and its version, the command, its arguments and every input with its hash.</summary>
    public void WriteRunStart(AuditRunStart start)
    {
        Write("run-start", w =>
        {
            w.WriteString("tool", "segverify");
            w.WriteString("version", ToolVersion);
            w.WriteString("command", start.Command);
            w.WriteStartArray("arguments");
            foreach (var a in start.Arguments) w.WriteStringValue(a);
            w.WriteEndArray();
            w.WriteString("host", Environment.MachineName);
            w.WriteString("user", Environment.UserName);
            w.WriteNumber("pid", Environment.ProcessId);
            w.WriteStartArray("inputs");
            foreach (var i in start.Inputs)
            {
                w.WriteStartObject();
                w.WriteString("kind", i.Kind);
                w.WriteString("path", i.Path);
                if (i.Sha256 is null) w.WriteNull("sha256"); else w.WriteString("sha256", i.Sha256);
                if (i.Bytes is { } b) w.WriteNumber("bytes", b);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>One finding, exactly as the JSON Lines output writes it (message and clause in <paramref name="lang"/>), under <c>"finding"</c>.</summary>
    public void WriteFinding(Finding f, string lang) => Write("finding", w =>
    {
        w.WritePropertyName("finding");
        FindingJson.WriteObject(w, f, lang);
    });

    /// <summary>The last record of a run: the summary (counts, capture hashes), and whether the run was interrupted.</summary>
    public void WriteRunEnd(RunSummary s, bool interrupted) => Write("run-end", w =>
    {
        w.WriteBoolean("interrupted", interrupted);
        w.WriteStartObject("summary");
        w.WriteStartArray("captures");
        foreach (var c in s.Captures)
        {
            w.WriteStartObject();
            w.WriteString("file", c.Name);
            if (c.Sha256 is null) w.WriteNull("sha256"); else w.WriteString("sha256", c.Sha256);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        FindingJson.WriteSummaryFields(w, s);
        w.WriteEndObject();
    });

    private void Write(string kind, Action<Utf8JsonWriter> content)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = FindingJson.Encoder }))
        {
            w.WriteStartObject();
            w.WriteNumber("seq", _seq);
            w.WriteString("prev", _prev);
            w.WriteString("record", kind);
            w.WriteString("ts", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            content(w);
            w.WriteEndObject();
        }
        var (line, hash) = AuditRecord.Seal(_buffer.WrittenSpan);
        var full = new byte[line.Length + 1];
        line.CopyTo(full, 0);
        full[^1] = (byte)'\n';
        try
        {
            _file.Write(full);
            _file.Flush();
        }
        catch (IOException ex)
        {
            string why = Localization.Messages.IoError(ex, _ja ? "ja" : "en", _path);
            throw new AuditLogException(_ja ? $"監査ログ {_path} に書き込めません: {why}" : $"cannot write the audit log {_path}: {why}", ex);
        }
        _seq++;
        _prev = hash;
    }

    /// <summary>The tool's version as recorded in run-start records.</summary>
    public static string ToolVersion { get; } =
        typeof(AuditLogWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { _file.Flush(flushToDisk: true); }
        catch (IOException) { }
        _file.Dispose();
    }
}
