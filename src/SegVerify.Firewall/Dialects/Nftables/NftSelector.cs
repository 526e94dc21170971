using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>How the values a selector is compared with are written and encoded.</summary>
internal enum NftValueKind : byte { Addr4, Addr6, Proto, Port, Mac, CtState, TcpFlags, IcmpType, IcmpCode, Icmpv6Type, Icmpv6Code, IfName, NfProto }

/// <summary>
/// The left-hand side of an nft match (<c>ip saddr</c>, <c>tcp dport</c>, <c>ct state</c>, <c>iifname</c>, ...):
/// the header field it reads, the dependencies nft adds for it (<c>tcp dport</c> only matches TCP, <c>ip saddr</c>
/// only IPv4, <c>icmp type</c> only ICMP over IPv4), and how its values are read.
/// </summary>
internal sealed record NftSelector(string Text, NftValueKind Kind, HeaderField Field, bool Ingress, IReadOnlyList<MatchExpr> Deps)
{
    /// <summary><c>th sport|dport</c>: the port bytes of whatever transport header there is (no protocol dependency).</summary>
    public bool AnyTransport { get; init; }

    /// <summary><c>ct original ip daddr</c> / <c>ct original proto-dst</c>: the destination before DNAT (see <see cref="NfOriginalDst"/>).</summary>
    public bool OriginalDst { get; init; }

    /// <summary>Where the selector is written.</summary>
    public ConfigPos At { get; init; }

    public bool IsBitmask => Kind is NftValueKind.CtState or NftValueKind.TcpFlags;
    public bool IsInterface => Kind == NftValueKind.IfName;

    private static readonly MatchExpr V4 = new MatchField(HeaderField.SrcIp, FieldDomains.V4);
    private static readonly MatchExpr V6 = new MatchField(HeaderField.SrcIp, FieldDomains.V6);
    private static MatchExpr Proto(byte p) => new MatchField(HeaderField.Protocol, IntervalSet.Single(p));

    /// <summary>Reads a selector at <paramref name="i"/>; null when the words there are not one.</summary>
    public static NftSelector? TryRead(List<NTok> st, int i, out int consumed)
    {
        consumed = 2;
        if (i >= st.Count || st[i].Quoted) return null;
        string k = st[i].Text, k2 = i + 1 < st.Count && !st[i + 1].Quoted ? st[i + 1].Text : "";
        string text = k + " " + k2;
        switch (k)
        {
            case "ip" when k2 is "saddr" or "daddr":
                return new(text, NftValueKind.Addr4, k2 == "saddr" ? HeaderField.SrcIp : HeaderField.DstIp, false, [V4]);
            case "ip6" when k2 is "saddr" or "daddr":
                return new(text, NftValueKind.Addr6, k2 == "saddr" ? HeaderField.SrcIp : HeaderField.DstIp, false, [V6]);
            case "ip" when k2 == "protocol": return new(text, NftValueKind.Proto, HeaderField.Protocol, false, [V4]);
            case "ip6" when k2 == "nexthdr": return new(text, NftValueKind.Proto, HeaderField.Protocol, false, [V6]);
            case "meta" when k2 == "l4proto": return new(text, NftValueKind.Proto, HeaderField.Protocol, false, []);
            case "meta" when k2 == "nfproto": return new(text, NftValueKind.NfProto, HeaderField.SrcIp, false, []);
            case "meta" when k2 is "iifname" or "oifname" or "iif" or "oif":
                return new(text, NftValueKind.IfName, HeaderField.SrcIp, k2[0] == 'i', []);
            case "iifname" or "oifname" or "iif" or "oif":
                consumed = 1;
                return new(k, NftValueKind.IfName, HeaderField.SrcIp, k[0] == 'i', []);
            case "tcp" or "udp" or "sctp" or "dccp" or "udplite" when k2 is "sport" or "dport":
                ProtoNames.TryParse(k, out var pn);
                return new(text, NftValueKind.Port, k2 == "sport" ? HeaderField.SrcPort : HeaderField.DstPort, false, [Proto(pn)]);
            case "tcp" when k2 == "flags": return new(text, NftValueKind.TcpFlags, HeaderField.TcpFlags, false, [Proto(6)]);
            case "th" when k2 is "sport" or "dport":
                return new(text, NftValueKind.Port, k2 == "sport" ? HeaderField.SrcPort : HeaderField.DstPort, false, []) { AnyTransport = true };
            case "icmp" when k2 == "type": return new(text, NftValueKind.IcmpType, HeaderField.IcmpType, false, [V4, Proto(1)]);
            case "icmp" when k2 == "code": return new(text, NftValueKind.IcmpCode, HeaderField.IcmpCode, false, [V4, Proto(1)]);
            case "icmpv6" when k2 == "type": return new(text, NftValueKind.Icmpv6Type, HeaderField.IcmpType, false, [V6, Proto(58)]);
            case "icmpv6" when k2 == "code": return new(text, NftValueKind.Icmpv6Code, HeaderField.IcmpCode, false, [V6, Proto(58)]);
            case "ether" when k2 == "saddr": return new(text, NftValueKind.Mac, HeaderField.SrcMac, false, []);
            case "ct" when k2 == "state": return new(text, NftValueKind.CtState, HeaderField.ConnState, false, []);
            case "ct" when k2 is "original" or "reply" && i + 2 < st.Count && !st[i + 2].Quoted:
                {
                    // Before the forward hook only destination NAT has happened: the original source is the packet's
                    // source, the reply comes from its (translated) destination to its source; the original
                    // destination is what the packet was sent to.
                    bool orig = k2 == "original";
                    string k3 = st[i + 2].Text, k4 = i + 3 < st.Count && !st[i + 3].Quoted ? st[i + 3].Text : "";
                    if (k3 is "ip" or "ip6" && k4 is "saddr" or "daddr")
                    {
                        consumed = 4;
                        text = $"ct {k2} {k3} {k4}";
                        var kind = k3 == "ip" ? NftValueKind.Addr4 : NftValueKind.Addr6;
                        var dep = k3 == "ip" ? V4 : V6;
                        if (orig && k4 == "daddr") return new(text, kind, HeaderField.DstIp, false, [dep]) { OriginalDst = true, At = st[i].Pos };
                        var field = (orig == (k4 == "saddr")) ? HeaderField.SrcIp : HeaderField.DstIp;
                        return new(text, kind, field, false, [dep]);
                    }
                    if (orig && k3 == "proto-dst")
                    {
                        consumed = 3;
                        return new($"ct {k2} {k3}", NftValueKind.Port, HeaderField.DstPort, false, []) { OriginalDst = true, At = st[i].Pos };
                    }
                    return null;
                }
        }
        return null;
    }

