using System.Globalization;

namespace SegVerify.Firewall.Model;

/// <summary>Protocol names as iptables, nftables and /etc/protocols spell them.</summary>
public static class ProtoNames
{
    private static readonly Dictionary<string, byte> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["icmp"] = 1, ["igmp"] = 2, ["ipencap"] = 4, ["tcp"] = 6, ["egp"] = 8, ["udp"] = 17, ["dccp"] = 33, ["ipv6"] = 41,
        ["gre"] = 47, ["esp"] = 50, ["ah"] = 51, ["icmpv6"] = 58, ["ipv6-icmp"] = 58, ["icmp6"] = 58, ["ospf"] = 89,
        ["ospfigp"] = 89, ["pim"] = 103, ["vrrp"] = 112, ["l2tp"] = 115, ["sctp"] = 132, ["udplite"] = 136, ["mh"] = 135,
        ["ipv6-mh"] = 135, ["ipip"] = 94, ["comp"] = 108,
    };

    public static bool TryParse(string s, out byte proto)
    {
        if (Names.TryGetValue(s, out proto)) return true;
        return byte.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out proto);
    }
}

/// <summary>Well-known service names for ports (the usual /etc/services entries rulesets use).</summary>
public static class PortNames
{
    private static readonly Dictionary<string, ushort> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["smtp"] = 25, ["domain"] = 53, ["bootps"] = 67,
        ["bootpc"] = 68, ["tftp"] = 69, ["http"] = 80, ["www"] = 80, ["kerberos"] = 88, ["pop3"] = 110, ["sunrpc"] = 111,
        ["ident"] = 113, ["auth"] = 113, ["ntp"] = 123, ["netbios-ns"] = 137, ["netbios-dgm"] = 138,
        ["netbios-ssn"] = 139, ["imap"] = 143, ["imap2"] = 143, ["snmp"] = 161, ["snmp-trap"] = 162, ["bgp"] = 179,
        ["ldap"] = 389, ["https"] = 443, ["microsoft-ds"] = 445, ["isakmp"] = 500, ["syslog"] = 514, ["submission"] = 587,
        ["ldaps"] = 636, ["imaps"] = 993, ["pop3s"] = 995, ["openvpn"] = 1194, ["ms-sql-s"] = 1433, ["mysql"] = 3306,
        ["rdp"] = 3389, ["ms-wbt-server"] = 3389, ["postgresql"] = 5432, ["http-alt"] = 8080, ["webcache"] = 8080,
        ["smtps"] = 465, ["ipp"] = 631, ["rsync"] = 873, ["dns"] = 53, ["ipsec-nat-t"] = 4500, ["sip"] = 5060,
        ["x11"] = 6000, ["squid"] = 3128, ["nfs"] = 2049, ["xmpp-client"] = 5222, ["irc"] = 6667,
    };

    public static bool TryParse(string s, out ushort port)
    {
        if (ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port)) return true;
        return Names.TryGetValue(s, out port);
    }
}
