using System.Text.Json;
using DuckDB.NET.Data;
using SegVerify.Archive;

namespace SegVerify.Tests.Common.Archive;

/// <summary>
/// The rows of a Parquet archive (<c>--archive DIR</c>) and the <c>"event":"flow"</c> records of the JSON Lines of the
/// same runs, each flow as one comparable key of every archived field, so a test asserts that they are equal.
/// Linked into the test projects that archive (Cli.Tests, Live.Tests).
/// </summary>
public static class ArchiveRows
{
    private static string Key(string? sensor, string? cid, string? verdict, string? src, long? sport, string? dst, long? dport, string? proto,
                              string? sz, string? dz, string? st, string? dt, long packets, long bytes, string? allowedBy, string? firstTs) =>
        string.Join('|', sensor, cid, verdict, src, sport, dst, dport, proto, sz, dz, st, dt, packets, bytes, allowedBy, firstTs);

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The key of one flow event of sensor <paramref name="sensor"/>.</summary>
    public static string Of(string sensor, JsonElement flow) =>
        Key(sensor, Str(flow, "community_id"), Str(flow, "verdict"), Str(flow, "src_ip"),
            flow.TryGetProperty("src_port", out var sp) ? sp.GetInt64() : null, Str(flow, "dst_ip"),
            flow.TryGetProperty("dst_port", out var dp) ? dp.GetInt64() : null, Str(flow, "proto"),
            Str(flow, "src_zone"), Str(flow, "dst_zone"), Str(flow, "src_tier"), Str(flow, "dst_tier"),
            flow.GetProperty("packets").GetInt64(), flow.GetProperty("bytes").GetInt64(), Str(flow, "allowed_by"), Microseconds(Str(flow, "ts")));

    /// <summary>
    /// An RFC 3339 UTC time with its fraction cut or padded to microseconds, the archive's resolution (a live capture
    /// gives nanoseconds: <c>...00.111250000Z</c> is archived as <c>...00.111250Z</c>).
    /// </summary>
    private static string? Microseconds(string? ts)
    {
        if (ts is null || !ts.EndsWith('Z')) return ts;
        int dot = ts.IndexOf('.');
        string whole = dot < 0 ? ts[..^1] : ts[..dot];
        string fraction = dot < 0 ? "" : ts[(dot + 1)..^1];
        return whole + "." + (fraction.Length >= 6 ? fraction[..6] : fraction.PadRight(6, '0')) + "Z";
    }

    /// <summary>The flow events of a JSON Lines output.</summary>
    public static List<JsonElement> FlowEvents(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .Where(e => e.GetProperty("event").GetString() == "flow").ToList();

    /// <summary>The keys of the flow events of a JSON Lines output written by sensor <paramref name="sensor"/>, sorted.</summary>
    public static List<string> FromJsonl(string sensor, string jsonl) =>
        FlowEvents(jsonl).Select(f => Of(sensor, f)).OrderBy(k => k, StringComparer.Ordinal).ToList();

    /// <summary>
    /// The keys of every row of the archive under <paramref name="dir"/>, read by DuckDB (with the Hive partition
    /// columns), sorted; and each row's <c>last_ts</c> is checked not to be before its <c>first_ts</c>.
    /// </summary>
    public static List<string> FromArchive(string dir)
    {
        using var conn = new DuckDBConnection("Data Source=:memory:");
        conn.Open();
        return ArchiveQuery.Rows(conn, "SELECT sensor, community_id, verdict, src_ip, src_port, dst_ip, dst_port, proto, src_zone, dst_zone, src_tier, dst_tier, " +
                                       "packets, bytes, allowed_by, strftime(first_ts, '%Y-%m-%dT%H:%M:%S.%fZ'), last_ts >= first_ts FROM " + ArchiveQuery.Source(dir))
            .Select(r =>
            {
                if (!(bool)r[16]!) throw new InvalidDataException($"a row of {dir} ends before it begins: {string.Join('|', r)}");
                return Key((string?)r[0], (string?)r[1], (string?)r[2], (string?)r[3], (int?)r[4], (string?)r[5], (int?)r[6], (string?)r[7],
                    (string?)r[8], (string?)r[9], (string?)r[10], (string?)r[11], (long)r[12]!, (long)r[13]!, (string?)r[14], (string?)r[15]);
            })
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
    }
}
