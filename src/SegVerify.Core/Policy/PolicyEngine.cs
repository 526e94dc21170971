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
/// The one policy engine of SegVerify: the clauses of <see cref="PolicyClauses.InOrder"/> applied by one fold
/// (<see cref="Fold{T, TSpace, TSink}"/>) to a single flow (<see cref="Judge"/>: replay, monitor) or to sets of
/// flows (check-firewall), and read at zone level by <see cref="ZoneDefault"/> (topology validate's matrix).
/// Format v1, "The verdict for a flow".
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

    /// <summary>The day (JST) that decides whether a rule has expired, for a moment in UTC.</summary>
    public static DateOnly Day(DateTime utc) => DateOnly.FromDateTime(utc + DateOffset);

    public static bool IsExpired(PolicyRule r, DateOnly day) => r.Expires is { } exp && day > exp;

    /// <summary>The hard block: My Number tier to or from the external tier.</summary>
    public static bool IsHardBlocked(Zone a, Zone b) =>
        (a.Tier == Tier.MyNumber && b.Tier == Tier.External) || (a.Tier == Tier.External && b.Tier == Tier.MyNumber);

    /// <summary>True when an endpoint of a rule covers this address of this zone.</summary>
    public static bool Matches(Endpoint e, Zone zone, IpAddr ip) => e switch
    {
        HostEndpoint h => h.Host.Ips.Contains(ip),
        ZoneEndpoint z => z.Zone == zone,
        CidrEndpoint c => c.Cidr.Contains(ip),
        ListEndpoint l => MatchesAny(l.ItemArray, zone, ip),
        _ => false,
    };

    private static bool MatchesAny(Endpoint[] items, Zone zone, IpAddr ip)
    {
        foreach (var i in items)
            if (Matches(i, zone, ip)) return true;
        return false;
    }

    /// <summary>
    /// The verdict between two zones before any rule: the zone-level clauses (hard block, intra-zone, matrix) in the
    /// order of <see cref="PolicyClauses.InOrder"/>. null means allowed.
    /// </summary>
    public static string? ZoneDefault(Zone a, Zone b)
    {
        foreach (var c in PolicyClauses.Span)
        {
            switch (c)
            {
                case PolicyClause.HardBlock when IsHardBlocked(a, b): return RuleIds.MynumberInternet;
                case PolicyClause.IntraZone when a == b: return null;
                case PolicyClause.Matrix: return TierMatrix.Verdict(a.Tier, b.Tier);
            }
        }
        return null;
    }

    /// <summary>
    /// Applies the clauses in order to the flows of <paramref name="space"/> from zone <paramref name="a"/> to zone
    /// <paramref name="b"/> on <paramref name="day"/>: each clause takes what is left and hands the parts it decides
    /// to <paramref name="sink"/>. Stops when nothing is left.
    /// </summary>
    public void Fold<T, TSpace, TSink>(Zone a, Zone b, DateOnly day, TSpace space, ref TSink sink)
        where TSpace : IFlowSpace<T> where TSink : IPolicyPartSink<T>
    {
        var rest = space.All;
        string? matrix = null;
        foreach (var clause in PolicyClauses.Span)
        {
            if (space.IsEmpty(rest)) return;
            switch (clause)
            {
                case PolicyClause.HardBlock:
                    if (IsHardBlocked(a, b)) { sink.Add(clause, RuleIds.MynumberInternet, null, rest); return; }
                    break;
                case PolicyClause.IntraZone:
                    if (a == b) { sink.Add(clause, null, null, rest); return; }
                    break;
                case PolicyClause.RulesAndPaths:
                case PolicyClause.Expiry:
                    {
                        bool expiredPass = clause == PolicyClause.Expiry;
                        foreach (var r in _rules)
                        {
                            if (IsExpired(r, day) != expiredPass) continue;
                            var part = space.Intersect(rest, space.Rule(r));
                            if (space.IsEmpty(part)) continue;
                            sink.Add(clause, expiredPass ? RuleIds.ExpiredException : null, r, part);
                            rest = space.Subtract(rest, part);
                            if (space.IsEmpty(rest)) return;
                        }
                        break;
                    }
                case PolicyClause.Matrix:
                    matrix = TierMatrix.Verdict(a.Tier, b.Tier);
                    if (matrix is null) { sink.Add(clause, null, null, rest); return; }
                    break;
                case PolicyClause.SanitisationMisuse:
                    foreach (var p in _paths)
                    {
                        var part = space.Intersect(rest, space.PathEndpoints(p));
                        if (space.IsEmpty(part)) continue;
                        sink.Add(clause, RuleIds.SanitizationMisuse, p, part);
                        rest = space.Subtract(rest, part);
                        if (space.IsEmpty(rest)) return;
                    }
                    break;
            }
        }
        // What the matrix forbids and no later clause refined keeps the matrix's finding.
        if (matrix is not null && !space.IsEmpty(rest)) sink.Add(PolicyClause.Matrix, matrix, null, rest);
    }

    /// <summary>
    /// Judges a flow from an initiator to a responder on the responder's proto/port.
    /// <paramref name="firstPacketUtc"/> decides whether an allow rule has expired.
    /// </summary>
    public FlowVerdict Judge(Zone initiatorZone, IpAddr initiatorIp, Zone responderZone, IpAddr responderIp,
                             byte proto, ushort responderPort, DateTime firstPacketUtc)
    {
        var sink = new FirstPart();
        Fold<bool, PointSpace, FirstPart>(initiatorZone, responderZone, Day(firstPacketUtc),
            new PointSpace(initiatorZone, initiatorIp, responderZone, responderIp, proto, responderPort), ref sink);
        return sink.Verdict;
    }

    /// <summary>A single flow as a flow space: a set is the flow (true) or nothing (false).</summary>
    private readonly struct PointSpace(Zone az, IpAddr a, Zone bz, IpAddr b, byte proto, ushort port) : IFlowSpace<bool>
    {
        public bool All => true;
        // endpoints first: they rule out most rules for a flow at less cost than the services (all three are pure)
        public bool Rule(PolicyRule r) => Matches(r.From, az, a) && Matches(r.To, bz, b) && r.ServiceMatches(proto, port);
        public bool PathEndpoints(PolicyRule p) =>
            (Matches(p.From, az, a) && Matches(p.To, bz, b)) || (Matches(p.To, az, a) && Matches(p.From, bz, b));
        public bool Intersect(bool x, bool y) => x && y;
        public bool Subtract(bool x, bool y) => x && !y;
        public bool IsEmpty(bool x) => !x;
    }

    /// <summary>Keeps the one part a single flow falls in.</summary>
    private struct FirstPart : IPolicyPartSink<bool>
    {
        public FlowVerdict Verdict;
        public void Add(PolicyClause clause, string? findingId, PolicyRule? by, bool flows) =>
            Verdict = findingId is null && by is null ? FlowVerdict.AllowedByDefault : new FlowVerdict(findingId, by);
    }
}
