using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// nftables destination NAT statements: <c>dnat [ip|ip6] to ADDR[-ADDR][:PORT[-PORT]]</c> (IPv6 as
/// <c>[ADDR]:PORT</c>; <c>:PORT</c> alone keeps the address) and <c>redirect [to [:]PORT[-PORT]]</c> (to the device
/// itself), with the flags <c>random</c>, <c>fully-random</c>, <c>persistent</c>. A mapping expression
/// (<c>dnat to ip daddr map { ... }</c>) or a variable is not read here.
/// </summary>
internal static class NftNat
{
    private static readonly HashSet<string> Flags = ["random", "fully-random", "persistent", ","];

    /// <param name="words">The rule's words; <paramref name="at"/> is the <c>dnat</c> or <c>redirect</c>.</param>
    /// <param name="next">The first word after the statement.</param>
    /// <param name="onlyFamily">The addresses of the family the statement translates (the kernel leaves packets of the
    /// other family alone), when it names addresses.</param>
    public static bool TryParse(IReadOnlyList<string> words, int at, Family chainFamily, out NfVerdict verdict, out NatTranslation? nat,
                                out IntervalSet? onlyFamily, out int next)
    {
        verdict = words[at] == "dnat" ? NfVerdict.Dnat : NfVerdict.Redirect;
        nat = null;
        onlyFamily = null;
        int j = at + 1;
        bool? v6 = chainFamily switch { Family.V4 => false, Family.V6 => true, _ => null };
        if (verdict == NfVerdict.Dnat && j < words.Count && words[j] is "ip" or "ip6") { v6 = words[j] == "ip6"; j++; }
        if (j >= words.Count || words[j] != "to")
        {
            next = j;
            if (verdict == NfVerdict.Dnat) return false;
            nat = new NatTranslation(null, null, ToDevice: true);
            return SkipFlags(words, ref next);
        }
        j++;
        if (j >= words.Count) { next = j; return false; }
        var value = words[j];
        next = j + 1;
        if (next < words.Count && words[next] is "map" or "." || value.StartsWith('$')) return false;
        if (verdict == NfVerdict.Redirect)
        {
            var ports = Values.Port(value.TrimStart(':'), '-');
            if (ports is null) return false;
            nat = new NatTranslation(null, ports, ToDevice: true);
        }
        else
        {
            bool isV6 = v6 ?? (value.StartsWith('[') || value.Count(c => c == ':') > 1);
            nat = Values.NatDestination(value, isV6);
            if (nat is null) return false;
            var family = isV6 ? FieldDomains.V6 : FieldDomains.V4;
            if (nat.DstAddresses is { } a)
            {
                if (!a.IsSubsetOf(family)) return false;
                onlyFamily = family;
            }
        }
        return SkipFlags(words, ref next);
    }

    /// <summary>Skips the flags; the statement ends the rule (a comment may follow), anything else is not understood.</summary>
    private static bool SkipFlags(IReadOnlyList<string> words, ref int next)
    {
        while (next < words.Count && Flags.Contains(words[next])) next++;
        return next == words.Count || words[next] == "comment";
    }
}
