using SegVerify.Core.Output;

namespace SegVerify.Archive;

/// <summary>One flow record as the archive stores it (one Parquet row), taken from a <c>"event":"flow"</c> finding.</summary>
public readonly record struct FlowRow(
    DateTime FirstTs, DateTime LastTs, string Verdict, string? AllowedBy, string? Proto,
    string? SrcIp, int? SrcPort, string? DstIp, int? DstPort,
    string? SrcZone, string? DstZone, string? SrcTier, string? DstTier, string? Direction,
    long Packets, long Bytes, string? CommunityId, int? Vlan, string? Tunnel, string? Source)
{
    /// <summary>The row for a flow event. <c>source</c> is the capture (replay) or the exporter (collect).</summary>
    public static FlowRow From(FlowEvent f)
    {
        long first = f.TimestampNs;
        long last = f.LastTimestampNs >= first ? f.LastTimestampNs : first;
        string? source = f.Capture;
        if (f.Extra is not null)
            foreach (var (k, v) in f.Extra)
                if (k == "exporter" && v is string s) source = s;
        return new FlowRow(
            ToUtc(first), ToUtc(last), f.Verdict, f.AllowedBy, FindingFormat.Proto(f),
            f.SrcIp?.ToString(), f.SrcPort, f.DstIp?.ToString(), f.DstPort,
            f.SrcZone, f.DstZone, f.SrcTier, f.DstTier, f.Direction,
            f.Packets ?? 0, f.Bytes ?? 0, f.CommunityId, f.Vlan, TunnelText(f.Tunnel), source);
    }

    /// <summary>ns since the epoch to a UTC DateTime (100 ns ticks; the archive keeps microseconds).</summary>
    public static DateTime ToUtc(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);

    /// <summary>The encapsulations, outermost first, as <c>type[:id]</c> joined by <c>/</c> (e.g. <c>vxlan:42/gre</c>); null when none.</summary>
    private static string? TunnelText(IReadOnlyList<SegVerify.Core.Flows.TunnelInfo>? tunnel)
    {
        if (tunnel is null || tunnel.Count == 0) return null;
        return string.Join('/', tunnel.Select(t => t.Id is { } id ? $"{t.Type}:{id}" : t.Type));
    }
}
