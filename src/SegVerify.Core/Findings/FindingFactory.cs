using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Findings;

/// <summary>
/// The one place findings and flow events are made: from a judged flow (replay, monitor, collect's flow records),
/// from a frame (the frame-level checks), from a damaged capture and from a check-firewall analysis. Findings get
/// typed <see cref="MessageArgs"/>, never message text: the sinks write that in their language. Cold code: called
/// only when something is reported.
/// </summary>
public static class FindingFactory
{
    /// <summary>The zone and tier written for an address in no zone.</summary>
    public const string Unclassified = "unclassified";

    /// <summary>
    /// A flow-level finding: <paramref name="rule"/> for flow <paramref name="f"/>. <paramref name="address"/> is the
    /// address in no zone (unclassified-address), <paramref name="number"/> the bytes moved (large-transfer).
    /// </summary>
    public static Finding ForFlow(string rule, in FlowEntry f, in FlowParties who, string? allowedBy, string communityId,
                                  in EventOrigin origin, IpAddr? address = null, long? number = null)
    {
        var (src, dst, _, dport, hasPorts) = Orient(in f, who.InitiatorIsA);
        var finding = new Finding
        {
            Rule = rule,
            Args = new MessageArgs
            {
                Src = src, Dst = dst, SrcZone = ZoneName(who.SrcZone), DstZone = ZoneName(who.DstZone),
                Protocol = f.Key.Proto, Port = hasPorts ? dport : null, RuleName = allowedBy,
                Mac = SourceMac(in f, who.InitiatorIsA), Address = address, Number = number,
            },
        };
        return FlowFields(finding, in f, in who, allowedBy, communityId, in origin);
    }

    /// <summary>The <c>"event":"flow"</c> record of flow <paramref name="f"/> with its verdict.</summary>
    public static FlowEvent ForFlowEvent(string verdict, in FlowEntry f, in FlowParties who, string? allowedBy,
                                         string communityId, in EventOrigin origin) =>
        FlowFields(new FlowEvent { Verdict = verdict }, in f, in who, allowedBy, communityId, in origin);

    /// <summary>
    /// A frame-level finding (mac-binding, unregistered-device, vlan-mismatch) for frame <paramref name="p"/> whose
    /// network-layer source is <paramref name="srcIp"/> (ARP: the sender address), with the zones of its addresses.
    /// </summary>
    public static Finding ForFrame(string rule, in DecodedPacket p, IpAddr srcIp, in CaptureRecord record, Zone? srcZone,
                                   Zone? dstZone, string? communityId, in EventOrigin origin)
    {
        bool arp = p.Kind == PacketKind.Arp;
        IpAddr dstIp = arp ? p.ArpTargetIp : p.DstIp;
        bool ports = !arp && p.HasPorts;
        return new Finding
        {
            Rule = rule,
            Args = new MessageArgs
            {
                Src = srcIp, Dst = dstIp, SrcZone = ZoneName(srcZone), DstZone = ZoneName(dstZone),
                Protocol = arp ? (byte)0 : p.Protocol, Port = ports ? p.DstPort : null, Arp = arp, Mac = p.SrcMac,
                Number = rule == RuleIds.VlanMismatch ? p.OuterVlan : null,
            },
            TimestampNs = record.TimestampNs,
            HasTimestamp = true,
            NanosecondResolution = record.NanosecondResolution,
            Protocol = arp ? null : p.Protocol,
            ProtoText = arp ? "arp" : null,
            SrcIp = srcIp,
            DstIp = dstIp,
            SrcPort = ports ? p.SrcPort : null,
            DstPort = ports ? p.DstPort : null,
            SrcMac = p.SrcMac,
            DstMac = p.DstMac,
            Vlan = p.VlanCount > 0 ? p.OuterVlan : null,
            InnerVlan = p.VlanCount > 1 ? p.InnerVlan : null,
            Tunnel = origin.Tunnel,
            SrcZone = ZoneName(srcZone),
            DstZone = ZoneName(dstZone),
            SrcTier = TierId(srcZone),
            DstTier = TierId(dstZone),
            Direction = "observed",
            Packets = 1,
            Bytes = record.OriginalLength,
            CommunityId = communityId,
            Capture = origin.Capture,
            Offset = origin.Offset,
        };
    }

    /// <summary>capture-damaged: <paramref name="file"/> is read up to byte <paramref name="offset"/>.</summary>
    public static Finding CaptureDamaged(string file, long offset, string reason) => new()
    {
        Rule = RuleIds.CaptureDamaged,
        Args = new MessageArgs { Subject = file, Number = offset, Reason = reason },
        Capture = file,
        Offset = offset,
    };

