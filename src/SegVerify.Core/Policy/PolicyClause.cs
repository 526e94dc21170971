using SegVerify.Core.Topology;

namespace SegVerify.Core.Policy;

/// <summary>
/// The clauses of the policy (format v1, "The verdict for a flow"), in the order they are applied. The first clause
/// that decides a flow gives its verdict; <see cref="PolicyEngine.Fold{T, TSpace, TSink}"/> applies them to a single
/// flow (<see cref="PolicyEngine.Judge"/>, replay and monitor) and to sets of flows (check-firewall) alike, and
/// <c>topology validate</c>'s matrix reads the zone-level ones.
/// </summary>
public enum PolicyClause : byte
{
    /// <summary>My Number tier to or from the external tier: forbidden whatever any rule says (mynumber-internet).</summary>
    HardBlock,
    /// <summary>Within one zone: allowed.</summary>
    IntraZone,
    /// <summary>A valid allow rule or sanitisation path, one-way, on its services: allowed by it (first in file order).</summary>
    RulesAndPaths,
    /// <summary>Only an expired rule or path covers it: expired-exception.</summary>
    Expiry,
    /// <summary>The tier matrix: allowed, or the matrix's finding id.</summary>
    Matrix,
    /// <summary>Where the matrix forbids: between a sanitisation path's endpoints the other way or on another service (sanitization-misuse).</summary>
    SanitisationMisuse,
}

public static class PolicyClauses
{
    /// <summary>Every clause, in the order applied.</summary>
    public static readonly IReadOnlyList<PolicyClause> InOrder = Array.AsReadOnly(Span.ToArray());

    /// <summary><see cref="InOrder"/> as a span of constant data, for the per-flow fold (no enumerator, no allocation).</summary>
    internal static ReadOnlySpan<PolicyClause> Span =>
    [
        PolicyClause.HardBlock, PolicyClause.IntraZone, PolicyClause.RulesAndPaths, PolicyClause.Expiry,
        PolicyClause.Matrix, PolicyClause.SanitisationMisuse,
    ];
}

/// <summary>
/// The flows between an initiator zone and a responder zone, as the policy fold sees them: a single flow (a set that
/// is that flow or nothing) or sets of packets. <typeparamref name="T"/> is the set type.
/// </summary>
public interface IFlowSpace<T>
{
    /// <summary>Every flow between the two zones.</summary>
    T All { get; }
    /// <summary>The flows an allow rule or sanitisation path admits: initiator in its from, responder in its to, on its services.</summary>
    T Rule(PolicyRule rule);
    /// <summary>The flows between a sanitisation path's endpoints, either way, on any service.</summary>
    T PathEndpoints(PolicyRule path);
    T Intersect(T a, T b);
    T Subtract(T a, T b);
    bool IsEmpty(T a);
}

/// <summary>Receives the parts the fold cuts the flows into, in order; they are disjoint and cover every flow.</summary>
public interface IPolicyPartSink<T>
{
    /// <param name="findingId">null when the part is allowed.</param>
    /// <param name="by">The rule or path that allowed it, or that it breaks (expired, misused).</param>
    void Add(PolicyClause clause, string? findingId, PolicyRule? by, T flows);
}
