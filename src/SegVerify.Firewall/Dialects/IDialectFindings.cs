using SegVerify.Core.Engine;
using SegVerify.Core.Topology;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects;

/// <summary>
/// A dialect that reports findings of its own once the topology's <c>firewalls:</c> entry is known (FortiOS: an
/// interface a policy names that the entry does not map, <c>unmapped-interface</c>).
/// </summary>
public interface IDialectFindings
{
    IEnumerable<Finding> Findings(FwRuleset rs, FirewallDef fw);
}
