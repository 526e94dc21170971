using System.Globalization;
using DuckDB.NET.Data;

namespace SegVerify.Archive;

/// <summary>Which part of the archive a report reads: a date range (inclusive, UTC dates) and a sensor.</summary>
public sealed record ArchiveFilter(DateOnly? From, DateOnly? To, string? Sensor);

public sealed record ZonePairCount(string? SrcZone, string? DstZone, long Flows);
public sealed record ViolationCount(string Rule, string Sensor, long Flows);
public sealed record CrossingTalker(string? SrcIp, string? SrcZone, string? DstZone, long Flows, long Bytes, long Destinations);
public sealed record FlowClass(string? SrcZone, string? DstZone, string? Proto, int? DstPort, string Verdict, long Flows,
                               long FirstSeenUs, long LastSeenUs, long Sensors);

/// <summary>The answers of <c>segverify report --archive</c>.</summary>
public sealed class ArchiveReportData
{
    public long Files { get; init; }
    public long Flows { get; set; }
    public List<ZonePairCount> Matrix { get; } = [];
    public List<ViolationCount> Violations { get; } = [];
    public List<CrossingTalker> Talkers { get; } = [];
    public List<FlowClass> Classes { get; } = [];
}

/// <summary>
/// Queries a flow archive through embedded DuckDB: <c>read_parquet('DIR/**/*.parquet', hive_partitioning = true)</c>
/// with the partition columns typed (<c>date</c> DATE, <c>sensor</c> VARCHAR). The same SQL is in docs/archive.md.
/// </summary>
public static class ArchiveQuery
{
    /// <summary>Verdicts of a flow event that are not a broken rule.</summary>
    public const string NotViolation = "('allowed', 'none', 'unclassified')";

    /// <summary>The Parquet files a reader sees (hidden temporary files of a writer are not among them).</summary>
    public static List<string> Files(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.parquet", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.')).ToList()
            : [];

    /// <summary>The <c>FROM</c> source over the archive.</summary>
    public static string Source(string directory) =>
        $"read_parquet('{Escape(Path.Combine(Path.GetFullPath(directory), "**", "*.parquet"))}', hive_partitioning = true, hive_types = {{'date': DATE, 'sensor': VARCHAR}})";

    public static ArchiveReportData Run(string directory, ArchiveFilter filter, int top)
    {
        var files = Files(directory);
        var data = new ArchiveReportData { Files = files.Count };
        if (files.Count == 0) return data;

        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        Execute(conn, $"CREATE TEMP VIEW flows AS SELECT * FROM {Source(directory)}{Where(filter)}");

        foreach (var r in Rows(conn, "SELECT count(*)::BIGINT FROM flows"))
            data.Flows = (long)r[0]!;
        foreach (var r in Rows(conn, "SELECT src_zone, dst_zone, count(*)::BIGINT FROM flows GROUP BY ALL ORDER BY 1, 2"))
            data.Matrix.Add(new((string?)r[0], (string?)r[1], (long)r[2]!));
        foreach (var r in Rows(conn, $"SELECT verdict, sensor, count(*)::BIGINT FROM flows WHERE verdict NOT IN {NotViolation} GROUP BY ALL ORDER BY 3 DESC, 1, 2"))
            data.Violations.Add(new((string)r[0]!, (string)r[1]!, (long)r[2]!));
        foreach (var r in Rows(conn,
                     "SELECT src_ip, src_zone, dst_zone, count(*)::BIGINT AS n, sum(bytes)::BIGINT AS b, count(DISTINCT dst_ip)::BIGINT " +
                     $"FROM flows WHERE src_zone <> dst_zone GROUP BY ALL ORDER BY n DESC, b DESC, 1, 2, 3 LIMIT {top}"))
            data.Talkers.Add(new((string?)r[0], (string?)r[1], (string?)r[2], (long)r[3]!, (long)r[4]!, (long)r[5]!));
        foreach (var r in Rows(conn,
                     "SELECT src_zone, dst_zone, proto, dst_port, verdict, count(*)::BIGINT, epoch_us(min(first_ts))::BIGINT, " +
                     "epoch_us(max(last_ts))::BIGINT, count(DISTINCT sensor)::BIGINT FROM flows GROUP BY ALL ORDER BY 1, 2, 3, 4, 5"))
            data.Classes.Add(new((string?)r[0], (string?)r[1], (string?)r[2], (int?)r[3], (string)r[4]!, (long)r[5]!,
                (long)r[6]!, (long)r[7]!, (long)r[8]!));
        return data;
    }

    /// <summary>The filter as a WHERE clause; the values are validated (dates parsed, sensor names restricted) before they get here.</summary>
    private static string Where(ArchiveFilter f)
    {
        var parts = new List<string>();
        if (f.From is { } from) parts.Add($"date >= DATE '{from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'");
        if (f.To is { } to) parts.Add($"date <= DATE '{to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}'");
        if (f.Sensor is { } s) parts.Add($"sensor = '{Escape(s)}'");
        return parts.Count == 0 ? "" : " WHERE " + string.Join(" AND ", parts);
    }

    private static string Escape(string s) => s.Replace("'", "''", StringComparison.Ordinal);

    private static void Execute(DuckDBConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Each row of <paramref name="sql"/> as its values (DBNull as null).</summary>
    public static IEnumerable<object?[]> Rows(DuckDBConnection conn, string sql)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            yield return row;
        }
    }
}
