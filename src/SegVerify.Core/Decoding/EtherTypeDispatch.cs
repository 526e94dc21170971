using System.Runtime.CompilerServices;
namespace SegVerify.Core.Decoding;

/// <summary>Chooses the layer after a link header (Ethernet, VLAN tag, SLL, PPPoE) by its ethertype.</summary>
internal static class EtherTypeDispatch
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Decode(ushort etherType, ReadOnlySpan<byte> payload, ref DecodedPacket p)
    {
        p.EtherType = etherType;
        switch (etherType)
        {
            case EtherTypes.Ipv4:
                Ipv4.Decode(payload, ref p);
                return;
            case EtherTypes.Ipv6:
                Ipv6.Decode(payload, ref p);
                return;
            case EtherTypes.Arp:
                Arp.Decode(payload, ref p);
                return;
            case EtherTypes.Vlan:
            case EtherTypes.QinQ:
            case EtherTypes.QinQLegacy:
            case EtherTypes.QinQLegacy2:
                Vlan.Decode(payload, ref p);
                return;
            case EtherTypes.PppoeSession:
                PppoeSession.Decode(payload, ref p);
                return;
            // Encapsulations that can carry IP which this decoder does not open: counted as undecoded so that traffic
            // hidden inside them is visible in the summary instead of silently passing as "other L2".
            case EtherTypes.MplsUnicast:
            case EtherTypes.MplsMulticast:
            case EtherTypes.MacSec:
            case EtherTypes.ProviderBackbone:
                FrameDecoder.Fail(ref p, UndecodedReason.UnsupportedEthertype);
                return;
            default:
                // 802.3 length field (LLC: STP, CDP...) or a well-formed frame of another protocol (LLDP, PPPoE
                // discovery, EAPOL, RARP...): counted, not judged.
                p.Kind = PacketKind.OtherL2;
                return;
        }
    }
}
