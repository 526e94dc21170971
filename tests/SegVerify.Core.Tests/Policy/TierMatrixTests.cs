using SegVerify.Core.Policy;
using SegVerify.Core.Topology;
using Xunit;

namespace SegVerify.Core.Tests.Policy;

public class TierMatrixTests
{
    // The spec's table, row by row (initiator), columns: mynumber lgwan internet dmz lgwan-wan public-institution external.
    private static readonly string[][] Spec =
    [
        ["allow", "mynumber-isolation", "mynumber-isolation", "mynumber-isolation", "mynumber-isolation", "mynumber-isolation", "mynumber-internet"],
        ["mynumber-isolation", "allow", "lgwan-internet-separation", "zone-crossing", "allow", "zone-crossing", "lgwan-internet-separation"],
        ["mynumber-isolation", "lgwan-internet-separation", "allow", "zone-crossing", "lgwan-internet-separation", "zone-crossing", "allow"],
        ["mynumber-isolation", "zone-crossing", "zone-crossing", "allow", "zone-crossing", "zone-crossing", "zone-crossing"],
        ["mynumber-isolation", "allow", "lgwan-internet-separation", "zone-crossing", "allow", "zone-crossing", "zone-crossing"],
        ["mynumber-isolation", "zone-crossing", "zone-crossing", "zone-crossing", "zone-crossing", "allow", "zone-crossing"],
        ["mynumber-internet", "lgwan-internet-separation", "zone-crossing", "zone-crossing", "lgwan-internet-separation", "zone-crossing", "allow"],
    ];

    [Fact]
    public void EveryCellMatchesTheSpec()
    {
        for (int i = 0; i < 7; i++)
            for (int r = 0; r < 7; r++)
                Assert.Equal(Spec[i][r], TierMatrix.Verdict((Tier)i, (Tier)r) ?? "allow");
    }
}
