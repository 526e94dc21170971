namespace SegVerify.Core.Decoding;

/// <summary>Ethertype values the decoder dispatches on.</summary>
public static class EtherTypes
{
    /// <summary>Values below this in the Ethernet type/length field are an 802.3 length (LLC follows).</summary>
    public const ushort MinEtherType = 0x0600;

    public const ushort Ipv4 = 0x0800;
    /// <summary>GRE's "transparent Ethernet bridging" (RFC 1701): an Ethernet frame follows (also GENEVE, pseudowires).</summary>
    public const ushort TransparentEthernetBridging = 0x6558;
    /// <summary>GRE protocol type of ERSPAN type III.</summary>
    public const ushort ErspanTypeIII = 0x22EB;
    /// <summary>GRE protocol type of ERSPAN type I and II.</summary>
    public const ushort ErspanTypeII = 0x88BE;
    public const ushort Arp = 0x0806;
    public const ushort Rarp = 0x8035;
    public const ushort Vlan = 0x8100;           // IEEE 802.1Q customer tag
    public const ushort Ipv6 = 0x86DD;
    public const ushort MplsUnicast = 0x8847;
    public const ushort MplsMulticast = 0x8848;
    public const ushort PppoeDiscovery = 0x8863;
    public const ushort PppoeSession = 0x8864;
    public const ushort QinQ = 0x88A8;           // IEEE 802.1ad service tag
    public const ushort Lldp = 0x88CC;
    public const ushort MacSec = 0x88E5;
    public const ushort ProviderBackbone = 0x88E7; // IEEE 802.1ah I-tag (MAC-in-MAC)
    public const ushort QinQLegacy = 0x9100;     // pre-standard QinQ tag
    public const ushort QinQLegacy2 = 0x9200;
}
