namespace SegVerify.TrafficGen;

/// <summary>The zones of topologies/sample-city.yaml as the generator sees them.</summary>
public enum ZoneId : byte { MnOffice, LgOffice, InetOffice, PublicWeb, Lgwan, Jlis, External }

/// <summary>One side of a flow: address (IPv4 in the low 32 bits of <see cref="Lo"/>), zone, and own MAC (0 = none).</summary>
public readonly struct Endpoint(ZoneId zone, bool v6, ulong hi, ulong lo, ulong mac)
{
    public readonly ZoneId Zone = zone;
    public readonly bool V6 = v6;
    public readonly ulong Hi = hi;
    public readonly ulong Lo = lo;
    /// <summary>The MAC this machine sends with, or 0 when it sits behind a router (its frames carry a gateway MAC).</summary>
    public readonly ulong Mac = mac;

    public static Endpoint V4(ZoneId z, uint a, ulong mac) => new(z, false, 0, a, mac);
}

/// <summary>
/// The address plan of the sample city (thousands of hosts per office zone, IPv4 and IPv6) and the MAC rules that
/// keep the traffic clean of frame-level findings: mn-office machines send with the zone's registered MAC, declared
/// hosts with their declared MAC, and frames from zones without a VLAN carry the receiving zone's gateway MAC.
/// </summary>
public static class AddressPlan
{
    public const int ClientsPerOfficeZone = 4000;
    public const int ServersPerOfficeZone = 40;
    public const int LgwanHosts = 4000;
    public const int ExternalHosts = 8000;
    public const int JlisHosts = 120;

    public const ushort VlanMn = 110, VlanLg = 120, VlanInet = 130;

    public const ulong GatewayMacMn = 0x02_10_ff_ff_ff_01UL;
    public const ulong GatewayMacLg = 0x02_20_ff_ff_ff_01UL;
    public const ulong GatewayMacInet = 0x02_30_ff_ff_ff_01UL;
    /// <summary>The registered DHCP-terminal MAC of mn-office: every undeclared mn-office machine sends with it.</summary>
    public const ulong RegisteredMacMn = 0x02_10_00_00_00_31UL;
    /// <summary>The router interface toward zones without a declared gateway (lgwan, j-lis, public-web, external).</summary>
    public const ulong CoreRouterMac = 0x02_00_5e_00_fe_01UL;
    /// <summary>The far side of the core router, for frames between two zones that both sit behind it.</summary>
    public const ulong CoreRouterPeerMac = 0x02_00_5e_00_fe_02UL;
    public const ulong BroadcastMac = 0xff_ff_ff_ff_ff_ffUL;

    private const uint Net10_10 = 0x0A0A_0000, Net10_20 = 0x0A14_0000, Net10_30 = 0x0A1E_0000;
    private const uint NetLgwan = 0xAC10_0000;   // 172.16.0.0/12
    private const uint NetJlis = 0xC000_0200;    // 192.0.2.0/24
    private const uint NetWeb = 0xC633_6400;     // 198.51.100.0/26
    private const ulong V6Mn = 0xfd00_0010_0000_0000UL, V6Lg = 0xfd00_0020_0000_0000UL, V6Inet = 0x2001_0db8_0030_0000UL;
    private static readonly ulong[] V6External = [0x2a00_1450_4001_0800UL, 0x2606_4700_0000_0000UL, 0x2a03_2880_f12c_0083UL];
    /// <summary>First octets of global IPv4 space used for the Internet side (no private, shared, documentation or multicast).</summary>
    private static readonly byte[] ExternalFirstOctets = [13, 23, 31, 45, 52, 64, 91, 104, 142, 151, 157, 185];

    // Declared hosts of sample-city.yaml (address, MAC).
    public static readonly Endpoint MnFs = Endpoint.V4(ZoneId.MnOffice, 0x0A0A_0014, 0x02_10_00_00_00_20UL);      // 10.10.0.20 smb
    public static readonly Endpoint MnRelay = Endpoint.V4(ZoneId.MnOffice, 0x0A0A_0005, 0x02_10_00_00_00_05UL);   // 10.10.0.5
    public static readonly Endpoint IntermediateServer = Endpoint.V4(ZoneId.Jlis, 0xC000_020A, 0);                // 192.0.2.10 https
    public static readonly Endpoint LgMail = Endpoint.V4(ZoneId.LgOffice, 0x0A14_0019, 0x02_20_00_00_00_25UL);    // 10.20.0.25 smtp
    public static readonly Endpoint LgFs = Endpoint.V4(ZoneId.LgOffice, 0x0A14_003C, 0x02_20_00_00_00_60UL);      // 10.20.0.60 smb
    public static readonly Endpoint Vdi = Endpoint.V4(ZoneId.InetOffice, 0x0A1E_0032, 0x02_30_00_00_00_50UL);     // 10.30.0.50 rdp
    public static readonly Endpoint MailSanitizer = Endpoint.V4(ZoneId.InetOffice, 0x0A1E_0019, 0x02_30_00_00_00_25UL); // 10.30.0.25
    public static readonly Endpoint FileSanitizer = Endpoint.V4(ZoneId.InetOffice, 0x0A1E_003C, 0x02_30_00_00_00_60UL); // 10.30.0.60
    public static readonly Endpoint Www = Endpoint.V4(ZoneId.PublicWeb, 0xC633_640A, 0);                          // 198.51.100.10 https
    /// <summary>A public-web address that is not www: anything but https to www is outside publish-www.</summary>
    public static readonly Endpoint WebStaging = Endpoint.V4(ZoneId.PublicWeb, NetWeb | 20, 0);

