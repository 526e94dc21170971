using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace SegVerify.Archive;

/// <summary>
/// Writes flow rows as Parquet files partitioned Hive-style by the UTC date of the flow's first packet and by sensor:
/// <c>DIR/date=YYYY-MM-DD/sensor=NAME/part-RUNID-NNNNN.parquet</c>. A file is written whole under a hidden name
/// (<c>.part-...parquet.tmp</c>) in its final folder and then renamed, so a reader that globs <c>*.parquet</c> while
/// this runs sees only complete files. Rows are buffered per date and written every <see cref="RowsPerFile"/> rows,
/// every <see cref="FlushInterval"/> (long monitor and collect runs) and at <see cref="Flush"/>.
/// </summary>
public sealed class ArchiveWriter
{
    private readonly Dictionary<DateOnly, List<FlowRow>> _pending = new();
    private readonly TimeProvider _clock;
    private long _lastFlush;
    private int _fileNo;

    /// <param name="directory">The archive's root (created when absent).</param>
    /// <param name="sensor">The partition's sensor name; must pass <see cref="IsValidSensor"/>.</param>
    public ArchiveWriter(string directory, string sensor, string? runId = null, TimeProvider? clock = null)
    {
        if (!IsValidSensor(sensor)) throw new ArgumentException($"invalid sensor name '{sensor}'", nameof(sensor));
        Directory = directory;
        Sensor = sensor;
        _clock = clock ?? TimeProvider.System;
        RunId = runId ?? NewRunId(_clock.GetUtcNow());
        _lastFlush = _clock.GetTimestamp();
    }

    public string Directory { get; }
    public string Sensor { get; }
    /// <summary>Names this run's files (UTC start time and a random suffix), so that runs never overwrite each other.</summary>
    public string RunId { get; }
    public int RowsPerFile { get; init; } = 100_000;
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Files and rows written so far.</summary>
    public int FilesWritten { get; private set; }
    public long RowsWritten { get; private set; }

    /// <summary>
    /// A sensor name usable as a folder name on every system and as a Hive partition value: 1 to 64 of
    /// A-Z a-z 0-9 . _ -, not starting with a dot.
    /// </summary>
    public static bool IsValidSensor(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-');

    /// <summary>The default sensor name: the host name with characters a partition cannot hold replaced by '-'.</summary>
    public static string DefaultSensor()
    {
        var chars = Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').ToArray();
        var s = new string(chars).TrimStart('.');
        if (s.Length > 64) s = s[..64];
        return s.Length == 0 ? "sensor" : s;
    }

    public void Add(in FlowRow row)
    {
        var date = DateOnly.FromDateTime(row.FirstTs);
        if (!_pending.TryGetValue(date, out var list)) _pending[date] = list = new List<FlowRow>();
        list.Add(row);
        if (list.Count >= RowsPerFile) WriteFile(date, list);
        else if (_clock.GetElapsedTime(_lastFlush) >= FlushInterval) Flush();
    }

    /// <summary>Writes every buffered row.</summary>
    public void Flush()
    {
        foreach (var (date, list) in _pending.OrderBy(p => p.Key))
            if (list.Count > 0) WriteFile(date, list);
        _pending.Clear();
        _lastFlush = _clock.GetTimestamp();
    }

    private void WriteFile(DateOnly date, List<FlowRow> rows)
    {
        var dir = Path.Combine(Directory, "date=" + date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "sensor=" + Sensor);
        System.IO.Directory.CreateDirectory(dir);
        string name = $"part-{RunId}-{++_fileNo:D5}.parquet";
        string tmp = Path.Combine(dir, "." + name + ".tmp");
        string final = Path.Combine(dir, name);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                FlowParquet.Write(fs, rows);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, final, overwrite: false);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { }
            throw;
        }
        FilesWritten++;
        RowsWritten += rows.Count;
        rows.Clear();
    }

    private static string NewRunId(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 4);
}
