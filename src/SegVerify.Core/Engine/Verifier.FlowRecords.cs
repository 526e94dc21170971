using SegVerify.Core.Capture;
using SegVerify.Core.Decoding;
using SegVerify.Core.Flows;
using SegVerify.Core.Net;

namespace SegVerify.Core.Engine;

/// <summary>
/// The entry points for flows that did not come from the packet path (NetFlow/IPFIX records, <c>segverify
/// collect</c>): the same classification, policy, frame-level checks, findings and flow events as a packet flow.
/// </summary>
public sealed partial class Verifier
{
    private ulong _nextRecordFlowId = 1;

    /// <summary>
    /// Judges one whole flow described by a flow-record source. The caller fills <see cref="FlowEntry.Key"/> (canonical:
    /// A is the lower address), the side flags (<see cref="FlowFlags.FirstFromA"/>, SeenA/SeenB, HasMac), the SYN/echo
    /// sides it could tell, counters, times and MACs; the flow gets a flow id here and is counted in the statistics.
    /// </summary>
    public void JudgeFlowRecord(FlowEntry flow)
    {
        flow.FlowId = _nextRecordFlowId++;
        Stats.Flows++;
        Stats.Packets += flow.PacketsAB + flow.PacketsBA;
        Stats.Bytes += flow.BytesAB + flow.BytesBA;
        _flowFindings.Clear();
        ReportFlow(in flow);
    }

    /// <summary>
    /// The frame-level checks (mac-binding, unregistered-device, vlan-mismatch) for the link-layer header a flow record
    /// reports for its sender: source MAC, destination MAC (may be zero) and VLAN (0: untagged or not reported).
    /// </summary>
    public void CheckRecordFrame(IpAddr src, IpAddr dst, byte proto, ushort srcPort, ushort dstPort, bool hasPorts,
                                 MacAddr srcMac, MacAddr dstMac, ushort vlan, long timestampNs, long bytes)
    {
        var p = new DecodedPacket
        {
            Kind = PacketKind.Ip,
            HasMac = true,
            SrcMac = srcMac,
            DstMac = dstMac,
            VlanCount = vlan != 0 ? (byte)1 : (byte)0,
            OuterVlan = vlan,
            IpVersion = src.IsV4 ? (byte)4 : (byte)6,
            SrcIp = src,
            DstIp = dst,
            Protocol = proto,
            HasPorts = hasPorts,
            SrcPort = srcPort,
            DstPort = dstPort,
        };
        var record = new CaptureRecord(ReadOnlySpan<byte>.Empty, timestampNs, (int)Math.Min(bytes, int.MaxValue), LinkTypes.Ethernet, false, 0);
        _frameChecks.Check(in p, src, in record);
    }
}
