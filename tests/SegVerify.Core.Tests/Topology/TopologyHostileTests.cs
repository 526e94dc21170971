using System.Text;
using SegVerify.Core.Net;
using SegVerify.Core.Topology;
using Xunit;

namespace SegVerify.Core.Tests.Topology;

/// <summary>Hostile and malformed topology files: every one is a TopologyException with a position, never a crash.</summary>
public class TopologyHostileTests
{
    private const string File = "h.yaml";

    private static TopologyError Single(string text, string lang = "en")
    {
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.LoadFromText(text, File, lang));
        return Assert.Single(ex.Errors);
    }

    private static string Nested(int levels) => new string('[', levels) + new string(']', levels) + "\n";

    [Fact]
    public void FiftyThousandLevelsOfNestingStopAtTheDepthLimit()
    {
        var e = Single(Nested(50_000));
        // The outermost '[' is depth 0; the one that crosses the limit is the (MaxDepth + 1)th.
        Assert.Equal((1, TopologyLimits.MaxDepth + 1), (e.Line, e.Column));
        Assert.Contains("MaxDepth", e.Message);
        Assert.Contains("nesting is too deep", e.Message);
        Assert.Contains("MaxDepth", Single(Nested(50_000), "ja").Message);
        Assert.Contains("入れ子が深すぎます", Single(Nested(50_000), "ja").Message);
    }

    [Fact]
    public void DeepBlockNestingIsReportedWhereItCrossesTheLimit()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 100; i++) sb.Append(' ', i).Append("k").Append(i).Append(":\n");
        var e = Single(sb.ToString());
        Assert.Equal((TopologyLimits.MaxDepth + 1, TopologyLimits.MaxDepth + 1), (e.Line, e.Column));
        Assert.Contains("MaxDepth", e.Message);
    }

    [Fact]
    public void NestingWithinTheLimitIsNotAnError()
    {
        // Depth 60 is far past any real topology but within the limit: the error is about the content, not the depth.
        var e = Single("segverify: 1\nname: x\nmodel: alpha\nzones: " + Nested(60));
        Assert.DoesNotContain("MaxDepth", e.Message);
    }

    [Fact]
    public void BillionLaughsStopsAtTheNodeLimitAtTheAliasThatCrossesIt()
    {
        var sb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 9; i++)
            sb.Append($"a{i}: &a{i} [" + string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10)) + "]\n");
        var e = Single(sb.ToString());
        Assert.Contains("MaxNodes", e.Message);
        // 10^6 nodes are reached inside a6's list (a5 stands for 111,111 nodes, a6 for 1,111,111 and a7 more).
        Assert.Equal(7, e.Line);
        Assert.True(e.Column > 9, e.ToString());
        Assert.Equal("*a5", "a6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]".Substring(e.Column - 1, 3));
    }

    [Fact]
    public void ManyErrorsStopAtTheErrorLimit()
    {
        // 3,000 bad allow rules, several errors each: the list stops at MaxErrors plus one closing error.
        var sb = new StringBuilder("segverify: 1\nname: x\nmodel: alpha\nzones: { z: { tier: lgwan, segments: [10.0.0.0/8] } }\nallow:\n");
        for (int i = 0; i < 3000; i++) sb.Append("  - { bogus: 1 }\n");
        var ex = Assert.Throws<TopologyException>(() => TopologyLoader.LoadFromText(sb.ToString(), File, "en"));
        Assert.Equal(TopologyLimits.MaxErrors + 1, ex.Errors.Count);
        var last = ex.Errors[^1];
        Assert.Contains("MaxErrors", last.Message);
        Assert.Contains("too many errors: stopped after 1,000", last.Message);
        Assert.True(last.Line > 6 && last.Column > 0, last.ToString());
        Assert.All(ex.Errors.SkipLast(1), e => Assert.DoesNotContain("MaxErrors", e.Message));
    }

    [Fact]
    public void AFileLargerThanTheLimitIsRefusedAtThePositionWhereItCrossesIt()
    {
        var line = "# " + new string('x', 1021) + "\n"; // 1,024 bytes a line
        var text = new StringBuilder().Insert(0, line, TopologyLimits.MaxFileBytes / 1024 + 1).ToString();
        var e = Single(text);
        Assert.Contains("MaxFileBytes", e.Message);
        Assert.Equal((TopologyLimits.MaxFileBytes / 1024 + 1, 1), (e.Line, e.Column));
    }

    [Fact]
    public void AFileLargerThanTheLimitOnDiskIsNotReadWhole()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segv-big-{Guid.NewGuid():N}.yaml");
        try
        {
            using (var fs = System.IO.File.Create(path)) fs.SetLength(TopologyLimits.MaxFileBytes + 100L); // zeros: one line
            var ex = Assert.Throws<TopologyException>(() => TopologyLoader.Load(path, "en"));
            var e = Assert.Single(ex.Errors);
            Assert.Equal((1, TopologyLimits.MaxFileBytes + 1), (e.Line, e.Column));
            Assert.Contains("MaxFileBytes", e.Message);
        }
        finally { System.IO.File.Delete(path); }
    }

    [Fact]
    public void AScannerFailureIsASyntaxErrorWhereTheScannerStopped()
    {
        // YamlDotNet's scanner throws InvalidOperationException on this (a flow mapping continued at column 1).
        const string text = "zones:\n  a:\n    segments:\n      - { cidr: 10.10\n0.0/16, vlan: 110 }\n";
        var e = Single(text);
        Assert.Equal((5, 1), (e.Line, e.Column));
        Assert.StartsWith("YAML syntax error: ", e.Message);
        var ja = Single(text, "ja");
        Assert.Equal((5, 1), (ja.Line, ja.Column));
        Assert.StartsWith("YAML の構文エラー: ここから先を YAML として読めません", ja.Message);
    }

    [Theory]
    [InlineData("segverify: 1\nzones:\n  x:\n\ttier: lgwan\n", 4, 1)]
    [InlineData("segverify: 1\nzones:\n  x:\n    tier: lgwan\n  \tsegments: []\n", 5, 3)]
    [InlineData("a:\n  b: 1\n\tc: 2\n", 3, 1)]
    public void ATabUsedAsIndentationIsReportedWhereTheTabIs(string text, int line, int column)
    {
        var e = Single(text);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains("a tab used for indentation", e.Message);
        Assert.Contains("インデントにタブが使われています", Single(text, "ja").Message);
    }

    [Fact]
    public void YamlDotNetMessagesAreInJapaneseWhenAsked()
    {
        var e = Single("segverify: 1\nzones: [a, b\n", "ja");
        Assert.Equal("YAML の構文エラー: [ ] のリストに ',' か ']' がありません（括弧が閉じていない可能性があります）", e.Message);
        Assert.Contains("定義されていないエイリアス '*nosuch'", Single("a: *nosuch\n", "ja").Message);
        Assert.Contains("2 つ目の YAML 文書", Single("a: 1\n---\nb: 2\n", "ja").Message);
    }

    [Fact]
    public void NonUtf8IsReportedAtTheFirstBadByte()
    {
        var path = Path.Combine(Path.GetTempPath(), $"segv-latin1-{Guid.NewGuid():N}.yaml");
        try
        {
            // Line 3, after "name: " and two valid UTF-8 characters (市 is 3 bytes, one column): column 9.
            var bytes = Encoding.UTF8.GetBytes("segverify: 1\nmodel: alpha\nname: 市x").Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();
            System.IO.File.WriteAllBytes(path, bytes);
            var e = Assert.Single(Assert.Throws<TopologyException>(() => TopologyLoader.Load(path, "en")).Errors);
            Assert.Equal((3, 9), (e.Line, e.Column));
            Assert.Contains("byte 0xe9 (offset 36) is not valid UTF-8", e.Message);
            var ja = Assert.Single(Assert.Throws<TopologyException>(() => TopologyLoader.Load(path, "ja")).Errors);
            Assert.Contains("UTF-8 として読めないバイト 0xe9", ja.Message);
        }
        finally { System.IO.File.Delete(path); }
    }

    [Theory]
    [InlineData("010.010.000.000/16")]
    [InlineData("167772160/8")]
    [InlineData("10.10/16")]
    [InlineData("0x0a.0.0.0/8")]
    [InlineData("10.10.0.0 /16")]
    public void AddressesAreParsedStrictly(string cidr)
    {
        var text = $"segverify: 1\nname: x\nmodel: alpha\nzones:\n  z:\n    tier: lgwan\n    segments: [{cidr}]\n";
        var e = Single(text);
        Assert.Equal((7, 16), (e.Line, e.Column));
        Assert.Contains($"'{cidr}' is not a CIDR", e.Message);
    }

    [Fact]
    public void AHostAddressWithALeadingZeroIsRefused()
    {
        var text = "segverify: 1\nname: x\nmodel: alpha\nzones:\n  z:\n    tier: lgwan\n    segments: [10.0.0.0/8]\nhosts:\n  - { name: h, zone: z, ip: 10.0.0.010 }\n";
        var e = Single(text);
        Assert.Equal((9, 29), (e.Line, e.Column));
        Assert.Contains("'10.0.0.010' is not an IP address", e.Message);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("256.0.0.1", false)]
    [InlineData("010.0.0.1", false)]
    [InlineData("10.0.0.01", false)]
    [InlineData("10.0.0", false)]
    [InlineData("10.0.0.1.", false)]
    [InlineData("167772160", false)]
    [InlineData("0x7f.0.0.1", false)]
    [InlineData("1.2.3.4 ", false)]
    [InlineData("", false)]
    [InlineData("::1", true)]
    [InlineData("fd00:10::5", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("::ffff:010.0.0.1", false)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("[::1]", false)]
    public void IpAddrParsesStrictly(string text, bool ok)
    {
        Assert.Equal(ok, IpAddr.TryParse(text, out var a));
        if (ok && !text.Contains(':')) Assert.Equal(text, a.ToString());
    }
}
