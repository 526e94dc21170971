using System.Reflection;
using SegVerify.Core.Engine;
using SegVerify.Core.Policy;
using SegVerify.Core.Topology;
using Xunit;

namespace SegVerify.Core.Tests.Policy;

public class PolicyClauseTests
{
    [Fact]
    public void ClausesArePublishedOnceInTheSpecOrder()
    {
        Assert.Equal(new[]
        {
            PolicyClause.HardBlock, PolicyClause.IntraZone, PolicyClause.RulesAndPaths, PolicyClause.Expiry,
            PolicyClause.Matrix, PolicyClause.SanitisationMisuse,
        }, PolicyClauses.InOrder);
    }

    [Fact]
    public void ZoneDefaultIsTheMatrixWithTheHardBlockAndIntraZone()
    {
        var zones = Enumerable.Range(0, 7).Select(i => new Zone { Name = $"z{i}", Tier = (Tier)i }).ToArray();
        foreach (var a in zones)
            foreach (var b in zones)
                Assert.Equal(TierMatrix.Verdict(a.Tier, b.Tier), PolicyEngine.ZoneDefault(a, b));
        var mn = new Zone { Name = "mn2", Tier = Tier.MyNumber };
        Assert.Null(PolicyEngine.ZoneDefault(zones[0], zones[0]));
        Assert.Equal(RuleIds.MynumberIsolation, PolicyEngine.ZoneDefault(zones[0], zones[1]));
        Assert.Null(PolicyEngine.ZoneDefault(mn, mn));
        Assert.Equal(RuleIds.MynumberInternet, PolicyEngine.ZoneDefault(zones[6], mn));
    }

    [Fact]
    public void EveryFindingIdHasOneClauseInBothLanguages()
    {
        var ids = typeof(RuleIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!).ToList();
        foreach (var id in ids)
        {
            var e = ClauseTable.Find(id);
            Assert.True(e is not null, $"no clause for {id}");
            Assert.NotEqual(id, e!.Japanese);
            Assert.NotEqual(e.Japanese, e.English);
            Assert.Equal(e.Japanese, SegVerify.Core.Localization.Messages.Clause(id, "ja"));
            Assert.Equal(e.English, SegVerify.Core.Localization.Messages.Clause(id, "en"));
        }
        Assert.Equal(ClauseTable.All.Count, ClauseTable.All.Select(e => e.Id).Distinct().Count());
    }
}
