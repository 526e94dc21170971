using SegVerify.Core.Net;

namespace SegVerify.Core.Collect;

/// <summary>
/// One flow record as an exporter described it (NetFlow v5/v9, IPFIX), reduced to what the policy needs. Filled in
/// place by the record parsers; "Has..." says which optional fields the record carried. Times are ns since the epoch.
/// For an RFC 5103 biflow the Reverse* counters are the responder's direction.
/// </summary>
public struct FlowRecord
{
    public IpAddr Src, Dst;
    public ushort SrcPort, DstPort;
    public byte Proto;
    public bool HasSrc, HasDst;

    public long Packets, Bytes;
    public long StartNs, EndNs;

    public byte TcpFlags;
    public bool HasTcpFlags;

    public byte IcmpType, IcmpCode;
    public bool HasIcmp;

    public MacAddr SrcMac, DstMac;
    public bool HasSrcMac, HasDstMac;
    /// <summary>The destination MAC came from destinationMacAddress (IE 80), which wins over postDestinationMacAddress (57).</summary>
    internal bool DstMacIsPre;
    public ushort Vlan;
    public bool HasVlan;

    /// <summary>RFC 5103: the record carried reverse-direction counters.</summary>
    public bool IsBiflow;
    public long ReversePackets, ReverseBytes;
    public byte ReverseTcpFlags;
    public bool HasReverseTcpFlags;
    /// <summary>IPFIX biflowDirection (IE 239): 0 arbitrary, 1 initiator, 2 reverseInitiator, 3 perimeter; 255 when absent.</summary>
    public byte BiflowDirection;

    /// <summary>Packet sampling interval the record itself states (1 = unsampled, 0 = not stated).</summary>
    public uint SamplingInterval;
    /// <summary>PSAMP samplingPacketSpace (IE 306): packets skipped after each SamplingInterval selected.</summary>
    internal uint SamplingPacketSpace;

    // Times as the exporter wrote them, resolved once the whole record is read.
    internal long UptimeStartMs, UptimeEndMs;
    internal bool HasUptimeStart, HasUptimeEnd;
    internal long SystemInitMs;
    internal bool HasSystemInit;

    public void Reset()
    {
        this = default;
        BiflowDirection = 255;
    }
}
