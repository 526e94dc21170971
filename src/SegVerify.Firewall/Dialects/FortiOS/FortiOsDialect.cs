using SegVerify.Core.Engine;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>
/// The FortiOS dialect: a FortiGate configuration as <c>show</c> or <c>show full-configuration</c> prints it (or a
/// backup file), FortiOS 6.4 to 7.6, with or without VDOMs (option <c>vdom</c>, default <c>root</c>).
/// </summary>
public sealed class FortiOsDialect : IFirewallDialect, IDialectFindings
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<FwRuleset, FortiOsLowered> Lowered = new();

    public string Name => "fortios";

    public int Detect(string text) => FortiOsDetect.Score(text);

    public FwRuleset Parse(DialectInput input)
    {
        var vdom = input.Option("vdom").LastOrDefault();
        FortiOsLowered lowered;
        try
        {
            var doc = FortiConfigParser.Parse(input.Path, input.Text);
            lowered = FortiOsLowering.Lower(FortiOsConfig.Build(doc, vdom));
        }
        catch (FortiParseException e)
        {
            throw new FirewallConfigException(new ConfigError(new ConfigPos(e.File, e.Line, e.Column), e.MessageEn, e.MessageJa));
        }
        Lowered.AddOrUpdate(lowered.Ruleset, lowered);
        return lowered.Ruleset;
    }

    public IEnumerable<Finding> Findings(FwRuleset rs, FirewallDef fw) =>
        UnmappedInterfaces(rs, fw.Interfaces.Keys.ToList());

    /// <summary>The interfaces and zones the policies of a ruleset read by this dialect name (empty for other rulesets).</summary>
    public static IReadOnlyList<FgInterfaceRef> InterfaceReferences(FwRuleset rs) =>
        Lowered.TryGetValue(rs, out var l) ? l.InterfaceRefs : [];

    /// <summary>
    /// One <c>unmapped-interface</c> warning per interface a policy names (directly or as a member of a zone it
    /// names) that the topology's <c>firewalls:</c> entry does not map, at the first place a policy names it.
    /// </summary>
    public static List<Finding> UnmappedInterfaces(FwRuleset rs, IReadOnlyCollection<string> mapped)
    {
        var res = new List<Finding>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in InterfaceReferences(rs))
        {
            // A zone the topology maps by its own name stands for itself.
            if (r.IsZone && mapped.Contains(r.Name)) continue;
            foreach (var m in r.Members)
            {
                if (mapped.Contains(m) || !seen.Add(m)) continue;
                res.Add(FindingFactory.ForConfiguration(RuleIds.UnmappedInterface,
                    new MessageArgs { InInterface = m, Subject = r.IsZone ? r.Name : null }, config: null,
                    [
                        new("interface", m),
                        new("config_file", r.Pos.File),
                        new("config_line", r.Pos.Line),
                        new("config_column", r.Pos.Column),
                    ]));
            }
        }
        return res;
    }
}
