using SegVerify.Core.Classification;
using SegVerify.Core.Findings;
using SegVerify.Core.Flows;
using SegVerify.Core.Localization;
using SegVerify.Core.Net;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Engine;

public sealed partial class Verifier
{
    /// <summary>Judges a flow that has ended and reports its findings (cold: once per flow).</summary>
    private void FinishFlow(in FlowEntry f)
    {
        _flowFindings.Clear();
        _deferFlowFindings = Observer is not null;
        string? communityId = JudgeFlow(in f);
        _tunnelTable.Release(f.TunnelRef);
        if (_deferFlowFindings) ReportWithEvidence(f.FlowId, communityId);
    }

    /// <summary>Who opened the flow, and whether that was seen or inferred (spec: "How a flow's initiator is found").</summary>
    internal (bool InitiatorIsA, bool Observed) FindInitiator(in FlowEntry f)
    {
        bool firstFromA = (f.Flags & FlowFlags.FirstFromA) != 0;
        byte proto = f.Key.Proto;
        if (proto == IpProto.Tcp)
        {
            if (f.SynSide != 0) return (f.SynSide == SideA, true);
            if (f.SynAckSide != 0) return (f.SynAckSide == SideB, true);
        }
        else if (proto is IpProto.Icmp or IpProto.IcmpV6)
        {
            bool a;
            if (f.EchoRequestSide != 0) a = f.EchoRequestSide == SideA;
            else if (f.EchoReplySide != 0) a = f.EchoReplySide == SideB;
            else a = firstFromA;
            return (a, a == firstFromA);
        }
        if (proto is IpProto.Tcp or IpProto.Udp)
        {
            var table = proto == IpProto.Tcp ? _servicePortTcp : _servicePortUdp;
            bool svcA = table[f.Key.PortA], svcB = table[f.Key.PortB];
            bool initA = svcA != svcB ? svcB : firstFromA;
            return (initA, initA == firstFromA);
        }
        return (firstFromA, true);
    }

    private static DateTime ToUtc(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100);

    private string? JudgeFlow(in FlowEntry f)
    {
        var (initA, observed) = FindInitiator(in f);
        var k = f.Key;
        IpAddr src = initA ? k.A : k.B, dst = initA ? k.B : k.A;
        ushort sport = initA ? k.PortA : k.PortB, dport = initA ? k.PortB : k.PortA;
        bool hasPorts = IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) == 0;

        var srcCat = _classifier.Classify(src, asDestination: false, out var srcZone, out _);
        var dstCat = _classifier.Classify(dst, asDestination: true, out var dstZone, out _);
        bool special = srcCat == AddressCategory.Special || dstCat == AddressCategory.Special;

        string? cid = null;
        bool noPorts = (f.Flags & FlowFlags.NoPorts) != 0;
        string Cid() => cid ??= CommunityId.ForFlow(in k, noPorts);

        if (srcZone is not null && dstZone is not null) _zoneMatrix[srcZone.Index, dstZone.Index]++;

        FlowVerdict verdict = default;
        bool judged = false;
        if (!special)
        {
            if (srcCat == AddressCategory.Unclassified && _reportedUnclassified.Add(src))
                EmitFlowFinding(RuleIds.UnclassifiedAddress, in f, initA, observed, srcZone, dstZone, null, Cid(), src.ToString());
            if (dstCat == AddressCategory.Unclassified && _reportedUnclassified.Add(dst))
                EmitFlowFinding(RuleIds.UnclassifiedAddress, in f, initA, observed, srcZone, dstZone, null, Cid(), dst.ToString());

            if (srcZone is not null && dstZone is not null)
            {
                judged = true;
                verdict = _policy.Judge(srcZone, src, dstZone, dst, k.Proto, hasPorts ? dport : (ushort)0, ToUtc(f.FirstTs));
                if (verdict.Rule is not null)
                    EmitFlowFinding(verdict.Rule, in f, initA, observed, srcZone, dstZone, verdict.By, Cid(), null);

                long total = f.BytesAB + f.BytesBA;
                if (srcZone != dstZone && _topology.Limits.LargeTransferBytes is { } limit && total > limit)
                    EmitFlowFinding(RuleIds.LargeTransfer, in f, initA, observed, srcZone, dstZone, null, Cid(), total.ToString());
            }

            if ((k.Proto is IpProto.Tcp or IpProto.Udp) && _hostByIp.TryGetValue(dst, out var host) && !host.OffersService(k.Proto, dport))
                EmitFlowFinding(RuleIds.UndeclaredService, in f, initA, observed, srcZone, dstZone, null, Cid(), null);
        }

