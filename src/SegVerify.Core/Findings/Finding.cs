using SegVerify.Core.Net;

namespace SegVerify.Core.Findings;

/// <summary>
/// One finding, built only when something is reported (never on the per-packet path).
/// Field names follow the JSON Lines contract; null fields are omitted from output.
/// </summary>
public sealed record Finding
{
    public required string Rule { get; init; }
    public Severity Severity => RuleIds.SeverityOf(Rule);
    /// <summary>True for an <c>"event":"flow"</c> record (with --flows): <see cref="Rule"/> then holds the verdict.</summary>
    public bool IsFlowEvent { get; init; }
    /// <summary>The JSON Lines event name.</summary>
    public string Event => IsFlowEvent ? "flow" : Severity == Severity.Violation ? "violation" : "warning";
    /// <summary>First packet of the flow, or the frame (ns since epoch).</summary>
    public long TimestampNs { get; init; }
    /// <summary>Last packet of the flow (ns since epoch), for flows; 0 when not known. Not written to JSON Lines.</summary>
    public long LastTimestampNs { get; init; }
    /// <summary>
    /// <see cref="TimestampNs"/> is a packet's time and is written (as <c>ts</c>) even when it is 0; otherwise it is
    /// written only when not 0 (findings that are not about traffic, e.g. check-firewall's, have none).
    /// </summary>
    public bool HasTimestamp { get; init; }
    public bool NanosecondResolution { get; init; }
    public byte? Protocol { get; init; }
    /// <summary>"arp" for ARP frames; else derived from <see cref="Protocol"/>.</summary>
    public string? ProtoText { get; init; }
    public IpAddr? SrcIp { get; init; }
    public ushort? SrcPort { get; init; }
    public IpAddr? DstIp { get; init; }
    public ushort? DstPort { get; init; }
    public MacAddr? SrcMac { get; init; }
    public MacAddr? DstMac { get; init; }
    public ushort? Vlan { get; init; }
    public ushort? InnerVlan { get; init; }
    /// <summary>The encapsulations around the flow or frame, outermost first; null when none.</summary>
    public IReadOnlyList<Flows.TunnelInfo>? Tunnel { get; init; }
    public string? SrcZone { get; init; }
    public string? DstZone { get; init; }
    public string? SrcTier { get; init; }
    public string? DstTier { get; init; }
    /// <summary>"observed" or "inferred".</summary>
    public string? Direction { get; init; }
    public long? Packets { get; init; }
    public long? Bytes { get; init; }
    public string? CommunityId { get; init; }
    public required string Message { get; init; }
    public required string Clause { get; init; }
    /// <summary>Rule or path involved (the expired rule, the misused path, the blocked rule...).</summary>
    public string? AllowedBy { get; init; }
    /// <summary>Capture file the finding came from (replay).</summary>
    public string? Capture { get; init; }
    /// <summary>
    /// Byte offset in <see cref="Capture"/>: of the damage (capture-damaged), of the frame (frame-level findings), of
    /// the record of the flow's first packet (flow-level findings, when the flow began in that capture).
    /// </summary>
    public long? Offset { get; init; }
    /// <summary>File name of the pcap holding the flow's packets (replay/monitor --evidence), relative to the evidence directory.</summary>
    public string? Evidence { get; set; }
    /// <summary>The configuration statement behind a check-firewall finding (config_file, config_line, config_column).</summary>
    public Output.ConfigLocation? Config { get; init; }
    /// <summary>Extra fields added by a producer (check-firewall: class, interfaces, path...), written as given.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Extra { get; init; }
}
