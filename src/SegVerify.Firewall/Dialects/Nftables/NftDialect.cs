using System.Text.RegularExpressions;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>The nftables dialect: <c>nft list ruleset</c> output and files <c>nft -f</c> accepts.</summary>
public sealed partial class NftDialect : IFirewallDialect
{
    public string Name => "nft";

    [GeneratedRegex(@"^\s*table\s+((inet|ip|ip6|arp|bridge|netdev)\s+)?[A-Za-z0-9_.-]+\s*\{", RegexOptions.Multiline)]
    private static partial Regex TableRx();

    [GeneratedRegex(@"^\s*(include\s+""|define\s+[A-Za-z_][A-Za-z0-9_]*\s*=)", RegexOptions.Multiline)]
    private static partial Regex ScriptRx();

    // Ten times the number of tables: one table outweighs ten iptables-looking lines (as before the registry).
    // A file of includes and defines (an nft -f script that keeps its tables elsewhere) is nft too.
    public int Detect(string text) => TableRx().Matches(text).Count * 10 + ScriptRx().Matches(text).Count * 5;

    public FwRuleset Parse(DialectInput input) => NftParser.Parse(input.Path, input.Text, input.ReadFile);
}
