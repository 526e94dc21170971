using System.Text.RegularExpressions;

namespace SegVerify.Firewall.Dialects;

/// <summary>Tells iptables-save text from nft ruleset text by content.</summary>
public static partial class DialectGuess
{
    [GeneratedRegex(@"^\s*(\[\d+:\d+\]\s*)?(-A|-N|-P|-I)\s+\S+|^\*(filter|nat|mangle|raw|security)\s*$|^:[A-Za-z0-9_.-]+\s+(ACCEPT|DROP|-)\s", RegexOptions.Multiline)]
    private static partial Regex IptablesRx();

    [GeneratedRegex(@"^\s*table\s+((inet|ip|ip6|arp|bridge|netdev)\s+)?[A-Za-z0-9_.-]+\s*\{", RegexOptions.Multiline)]
    private static partial Regex NftRx();

    /// <summary>"iptables", "nft", or null when the text is neither.</summary>
    public static string? Guess(string text)
    {
        int ipt = IptablesRx().Matches(text).Count;
        int nft = NftRx().Matches(text).Count;
        if (ipt == 0 && nft == 0) return null;
        return nft > 0 && nft * 10 >= ipt ? "nft" : "iptables";
    }
}
