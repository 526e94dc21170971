using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Iptables;

/// <summary>The iptables icmp, icmp6 and tcp match options whose values are names: ICMP types/codes and TCP flags.</summary>
internal static class IptablesMatches
{
    private static readonly Dictionary<string, (int Type, int Code)> Icmp = new(StringComparer.OrdinalIgnoreCase)
    {
        ["echo-reply"] = (0, -1), ["pong"] = (0, -1), ["destination-unreachable"] = (3, -1), ["network-unreachable"] = (3, 0),
        ["host-unreachable"] = (3, 1), ["protocol-unreachable"] = (3, 2), ["port-unreachable"] = (3, 3),
        ["fragmentation-needed"] = (3, 4), ["source-route-failed"] = (3, 5), ["network-unknown"] = (3, 6),
        ["host-unknown"] = (3, 7), ["network-prohibited"] = (3, 9), ["host-prohibited"] = (3, 10),
        ["TOS-network-unreachable"] = (3, 11), ["TOS-host-unreachable"] = (3, 12), ["communication-prohibited"] = (3, 13),
        ["host-precedence-violation"] = (3, 14), ["precedence-cutoff"] = (3, 15), ["source-quench"] = (4, -1),
        ["redirect"] = (5, -1), ["network-redirect"] = (5, 0), ["host-redirect"] = (5, 1), ["TOS-network-redirect"] = (5, 2),
        ["TOS-host-redirect"] = (5, 3), ["echo-request"] = (8, -1), ["ping"] = (8, -1), ["router-advertisement"] = (9, -1),
        ["router-solicitation"] = (10, -1), ["time-exceeded"] = (11, -1), ["ttl-exceeded"] = (11, -1),
        ["ttl-zero-during-transit"] = (11, 0), ["ttl-zero-during-reassembly"] = (11, 1), ["parameter-problem"] = (12, -1),
        ["ip-header-bad"] = (12, 0), ["required-option-missing"] = (12, 1), ["timestamp-request"] = (13, -1),
        ["timestamp-reply"] = (14, -1), ["address-mask-request"] = (17, -1), ["address-mask-reply"] = (18, -1),
    };

    private static readonly Dictionary<string, (int Type, int Code)> Icmp6 = new(StringComparer.OrdinalIgnoreCase)
    {
        ["destination-unreachable"] = (1, -1), ["no-route"] = (1, 0), ["communication-prohibited"] = (1, 1),
        ["beyond-scope"] = (1, 2), ["address-unreachable"] = (1, 3), ["port-unreachable"] = (1, 4),
        ["failed-policy"] = (1, 5), ["reject-route"] = (1, 6), ["packet-too-big"] = (2, -1), ["time-exceeded"] = (3, -1),
        ["ttl-exceeded"] = (3, -1), ["ttl-zero-during-transit"] = (3, 0), ["ttl-zero-during-reassembly"] = (3, 1),
        ["parameter-problem"] = (4, -1), ["bad-header"] = (4, 0), ["unknown-header-type"] = (4, 1), ["unknown-option"] = (4, 2),
        ["echo-request"] = (128, -1), ["ping"] = (128, -1), ["echo-reply"] = (129, -1), ["pong"] = (129, -1),
        ["router-solicitation"] = (133, -1), ["router-advertisement"] = (134, -1), ["neighbour-solicitation"] = (135, -1),
        ["neighbor-solicitation"] = (135, -1), ["neighbour-advertisement"] = (136, -1), ["neighbor-advertisement"] = (136, -1),
        ["redirect"] = (137, -1),
    };

    /// <summary><c>--icmp-type</c> / <c>--icmpv6-type</c>: a name, <c>TYPE</c> or <c>TYPE/CODE</c>, or <c>any</c>.</summary>
    public static MatchExpr? IcmpType(string s, bool v6)
    {
        if (s.Equals("any", StringComparison.OrdinalIgnoreCase)) return MatchExpr.True;
        int type, code = -1;
        if ((v6 ? Icmp6 : Icmp).TryGetValue(s, out var tc)) (type, code) = tc;
        else
        {
            int slash = s.IndexOf('/');
            if (!byte.TryParse(slash < 0 ? s : s[..slash], out var t)) return null;
            type = t;
            if (slash >= 0) { if (!byte.TryParse(s[(slash + 1)..], out var c)) return null; code = c; }
        }
        var m = new MatchField(HeaderField.IcmpType, IntervalSet.Single((uint)type));
        return code < 0 ? m : MatchExpr.And(m, new MatchField(HeaderField.IcmpCode, IntervalSet.Single((uint)code)));
    }

    /// <summary><c>--tcp-flags MASK COMP</c>: (flags &amp; MASK) == COMP; lists of FIN, SYN, RST, PSH, ACK, URG, ALL, NONE.</summary>
    public static MatchExpr? TcpFlags(string mask, string comp)
    {
        int m = Flags(mask), c = Flags(comp);
        if (m < 0 || c < 0) return null;
        return new MatchField(HeaderField.TcpFlags, TcpFlagBits.Masked((byte)m, (byte)c));
    }

    private static int Flags(string list)
    {
        int bits = 0;
        foreach (var f in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (f.ToUpperInvariant())
            {
                case "ALL": bits |= 0x3F; break;
                case "NONE": break;
                default:
                    if (!TcpFlagBits.TryParse(f, out var b)) return -1;
                    bits |= b;
                    break;
            }
        }
        return bits;
    }
}
