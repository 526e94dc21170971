using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Policy;

/// <summary>The policy's answer for one flow: <see cref="Rule"/> null means allowed.</summary>
public readonly record struct FlowVerdict(string? Rule, PolicyRule? By)
{
    public bool Allowed => Rule is null;
    /// <summary>Allowed with no rule: intra-zone, or by the tier matrix.</summary>
    public static readonly FlowVerdict AllowedByDefault = new(null, null);
}

/// <summary>
/// The one policy engine of SegVerify: answers "is this flow allowed, and by which rule or path?" for traffic
/// (replay, monitor) and for firewall packet classes (check-firewall) alike. Format v1, "The verdict for a flow".
/// </summary>
public sealed class PolicyEngine
{
    /// <summary>Dates in the topology (<c>expires</c>) are read in Japan Standard Time, where the staff work.</summary>
    public static readonly TimeSpan DateOffset = TimeSpan.FromHours(9);

    private readonly PolicyRule[] _rules;
    private readonly PolicyRule[] _paths;

    public Topology.Topology Topology { get; }

    /// <summary>Sanitisation paths then allow rules, in file order: the order matches are tried in.</summary>
    public IReadOnlyList<PolicyRule> Rules => _rules;

    public PolicyEngine(Topology.Topology topology)
    {
        Topology = topology;
        _paths = topology.Sanitization.ToArray();
        _rules = topology.AllRules.ToArray();
    }

    /// <summary>True when an endpoint of a rule covers this address of this zone.</summary>
    public static bool Matches(Endpoint e, Zone zone, IpAddr ip) => e switch
    {
        HostEndpoint h => h.Host.Ips.Contains(ip),
        ZoneEndpoint z => z.Zone == zone,
        CidrEndpoint c => c.Cidr.Contains(ip),
        ListEndpoint l => l.Items.Any(i => Matches(i, zone, ip)),
        _ => false,
    };

    /// <summary>
    /// Judges a flow from an initiator to a responder on the responder's proto/port.
    /// <paramref name="firstPacketUtc"/> decides whether an allow rule has expired.
    /// </summary>
    public FlowVerdict Judge(Zone initiatorZone, IpAddr initiatorIp, Zone responderZone, IpAddr responderIp,
                             byte proto, ushort responderPort, DateTime firstPacketUtc)
    {
        // 1. intra-zone
        if (initiatorZone == responderZone) return FlowVerdict.AllowedByDefault;

        // 2. mynumber <-> external: whatever any rule says
        if ((initiatorZone.Tier == Tier.MyNumber && responderZone.Tier == Tier.External) ||
            (initiatorZone.Tier == Tier.External && responderZone.Tier == Tier.MyNumber))
            return new FlowVerdict(RuleIds.MynumberInternet, null);

        // 3. a rule or path, one-way, with the service
        PolicyRule? expired = null;
        var day = DateOnly.FromDateTime(firstPacketUtc + DateOffset);
        foreach (var r in _rules)
        {
            if (!r.ServiceMatches(proto, responderPort) ||
                !Matches(r.From, initiatorZone, initiatorIp) || !Matches(r.To, responderZone, responderIp))
                continue;
            if (r.Expires is { } exp && day > exp)
            {
                expired ??= r;
                continue;
            }
            return new FlowVerdict(null, r);
        }
        if (expired is not null) return new FlowVerdict(RuleIds.ExpiredException, expired);

        // 4. the tier matrix
        var m = TierMatrix.Verdict(initiatorZone.Tier, responderZone.Tier);
        if (m is null) return FlowVerdict.AllowedByDefault;

        // A flow between the endpoints of a sanitisation path in the wrong direction or on another service is
        // reported as its misuse instead of the matrix finding.
        foreach (var p in _paths)
        {
            bool reverse = Matches(p.To, initiatorZone, initiatorIp) && Matches(p.From, responderZone, responderIp);
            bool sameWay = Matches(p.From, initiatorZone, initiatorIp) && Matches(p.To, responderZone, responderIp);
            if (reverse || sameWay) return new FlowVerdict(RuleIds.SanitizationMisuse, p);
        }
        return new FlowVerdict(m, null);
    }
}
