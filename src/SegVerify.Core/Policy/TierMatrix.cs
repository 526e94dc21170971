using SegVerify.Core.Findings;
using SegVerify.Core.Topology;

namespace SegVerify.Core.Policy;

/// <summary>
/// The default tier matrix of format v1: what a flow from an initiator tier to a responder tier gets when no
/// allow rule or sanitisation path matched. null means allowed.
/// </summary>
public static class TierMatrix
{
    private const string Iso = RuleIds.MynumberIsolation;
    private const string Sep = RuleIds.LgwanInternetSeparation;
    private const string Zc = RuleIds.ZoneCrossing;
    private const string Mi = RuleIds.MynumberInternet;

    // rows: initiator; columns: responder; order of Tier.
    private static readonly string?[,] Matrix =
    {
        //               mynumber lgwan internet dmz lgwan-wan public-inst external
        /* mynumber */ { null, Iso, Iso, Iso, Iso, Iso, Mi },
        /* lgwan    */ { Iso, null, Sep, Zc, null, Zc, Sep },
        /* internet */ { Iso, Sep, null, Zc, Sep, Zc, null },
        /* dmz      */ { Iso, Zc, Zc, null, Zc, Zc, Zc },
        /* lgwan-wan*/ { Iso, null, Sep, Zc, null, Zc, Zc },
        /* public   */ { Iso, Zc, Zc, Zc, Zc, null, Zc },
        /* external */ { Mi, Sep, Zc, Zc, Sep, Zc, null },
    };

    /// <summary>The finding id for a flow between tiers with no matching rule, or null when the matrix allows it.</summary>
    public static string? Verdict(Tier initiator, Tier responder) => Matrix[(int)initiator, (int)responder];
}
