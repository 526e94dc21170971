using SegVerify.Firewall.Dialects.Netfilter;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// <c>ip6 nexthdr</c> reads the IPv6 header's next-header field, which is the transport protocol only when no
/// extension header follows (<c>meta l4proto</c> skips them; so do iptables' <c>-p</c> and nft's own dependencies of
/// <c>tcp dport</c> and the like). The analysis' packets have no extension headers, so the match is read as the
/// protocol, which is exact for them; a packet with extension headers that the rule treats otherwise must not slip
/// through unseen: where such a packet would escape a drop (a positive match in a dropping rule) or be let through by
/// a non-dropping one (a match on an extension header's number, or a negated match), the rule possibly matches
/// instead, with a warning that suggests <c>meta l4proto</c>.
/// </summary>
internal sealed partial class NftRuleParser
{
    /// <summary>The IPv6 extension headers the kernel skips to find the transport protocol (ipv6_ext_hdr).</summary>
    private static readonly IntervalSet ExtensionHeaders =
        IntervalSet.FromRanges([(0, 0), (43, 44), (51, 51), (59, 60)]);

    /// <summary>The <c>ip6 nexthdr</c> matches of the rule: the term and the words it was read from.</summary>
    private readonly List<(MatchExpr Term, int Start, int End)> _nexthdr = [];

    private static bool ReadsNextHeader(List<NftSelector> sels) => sels.Any(s => s.Text == "ip6 nexthdr");

    /// <summary>The match of a rule with verdict <paramref name="verdict"/> for an <c>ip6 nexthdr</c> term, see the class summary.</summary>
    private MatchExpr GuardNextHeader(MatchExpr term, NfVerdict verdict, int start, int end)
    {
        bool mayMatchExtension = term.Leaves().Any(l => l is MatchField { Field: HeaderField.Protocol } f && f.Values.Intersects(ExtensionHeaders))
                                 || HasNot(term);
        const string Why = "reads the IPv6 next-header field, which is not the transport protocol when extension headers follow (use 'meta l4proto'); for such packets the rule is taken to possibly match";
        if (verdict is NfVerdict.Drop or NfVerdict.Reject)
            return mayMatchExtension ? term : MatchExpr.And(term, Unknown(start, end, Why));
        return mayMatchExtension ? MatchExpr.Or(term, Unknown(start, end, Why)) : term;
    }

    private static bool HasNot(MatchExpr e) => e switch
    {
        MatchNot => true,
        MatchAnd a => a.Terms.Any(HasNot),
        MatchOr o => o.Terms.Any(HasNot),
        _ => false,
    };

    /// <summary>Applies <see cref="GuardNextHeader"/> to the rule's <c>ip6 nexthdr</c> terms once its verdict is known.</summary>
    private void GuardNextHeaders(NfVerdict verdict)
    {
        foreach (var (term, start, end) in _nexthdr)
        {
            int k = _terms.FindIndex(t => ReferenceEquals(t, term));
            if (k >= 0) _terms[k] = GuardNextHeader(term, verdict, start, end);
        }
    }
}
