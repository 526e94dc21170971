using System.Globalization;
using SegVerify.Core.Net;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects;

/// <summary>Value parsers shared by the dialects.</summary>
internal static class Values
{
    /// <summary>addr, addr/len, addr/dotted-mask, or a-b range.</summary>
    public static IntervalSet? Address(string s)
    {
        int dash = s.IndexOf('-');
        if (dash > 0 && IpAddr.TryParse(s.AsSpan(0, dash), out var a) && IpAddr.TryParse(s.AsSpan(dash + 1), out var b))
            return IntervalSet.Range(FieldDomains.ToU(a), FieldDomains.ToU(b));
        int slash = s.IndexOf('/');
        if (slash > 0 && IpAddr.TryParse(s.AsSpan(0, slash), out var net) && net.IsV4 && s.IndexOf('.', slash) > 0)
        {
            if (!IpAddr.TryParse(s.AsSpan(slash + 1), out var mask)) return null;
            uint m = mask.V4;
            int len = System.Numerics.BitOperations.PopCount(m);
            if (len != 32 && (m << len) != 0) return null; // non-contiguous masks are not supported
            return FieldDomains.Cidr(new Cidr(net, len));
        }
        return Cidr.TryParse(s, out var c) ? FieldDomains.Cidr(c) : null;
    }

    public static IntervalSet? Port(string s, char rangeSep)
    {
        int sep = s.IndexOf(rangeSep);
        if (sep < 0) return PortNames.TryParse(s, out var p) ? IntervalSet.Single(p) : null;
        var lo = s[..sep]; var hi = s[(sep + 1)..];
        ushort l = 0, h = 65535;
        if (lo.Length > 0 && !PortNames.TryParse(lo, out l)) return null;
        if (hi.Length > 0 && !PortNames.TryParse(hi, out h)) return null;
        return IntervalSet.Range(l, h);
    }

    public static IntervalSet? Mac(string s) => MacAddr.TryParse(s, out var m) ? IntervalSet.Single(m.Value) : null;

    public static IntervalSet? Proto(string s)
    {
        if (s is "all" or "any" or "0") return FieldDomains.All(HeaderField.Protocol);
        return ProtoNames.TryParse(s, out var p) ? IntervalSet.Single(p) : null;
    }

    public static IntervalSet? CtStateList(string s)
    {
        var ranges = new List<(UInt128, UInt128)>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int v = ConnStates.Parse(part);
            if (v < 0) return null;
            ranges.Add(((UInt128)v, (UInt128)v));
        }
        return ranges.Count == 0 ? null : IntervalSet.FromRanges(ranges);
    }

    /// <summary>
    /// A conntrack state list naming the virtual state DNAT (<c>-m conntrack --ctstate NEW,DNAT</c>): a packet whose
    /// destination NAT translated, or in one of the other states; null when the list has no DNAT or is not understood.
    /// </summary>
    public static MatchExpr? CtStateWithDnat(string s)
    {
        var parts = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!parts.Any(p => p.Equals("DNAT", StringComparison.OrdinalIgnoreCase))) return null;
        var others = parts.Where(p => !p.Equals("DNAT", StringComparison.OrdinalIgnoreCase)).ToList();
        var terms = new List<MatchExpr> { Translated };
        if (others.Count > 0)
        {
            if (CtStateList(string.Join(',', others)) is not { } states) return null;
            terms.Add(new MatchField(HeaderField.ConnState, states));
        }
        return MatchExpr.Or(terms);
    }

    /// <summary>The packet's destination was translated by destination NAT (netfilter's conntrack status DNAT).</summary>
    public static readonly MatchExpr Translated =
        new MatchField(HeaderField.DstNat, IntervalSet.Range(1, FieldDomains.Max[(int)HeaderField.DstNat]));

    /// <summary>
    /// A DNAT destination: <c>ADDR[-ADDR][:PORT[-PORT]]</c>, IPv6 as <c>[ADDR]:PORT</c> or a bare address; null when
    /// not understood.
    /// </summary>
    public static NatTranslation? NatDestination(string s, bool v6)
    {
        string addr = s, port = "";
        if (s.StartsWith('['))
        {
            int close = s.IndexOf(']');
            if (close < 0) return null;
            addr = s[1..close];
            if (close + 1 < s.Length)
            {
                if (s[close + 1] != ':') return null;
                port = s[(close + 2)..];
            }
        }
        else if (!v6 || s.Count(ch => ch == ':') == 1)
        {
            int colon = s.IndexOf(':');
            if (colon >= 0) { addr = s[..colon]; port = s[(colon + 1)..]; }
        }
        IntervalSet? a = addr.Length == 0 ? null : Address(addr);
        if (addr.Length > 0 && a is null) return null;
        IntervalSet? p = port.Length == 0 ? null : Port(port, '-');
        if (port.Length > 0 && p is null) return null;
        if (a is null && p is null) return null;
        return new NatTranslation(a, p);
    }

    public static IntervalSet Union(IEnumerable<IntervalSet> sets) => IntervalSet.UnionAll(sets);

    public static bool IsInt(string s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
