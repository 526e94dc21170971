using System.Globalization;
using SegVerify.Core.Net;
using SegVerify.Firewall.Analysis;

namespace SegVerify.Firewall.Dialects;

/// <summary>Value parsers shared by the dialects.</summary>
internal static class Values
{
    /// <summary>addr, addr/len, addr/dotted-mask, or a-b range.</summary>
    public static IntervalSet? Address(string s)
    {
        int dash = s.IndexOf('-');
        if (dash > 0 && IpAddr.TryParse(s.AsSpan(0, dash), out var a) && IpAddr.TryParse(s.AsSpan(dash + 1), out var b))
            return IntervalSet.Range(Domains.ToU(a), Domains.ToU(b));
        int slash = s.IndexOf('/');
        if (slash > 0 && IpAddr.TryParse(s.AsSpan(0, slash), out var net) && net.IsV4 && s.IndexOf('.', slash) > 0)
        {
            if (!IpAddr.TryParse(s.AsSpan(slash + 1), out var mask)) return null;
            uint m = mask.V4;
            int len = System.Numerics.BitOperations.PopCount(m);
            if (len != 32 && (m << len) != 0) return null; // non-contiguous masks are not supported
            return Domains.Cidr(new Cidr(net, len));
        }
        return Cidr.TryParse(s, out var c) ? Domains.Cidr(c) : null;
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
        if (s is "all" or "any" or "0") return Domains.Full[(int)Dim.Proto];
        return ProtoNames.TryParse(s, out var p) ? IntervalSet.Single(p) : null;
    }

    public static IntervalSet? CtStateList(string s)
    {
        var ranges = new List<(UInt128, UInt128)>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int v = CtStates.Parse(part);
            if (v < 0) return null;
            ranges.Add(((UInt128)v, (UInt128)v));
        }
        return ranges.Count == 0 ? null : IntervalSet.FromRanges(ranges);
    }

    public static IntervalSet Union(IEnumerable<IntervalSet> sets)
    {
        var r = IntervalSet.Empty;
        foreach (var s in sets) r = r.Union(s);
        return r;
    }

    public static bool IsInt(string s) => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
}
