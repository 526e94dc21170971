using SegVerify.Core.Net;

namespace SegVerify.Core.Findings;

/// <summary>
/// What a finding's sentence says, as typed values and no text of any language: the sinks turn it into the
/// <c>message</c> in their language (<c>Localization.Messages</c>). Which sentence is the finding id's own
/// unless <see cref="Kind"/> names another. Only the values the sentence uses are set.
/// </summary>
public readonly record struct MessageArgs
{
    public MessageKind Kind { get; init; }
    /// <summary>Initiator and responder (a frame: its source and destination).</summary>
    public IpAddr? Src { get; init; }
    public IpAddr? Dst { get; init; }
    /// <summary>Zone names ("unclassified" when in none).</summary>
    public string? SrcZone { get; init; }
    public string? DstZone { get; init; }
    /// <summary>The service: IP protocol and destination port (none when the protocol has no ports or they are unknown).</summary>
    public byte Protocol { get; init; }
    public ushort? Port { get; init; }
    /// <summary>An ARP frame (the service reads "arp").</summary>
    public bool Arp { get; init; }
    /// <summary>The allow rule or sanitisation path involved (expired, misused, blocked).</summary>
    public string? RuleName { get; init; }
    /// <summary>The frame's source MAC (mac-binding, unregistered-device).</summary>
    public MacAddr? Mac { get; init; }
    /// <summary>The address in no zone (unclassified-address).</summary>
    public IpAddr? Address { get; init; }
    /// <summary>A count: the VLAN seen (vlan-mismatch), the bytes moved (large-transfer), the byte offset of damage (capture-damaged).</summary>
    public long? Number { get; init; }
    /// <summary>
    /// A name or text the sentence quotes as is: the damaged capture file (capture-damaged), the class of packets
    /// (check-firewall), the parser's diagnostic (unsupported-syntax), a FortiOS zone (unmapped-interface).
    /// </summary>
    public string? Subject { get; init; }
    /// <summary>The configuration statement's text (shadowed-rule, unsupported-syntax).</summary>
    public string? Quote { get; init; }
    /// <summary>check-firewall: the interfaces the traffic enters and leaves by (unmapped-interface: the interface).</summary>
    public string? InInterface { get; init; }
    public string? OutInterface { get; init; }
    /// <summary>check-firewall: <c>file:line:column</c> of the deciding statement.</summary>
    public string? Location { get; init; }
    /// <summary>required-blocked: only part of what the rule permits is blocked.</summary>
    public bool Partial { get; init; }
    /// <summary>Why, as the reader reported it (capture-damaged), appended in parentheses.</summary>
    public string? Reason { get; init; }
}