        if (_options.EmitFlows)
        {
            string v = special ? "none" : !judged ? "unclassified" : verdict.Rule ?? "allowed";
            var rec = BuildFlowFinding(v, in f, initA, observed, srcZone, dstZone, verdict.By, Cid(), null, isFlowEvent: true);
            if (_deferFlowFindings) _deferredFlowEvent = rec;
            else _sink.OnFinding(rec);
        }
        return Observer is not null ? Cid() : cid;
    }

    private void EmitFlowFinding(string rule, in FlowEntry f, bool initA, bool observed, Zone? srcZone, Zone? dstZone,
                                 PolicyRule? by, string cid, string? detail)
    {
        var finding = BuildFlowFinding(rule, in f, initA, observed, srcZone, dstZone, by, cid, detail, isFlowEvent: false);
        _flowFindings.Add(finding);
        if (!_deferFlowFindings) Emit(finding);
    }

    private Finding BuildFlowFinding(string rule, in FlowEntry f, bool initA, bool observed, Zone? srcZone, Zone? dstZone,
                                     PolicyRule? by, string cid, string? detail, bool isFlowEvent)
    {
        var k = f.Key;
        IpAddr src = initA ? k.A : k.B, dst = initA ? k.B : k.A;
        ushort sport = initA ? k.PortA : k.PortB, dport = initA ? k.PortB : k.PortA;
        bool hasPorts = IpProto.HasPorts(k.Proto) && (f.Flags & FlowFlags.NoPorts) == 0;
        bool initSeen = (f.Flags & (initA ? FlowFlags.SeenA : FlowFlags.SeenB)) != 0;
        MacAddr? srcMac = null, dstMac = null;
        if ((f.Flags & FlowFlags.HasMac) != 0)
        {
            if (initSeen) { srcMac = initA ? f.MacASrc : f.MacBSrc; dstMac = initA ? f.MacADst : f.MacBDst; }
            else { srcMac = initA ? f.MacBDst : f.MacADst; dstMac = initA ? f.MacBSrc : f.MacASrc; }
        }
        string lang = _options.Language;
        string svc = hasPorts ? $"{IpProto.Name(k.Proto)}/{dport}" : IpProto.Name(k.Proto);
        var ctx = new MessageContext(src.ToString(), dst.ToString(), ZoneName(srcZone), ZoneName(dstZone),
            TierText(srcZone), TierText(dstZone), svc, by?.Name, srcMac?.ToString(), detail);
        return new Finding
        {
            Rule = rule,
            IsFlowEvent = isFlowEvent,
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
            Tunnel = _tunnelTable.Info(f.TunnelRef),
            SrcZone = srcZone?.Name ?? Unclassified,
            DstZone = dstZone?.Name ?? Unclassified,
            SrcTier = srcZone is null ? Unclassified : TierNames.Id(srcZone.Tier),
            DstTier = dstZone is null ? Unclassified : TierNames.Id(dstZone.Tier),
            Direction = observed ? "observed" : "inferred",
            Packets = f.PacketsAB + f.PacketsBA,
            Bytes = f.BytesAB + f.BytesBA,
            CommunityId = cid,
            AllowedBy = by?.Name,
            Capture = CurrentCapture,
            // where the flow's first packet is in the capture (when it began in the capture being read)
            Offset = CurrentCapture is not null && f.FirstCapture == _tracker.CaptureSerial ? f.FirstOffset : null,
            Message = isFlowEvent ? "" : Messages.Message(rule, lang, in ctx),
            Clause = isFlowEvent ? "" : Messages.Clause(rule, lang),
        };
    }

    internal const string Unclassified = "unclassified";

    private static string ZoneName(Zone? z) => z?.Name ?? Unclassified;
    private string TierText(Zone? z) => z is null ? Unclassified : Language == "ja" ? TierNames.Japanese(z.Tier) : TierNames.English(z.Tier);
}