    /// <summary>
    /// A check-firewall finding about a statement of the configuration (shadowed-rule, unsupported-syntax,
    /// unmapped-interface): no packet, the statement at <paramref name="config"/> when given.
    /// </summary>
    public static Finding ForConfiguration(string rule, in MessageArgs args, ConfigLocation? config,
                                           IReadOnlyList<KeyValuePair<string, object?>>? extra = null) => new()
    {
        Rule = rule,
        Args = args,
        Config = config,
        Extra = extra,
    };

    /// <summary>
    /// A check-firewall finding about a class of packets between two zones, shown by a witness packet: protocol,
    /// addresses, ports (null for a protocol without ports) and source MAC.
    /// </summary>
    public static Finding ForRulesetClass(string rule, in MessageArgs args, byte proto, IpAddr src, ushort? srcPort,
                                          IpAddr dst, ushort? dstPort, MacAddr srcMac, Zone srcZone, Zone dstZone,
                                          string? allowedBy, ConfigLocation? config,
                                          IReadOnlyList<KeyValuePair<string, object?>>? extra) => new()
    {
        Rule = rule,
        Args = args,
        Protocol = proto,
        SrcIp = src,
        SrcPort = srcPort,
        DstIp = dst,
        DstPort = dstPort,
        SrcMac = srcMac,
        SrcZone = srcZone.Name,
        DstZone = dstZone.Name,
        SrcTier = TierNames.Id(srcZone.Tier),
        DstTier = TierNames.Id(dstZone.Tier),
        AllowedBy = allowedBy,
        Config = config,
        Extra = extra,
    };

    /// <summary>Zone name, or <see cref="Unclassified"/>.</summary>
    public static string ZoneName(Zone? z) => z?.Name ?? Unclassified;

    /// <summary>Tier id, or <see cref="Unclassified"/>.</summary>
    public static string TierId(Zone? z) => z is null ? Unclassified : TierNames.Id(z.Tier);

    /// <summary>Initiator and responder address and port of a flow.</summary>
    private static (IpAddr Src, IpAddr Dst, ushort Sport, ushort Dport, bool HasPorts) Orient(in FlowEntry f, bool initA)
    {
        var k = f.Key;
        bool hasPorts = IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) == 0;
        return initA ? (k.A, k.B, k.PortA, k.PortB, hasPorts) : (k.B, k.A, k.PortB, k.PortA, hasPorts);
    }

    /// <summary>The initiator's MAC (as the source of its frames), when the flow's frames had MACs.</summary>
    private static MacAddr? SourceMac(in FlowEntry f, bool initA) => Macs(in f, initA).Src;

    /// <summary>
    /// Source and destination MAC of the initiator's frames: those of its first frame, else (initiator never seen)
    /// the responder's first frame's, swapped.
    /// </summary>
    private static (MacAddr? Src, MacAddr? Dst) Macs(in FlowEntry f, bool initA)
    {
        if ((f.Flags & FlowFlags.HasMac) == 0) return (null, null);
        bool initSeen = (f.Flags & (initA ? FlowFlags.SeenA : FlowFlags.SeenB)) != 0;
        return initSeen
            ? (initA ? f.MacASrc : f.MacBSrc, initA ? f.MacADst : f.MacBDst)
            : (initA ? f.MacBDst : f.MacADst, initA ? f.MacBSrc : f.MacASrc);
    }

    /// <summary>The fields a flow gives a finding or a flow event.</summary>
    private static T FlowFields<T>(T e, in FlowEntry f, in FlowParties who, string? allowedBy, string communityId,
                                   in EventOrigin origin) where T : OutputEvent
    {
        var k = f.Key;
        var (src, dst, sport, dport, hasPorts) = Orient(in f, who.InitiatorIsA);
        var (srcMac, dstMac) = Macs(in f, who.InitiatorIsA);
        return (T)((OutputEvent)e with
        {
            TimestampNs = f.FirstTs,
            LastTimestampNs = f.LastTs,
            HasTimestamp = true,
            NanosecondResolution = (f.Flags & FlowFlags.Nanos) != 0,
            Protocol = k.Proto,
            SrcIp = src,
            DstIp = dst,
            SrcPort = hasPorts ? sport : null,
            DstPort = hasPorts ? dport : null,
            SrcMac = srcMac,
            DstMac = dstMac,
            Vlan = k.Vlan != 0 ? k.Vlan : null,
            InnerVlan = f.InnerVlan != 0 ? f.InnerVlan : null,
            Tunnel = origin.Tunnel,
            SrcZone = ZoneName(who.SrcZone),
            DstZone = ZoneName(who.DstZone),
            SrcTier = TierId(who.SrcZone),
            DstTier = TierId(who.DstZone),
            Direction = who.Observed ? "observed" : "inferred",
            Packets = f.PacketsAB + f.PacketsBA,
            Bytes = f.BytesAB + f.BytesBA,
            CommunityId = communityId,
            AllowedBy = allowedBy,
            Capture = origin.Capture,
            Offset = origin.Offset,
        });
    }
}
