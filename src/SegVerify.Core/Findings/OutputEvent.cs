using SegVerify.Core.Net;

namespace SegVerify.Core.Findings;

/// <summary>
/// What a finding and a flow event (<c>"event":"flow"</c>, with --flows) both say about traffic: times, the packet
/// fields, zones, counters and where it was read. Built only when something is reported (never on the per-packet
/// path). Field names follow the JSON Lines contract; null fields are omitted from output.
/// </summary>
public abstract record OutputEvent
{
    /// <summary>The JSON Lines event name (<c>violation</c>, <c>warning</c> or <c>flow</c>).</summary>
    public abstract string Event { get; }
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
    /// <summary>Rule or path involved (the rule that allowed a flow, the expired rule, the misused path...).</summary>
    public string? AllowedBy { get; init; }
    /// <summary>Capture file the event came from (replay).</summary>
    public string? Capture { get; init; }
    /// <summary>
    /// Byte offset in <see cref="Capture"/>: of the damage (capture-damaged), of the frame (frame-level findings), of
    /// the record of the flow's first packet (flow-level findings, when the flow began in that capture).
    /// </summary>
    public long? Offset { get; init; }
    /// <summary>File name of the pcap holding the flow's packets (replay/monitor --evidence), relative to the evidence directory.</summary>
    public string? Evidence { get; set; }
    /// <summary>The configuration statement behind a check-firewall finding (config_file, config_line, config_column).</summary>
    public ConfigLocation? Config { get; init; }
    /// <summary>Extra fields added by a producer (check-firewall: class, interfaces, path...; collect: exporter...), written as given.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>>? Extra { get; init; }
}