    public static ushort VlanOf(ZoneId z) => z switch
    {
        ZoneId.MnOffice => VlanMn,
        ZoneId.LgOffice => VlanLg,
        ZoneId.InetOffice => VlanInet,
        _ => 0,
    };

    public static ulong GatewayMacOf(ZoneId z) => z switch
    {
        ZoneId.MnOffice => GatewayMacMn,
        ZoneId.LgOffice => GatewayMacLg,
        ZoneId.InetOffice => GatewayMacInet,
        _ => CoreRouterMac,
    };

    private static uint OfficeNet(ZoneId z) => z switch
    {
        ZoneId.MnOffice => Net10_10,
        ZoneId.LgOffice => Net10_20,
        _ => Net10_30,
    };

    private static ulong OfficeV6(ZoneId z) => z switch
    {
        ZoneId.MnOffice => V6Mn,
        ZoneId.LgOffice => V6Lg,
        _ => V6Inet,
    };

    private static ulong OfficeMac(ZoneId z, ulong suffix) => z switch
    {
        ZoneId.MnOffice => RegisteredMacMn,
        ZoneId.LgOffice => 0x02_20_0a_00_00_00UL | suffix,
        _ => 0x02_30_0a_00_00_00UL | suffix,
    };

    /// <summary>Client i (0..3999) of an office zone: 10.Z.2.1 .. 10.Z.17.250, or fd00:Z::1000+i (same MAC).</summary>
    public static Endpoint OfficeClient(ZoneId z, int i, bool v6)
    {
        ulong mac = OfficeMac(z, 0x01_0000UL + (ulong)i);
        if (v6) return new Endpoint(z, true, OfficeV6(z), 0x1000UL + (ulong)i, mac);
        uint a = OfficeNet(z) | (uint)((2 + i / 250) << 8) | (uint)(1 + i % 250);
        return Endpoint.V4(z, a, mac);
    }

    /// <summary>Server i (0..39) of an office zone: 10.Z.0.100+i (clear of the declared hosts), or fd00:Z::100+i.</summary>
    public static Endpoint OfficeServer(ZoneId z, int i, bool v6)
    {
        ulong mac = OfficeMac(z, 0x02_0000UL + (ulong)i);
        if (v6) return new Endpoint(z, true, OfficeV6(z), 0x100UL + (ulong)i, mac);
        return Endpoint.V4(z, OfficeNet(z) | (uint)(100 + i), mac);
    }

    /// <summary>The zone's DNS (10.Z.0.53) or NTP (10.Z.0.123) server.</summary>
    public static Endpoint OfficeInfra(ZoneId z, int lastOctet) =>
        Endpoint.V4(z, OfficeNet(z) | (uint)lastOctet, OfficeMac(z, 0x03_0000UL + (ulong)lastOctet));

    /// <summary>Host i of LGWAN (172.16.0.0/12), spread over the /12.</summary>
    public static Endpoint LgwanHost(int i)
    {
        uint rest = Mix((uint)i + 0x5EED) & 0x000F_FFFF;
        if ((rest & 0xFF) is 0 or 255) rest ^= 0x11;
        return Endpoint.V4(ZoneId.Lgwan, NetLgwan | rest, 0);
    }

    /// <summary>Host i of j-lis (192.0.2.1..120, clear of intermediate-server and the legacy-link /25).</summary>
    public static Endpoint JlisHost(int i)
    {
        int last = 11 + i % JlisHosts;
        return Endpoint.V4(ZoneId.Jlis, NetJlis | (uint)last, 0);
    }

    /// <summary>Internet host i: a global unicast IPv4 or IPv6 address.</summary>
    public static Endpoint ExternalHost(int i, bool v6)
    {
        uint h = Mix((uint)i);
        if (v6)
        {
            ulong hi = V6External[i % V6External.Length];
            return new Endpoint(ZoneId.External, true, hi, 0x1000UL + h, 0);
        }
        uint first = ExternalFirstOctets[i % ExternalFirstOctets.Length];
        uint rest = h & 0x00FF_FFFF;
        if ((rest & 0xFF) is 0 or 255) rest ^= 0x11;
        return Endpoint.V4(ZoneId.External, (first << 24) | rest, 0);
    }

    /// <summary>Public resolvers the internet-office uses.</summary>
    public static Endpoint ExternalResolver(int i) =>
        Endpoint.V4(ZoneId.External, i % 2 == 0 ? 0x0808_0808u : 0x0101_0101u, 0);

    private static uint Mix(uint x)
    {
        x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16;
        return x;
    }
}