    /// <summary>Every value the field can take for this selector (an IPv4 selector: the IPv4 addresses).</summary>
    public IntervalSet Domain => Kind switch
    {
        NftValueKind.Addr4 => FieldDomains.V4,
        NftValueKind.Addr6 => FieldDomains.V6,
        NftValueKind.NfProto => FieldDomains.All(HeaderField.SrcIp),
        _ => FieldDomains.All(Field),
    };

    /// <summary>
    /// The packets whose field equals one written value (one element of a set, one part of a concatenation): an
    /// address, prefix or range, a port or port range, a name, flags joined by '|'. Null when not understood.
    /// </summary>
    public MatchExpr? Equal(List<NTok> v)
    {
        if (v.Count == 0) return null;
        if (IsBitmask)
        {
            int bits = FlagValue(v, 0, out int used);
            if (bits < 0 || used != v.Count) return null;
            return Of(Kind == NftValueKind.CtState ? NftNames.States(b => b == bits) : IntervalSet.Single((uint)bits));
        }
        if (v.Count != 1) return null;
        var s = v[0].Text;
        if (Kind == NftValueKind.IfName) return new MatchInterface(Ingress, [s]);
        if (v[0].Quoted) return null;
        IntervalSet? set = Kind switch
        {
            NftValueKind.Addr4 or NftValueKind.Addr6 => Values.Address(s) is { } a && a.Intersect(Domain) is { IsEmpty: false } ad ? ad : null,
            NftValueKind.Proto => ProtoValue(s),
            NftValueKind.Port => Values.Port(s, '-'),
            NftValueKind.Mac => Values.Mac(s),
            NftValueKind.IcmpType => NftNames.ByteValue(s, NftNames.IcmpTypes),
            NftValueKind.IcmpCode => NftNames.ByteValue(s, NftNames.IcmpCodes),
            NftValueKind.Icmpv6Type => NftNames.ByteValue(s, NftNames.Icmpv6Types),
            NftValueKind.Icmpv6Code => NftNames.ByteValue(s, NftNames.Icmpv6Codes),
            NftValueKind.NfProto => s switch { "ipv4" or "2" => FieldDomains.V4, "ipv6" or "10" => FieldDomains.V6, _ => null },
            _ => null,
        };
        return set is null ? null : Of(set);
    }

    public MatchExpr Of(IntervalSet values) => !OriginalDst ? new MatchField(Field, values)
        : Kind == NftValueKind.Port ? new NfOriginalDst(null, values, At, Text) : new NfOriginalDst(values, null, At, Text);

    private static IntervalSet? ProtoValue(string s)
    {
        int dash = s.IndexOf('-');
        if (dash > 0 && ProtoNames.TryParse(s[..dash], out var a) && ProtoNames.TryParse(s[(dash + 1)..], out var b)) return IntervalSet.Range(a, b);
        return ProtoNames.TryParse(s, out var p) ? IntervalSet.Single(p) : null;
    }

    /// <summary>
    /// Reads flags joined by '|' or ',' (parentheses allowed) starting at <paramref name="from"/>: the OR of their
    /// bits, or -1. <paramref name="used"/> is the number of words read.
    /// </summary>
    public int FlagValue(List<NTok> v, int from, out int used)
    {
        int bits = 0, j = from;
        bool expectAtom = true, any = false;
        while (j < v.Count)
        {
            var t = v[j];
            if (t.Quoted) break;
            if (t.Is("(") || t.Is(")")) { j++; continue; }
            if (expectAtom)
            {
                int b = Kind == NftValueKind.CtState ? NftNames.CtState(t.Text) : NftNames.TcpFlag(t.Text);
                if (b < 0) break;
                bits |= b; any = true; expectAtom = false; j++;
                continue;
            }
            // A separator must be followed by another flag, else it belongs to what follows (e.g. a set's comma).
            if ((t.Is("|") || t.Is(",")) && j + 1 < v.Count && !v[j + 1].Quoted &&
                ((Kind == NftValueKind.CtState ? NftNames.CtState(v[j + 1].Text) : NftNames.TcpFlag(v[j + 1].Text)) >= 0 || v[j + 1].Is("(")))
            {
                expectAtom = true; j++;
                continue;
            }
            break;
        }
        // Drop a trailing ')' that closed a group opened before.
        used = j - from;
        return any ? bits : -1;
    }

    /// <summary>Every packet whose bitmask field satisfies <paramref name="pred"/> (applied to the kernel's value).</summary>
    public MatchExpr Bits(Func<int, bool> pred) =>
        Of(Kind == NftValueKind.CtState ? NftNames.States(pred) : NftNames.FlagBytes(pred));
}
