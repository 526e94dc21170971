using System.Text.RegularExpressions;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Iptables;

/// <summary>The iptables dialect: <c>iptables-save</c> / <c>ip6tables-save</c> text, with option "ipset" naming <c>ipset save</c> dumps.</summary>
public sealed partial class IptablesDialect : IFirewallDialect
{
    public string Name => "iptables";

    [GeneratedRegex(@"^\s*(\[\d+:\d+\]\s*)?(-A|-N|-P|-I)\s+\S+|^\*(filter|nat|mangle|raw|security)\s*$|^:[A-Za-z0-9_.-]+\s+(ACCEPT|DROP|-)\s", RegexOptions.Multiline)]
    private static partial Regex LineRx();

    public int Detect(string text) => LineRx().Matches(text).Count;

    public FwRuleset Parse(DialectInput input)
    {
        var ipsets = new Dictionary<string, IpsetDef>(StringComparer.Ordinal);
        foreach (var f in input.Option("ipset"))
            foreach (var (k, v) in IpsetParser.Parse(input.ReadFile(f))) ipsets[k] = v;
        return IptablesParser.Parse(input.Path, input.Text, ipsets);
    }
}
