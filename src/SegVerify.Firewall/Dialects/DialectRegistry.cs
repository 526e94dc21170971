using SegVerify.Firewall.Dialects.FortiOS;
using SegVerify.Firewall.Dialects.Iptables;
using SegVerify.Firewall.Dialects.Nftables;

namespace SegVerify.Firewall.Dialects;

/// <summary>The dialects check-firewall knows, by name, and detection of a file's dialect from its content.</summary>
public static class DialectRegistry
{
    private static readonly List<IFirewallDialect> Known = [new NftDialect(), new IptablesDialect(), new FortiOsDialect()];

    public static IReadOnlyList<IFirewallDialect> All
    {
        get { lock (Known) return Known.ToArray(); }
    }

    /// <summary>Adds a dialect (a later registration of the same name replaces the earlier one).</summary>
    public static void Register(IFirewallDialect d)
    {
        lock (Known)
        {
            Known.RemoveAll(k => k.Name == d.Name);
            Known.Add(d);
        }
    }

    public static IFirewallDialect? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    /// <summary>The dialect whose <see cref="IFirewallDialect.Detect"/> scores highest, or null when none recognises the text.</summary>
    public static IFirewallDialect? Detect(string text)
    {
        IFirewallDialect? best = null;
        int bestScore = 0;
        foreach (var d in All)
        {
            int s = d.Detect(text);
            if (s > bestScore) { best = d; bestScore = s; }
        }
        return best;
    }
}
