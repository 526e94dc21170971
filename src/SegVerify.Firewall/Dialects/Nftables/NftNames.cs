using System.Globalization;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>The symbolic constants nft accepts for ICMP types and codes, TCP flags and conntrack states.</summary>
internal static class NftNames
{
    public static readonly Dictionary<string, byte> IcmpTypes = new(StringComparer.Ordinal)
    {
        ["echo-reply"] = 0, ["destination-unreachable"] = 3, ["source-quench"] = 4, ["redirect"] = 5, ["echo-request"] = 8,
        ["router-advertisement"] = 9, ["router-solicitation"] = 10, ["time-exceeded"] = 11, ["parameter-problem"] = 12,
        ["timestamp-request"] = 13, ["timestamp-reply"] = 14, ["info-request"] = 15, ["info-reply"] = 16,
        ["address-mask-request"] = 17, ["address-mask-reply"] = 18,
    };

    public static readonly Dictionary<string, byte> IcmpCodes = new(StringComparer.Ordinal)
    {
        ["net-unreachable"] = 0, ["host-unreachable"] = 1, ["prot-unreachable"] = 2, ["port-unreachable"] = 3,
        ["frag-needed"] = 4, ["net-prohibited"] = 9, ["host-prohibited"] = 10, ["admin-prohibited"] = 13,
    };

    public static readonly Dictionary<string, byte> Icmpv6Types = new(StringComparer.Ordinal)
    {
        ["destination-unreachable"] = 1, ["packet-too-big"] = 2, ["time-exceeded"] = 3, ["parameter-problem"] = 4,
        ["echo-request"] = 128, ["echo-reply"] = 129, ["mld-listener-query"] = 130, ["mld-listener-report"] = 131,
        ["mld-listener-done"] = 132, ["mld-listener-reduction"] = 132, ["nd-router-solicit"] = 133, ["nd-router-advert"] = 134,
        ["nd-neighbor-solicit"] = 135, ["nd-neighbor-advert"] = 136, ["nd-redirect"] = 137, ["router-renumbering"] = 138,
        ["ind-neighbor-solicit"] = 141, ["ind-neighbor-advert"] = 142, ["mld2-listener-report"] = 143,
    };

    public static readonly Dictionary<string, byte> Icmpv6Codes = new(StringComparer.Ordinal)
    {
        ["no-route"] = 0, ["admin-prohibited"] = 1, ["addr-unreachable"] = 3, ["port-unreachable"] = 4,
        ["policy-fail"] = 5, ["reject-route"] = 6,
    };

    /// <summary>The kernel's conntrack state bits (NF_CT_STATE_BIT) by name.</summary>
    public static readonly Dictionary<string, int> CtStateBits = new(StringComparer.Ordinal)
    {
        ["invalid"] = 1, ["established"] = 2, ["related"] = 4, ["new"] = 8, ["untracked"] = 64,
    };

    /// <summary>The kernel bit of each model state (<see cref="ConnStates"/>): a packet carries exactly one.</summary>
    public static readonly int[] BitOfState = [8, 2, 4, 1, 64];

    /// <summary>A byte-sized number, decimal or 0x hex.</summary>
    public static bool TryNumber(string s, out uint v)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return uint.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
        return uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v);
    }

    /// <summary>A symbolic or numeric byte value, or a range of them (a-b).</summary>
    public static IntervalSet? ByteValue(string s, Dictionary<string, byte> names)
    {
        if (names.TryGetValue(s, out var b)) return IntervalSet.Single(b);
        if (TryNumber(s, out var n)) return n <= 255 ? IntervalSet.Single(n) : null;
        int dash = s.IndexOf('-', 1);
        while (dash > 0)
        {
            var lo = ByteValue(s[..dash], names);
            var hi = ByteValue(s[(dash + 1)..], names);
            if (lo is { Count: 1 } l && hi is { Count: 1 } h && l.First == l.Hi(0) && h.First == h.Hi(0)) return IntervalSet.Range(l.First, h.First);
            dash = s.IndexOf('-', dash + 1);
        }
        return null;
    }

    /// <summary>A TCP flag name or number.</summary>
    public static int TcpFlag(string s)
    {
        if (s == "ecn") return TcpFlagBits.Ece; // nft's name for ECE
        if (TcpFlagBits.TryParse(s, out var bit)) return bit;
        return TryNumber(s, out var n) && n <= 255 ? (int)n : -1;
    }

    /// <summary>A conntrack state name or number.</summary>
    public static int CtState(string s)
    {
        if (CtStateBits.TryGetValue(s, out var bit)) return bit;
        return TryNumber(s, out var n) && n <= 255 ? (int)n : -1;
    }

    /// <summary>The model states (as a set of <see cref="ConnStates"/> values) whose kernel bit satisfies a predicate.</summary>
    public static IntervalSet States(Func<int, bool> bitMatches)
    {
        var r = new List<(UInt128, UInt128)>();
        for (int s = 0; s < BitOfState.Length; s++) if (bitMatches(BitOfState[s])) r.Add(((UInt128)s, (UInt128)s));
        return IntervalSet.FromRanges(r);
    }

    /// <summary>The flag bytes satisfying a predicate.</summary>
    public static IntervalSet FlagBytes(Func<int, bool> matches)
    {
        var r = new List<(UInt128, UInt128)>();
        for (int v = 0; v < 256; v++) if (matches(v)) r.Add(((UInt128)v, (UInt128)v));
        return IntervalSet.FromRanges(r);
    }
}
