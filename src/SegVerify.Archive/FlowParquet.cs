using Parquet;
using Parquet.Schema;

namespace SegVerify.Archive;

/// <summary>
/// The archive's Parquet schema and the writing of one file. The partition columns (<c>date</c>, <c>sensor</c>) are in
/// the folder names, not in the files (Hive style). Times are TIMESTAMP(MICROS, UTC).
/// </summary>
public static class FlowParquet
{
    private static readonly DataField FirstTs = new DateTimeDataField("first_ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
    private static readonly DataField LastTs = new DateTimeDataField("last_ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros);
    private static readonly DataField Verdict = new DataField<string>("verdict", false);
    private static readonly DataField AllowedBy = new DataField<string>("allowed_by", true);
    private static readonly DataField Proto = new DataField<string>("proto", true);
    private static readonly DataField SrcIp = new DataField<string>("src_ip", true);
    private static readonly DataField SrcPort = new DataField<int?>("src_port");
    private static readonly DataField DstIp = new DataField<string>("dst_ip", true);
    private static readonly DataField DstPort = new DataField<int?>("dst_port");
    private static readonly DataField SrcZone = new DataField<string>("src_zone", true);
    private static readonly DataField DstZone = new DataField<string>("dst_zone", true);
    private static readonly DataField SrcTier = new DataField<string>("src_tier", true);
    private static readonly DataField DstTier = new DataField<string>("dst_tier", true);
    private static readonly DataField Direction = new DataField<string>("direction", true);
    private static readonly DataField Packets = new DataField<long>("packets");
    private static readonly DataField Bytes = new DataField<long>("bytes");
    private static readonly DataField CommunityId = new DataField<string>("community_id", true);
    private static readonly DataField Vlan = new DataField<int?>("vlan");
    private static readonly DataField Tunnel = new DataField<string>("tunnel", true);
    private static readonly DataField Source = new DataField<string>("source", true);

    public static readonly ParquetSchema Schema = new(
        FirstTs, LastTs, Verdict, AllowedBy, Proto, SrcIp, SrcPort, DstIp, DstPort, SrcZone, DstZone, SrcTier, DstTier,
        Direction, Packets, Bytes, CommunityId, Vlan, Tunnel, Source);

    private static readonly ParquetOptions Options = new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Writes <paramref name="rows"/> as one row group of a new Parquet file on <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<FlowRow> rows) => WriteAsync(stream, rows).GetAwaiter().GetResult();

    private static async Task WriteAsync(Stream stream, IReadOnlyList<FlowRow> rows)
    {
        await using var writer = await ParquetWriter.CreateAsync(Schema, stream, Options);
        using var rg = writer.CreateRowGroup();
        await rg.WriteAsync<DateTime>(FirstTs, Column(rows, r => r.FirstTs));
        await rg.WriteAsync<DateTime>(LastTs, Column(rows, r => r.LastTs));
        await rg.WriteAsync(Verdict, Strings(rows, r => r.Verdict));
        await rg.WriteAsync(AllowedBy, Strings(rows, r => r.AllowedBy));
        await rg.WriteAsync(Proto, Strings(rows, r => r.Proto));
        await rg.WriteAsync(SrcIp, Strings(rows, r => r.SrcIp));
        await rg.WriteAsync<int>(SrcPort, Column(rows, r => r.SrcPort));
        await rg.WriteAsync(DstIp, Strings(rows, r => r.DstIp));
        await rg.WriteAsync<int>(DstPort, Column(rows, r => r.DstPort));
        await rg.WriteAsync(SrcZone, Strings(rows, r => r.SrcZone));
        await rg.WriteAsync(DstZone, Strings(rows, r => r.DstZone));
        await rg.WriteAsync(SrcTier, Strings(rows, r => r.SrcTier));
        await rg.WriteAsync(DstTier, Strings(rows, r => r.DstTier));
        await rg.WriteAsync(Direction, Strings(rows, r => r.Direction));
        await rg.WriteAsync<long>(Packets, Column(rows, r => r.Packets));
        await rg.WriteAsync<long>(Bytes, Column(rows, r => r.Bytes));
        await rg.WriteAsync(CommunityId, Strings(rows, r => r.CommunityId));
        await rg.WriteAsync<int>(Vlan, Column(rows, r => r.Vlan));
        await rg.WriteAsync(Tunnel, Strings(rows, r => r.Tunnel));
        await rg.WriteAsync(Source, Strings(rows, r => r.Source));
        rg.CompleteValidate();
    }

    private static ReadOnlyMemory<T> Column<T>(IReadOnlyList<FlowRow> rows, Func<FlowRow, T> get) where T : struct
    {
        var a = new T[rows.Count];
        for (int i = 0; i < a.Length; i++) a[i] = get(rows[i]);
        return a;
    }

    private static ReadOnlyMemory<T?> Column<T>(IReadOnlyList<FlowRow> rows, Func<FlowRow, T?> get) where T : struct
    {
        var a = new T?[rows.Count];
        for (int i = 0; i < a.Length; i++) a[i] = get(rows[i]);
        return a;
    }

    private static string?[] Strings(IReadOnlyList<FlowRow> rows, Func<FlowRow, string?> get)
    {
        var a = new string?[rows.Count];
        for (int i = 0; i < a.Length; i++) a[i] = get(rows[i]);
        return a;
    }
}
