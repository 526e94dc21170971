using SegVerify.Core.Findings;
using SegVerify.Core.Net;
using SegVerify.Core.Output;
using Xunit;
using static SegVerify.Core.Tests.Output.SinkFixtures;

namespace SegVerify.Core.Tests.Output;

public class HtmlSinkTests
{
    [Fact]
    public void Self_contained_page_with_matrix_findings_talkers_and_evidence()
    {
        var findings = new OutputEvent[] { MnInternet(), MacBinding(), VlanMismatch(), Expired(), Large(), FlowEvent() };
        var html = Run(w => new HtmlSink(w, "en"), findings);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("@import", html);
        Assert.Contains("default-src 'none'", html);
        // five finding rows (the flow event is not listed), with data attributes the filters use
        Assert.Equal(5, Count(html, "<tr data-sev="));
        Assert.Equal(3, Count(html, "<tr data-sev=\"violation\""));
        Assert.Contains("<td class=\"mono\">10.10.1.11:40007</td><td>mn-office</td><td class=\"mono\">1.1.1.1:53</td><td>external</td>", html);
        Assert.Contains("<option value=\"vlan-mismatch\">vlan-mismatch</option>", html);
        // the matrix: every zone of the summary, violating cells marked
        Assert.Contains("<th scope=\"col\">public-web</th>", html);
        Assert.Equal(3, Count(html, "<span class=\"mark\">!</span>")); // mn->external, mn->j-lis, lg->j-lis
        Assert.Contains("title=\"lg-office -&gt; inet-office: 25\">25</td>", html);
        // top talkers: the large transfer pair, its bytes counted once
        Assert.Contains("10.20.1.11 <span class=\"z\">(lg-office)</span>", html);
        Assert.Contains("<td class=\"num\">620000</td>", html);
        // evidence
        Assert.Contains("SHA-256 " + new string('b', 64), html);
        Assert.Contains("SHA-256 " + new string('a', 64), html);
        Assert.Contains("<h2>Findings <span class=\"count\" id=\"shown\">5</span></h2>", html);
    }

    [Fact]
    public void Everything_from_the_run_is_escaped_and_headings_follow_the_language()
    {
        var evil = new Finding
        {
            Rule = RuleIds.SanitizationMisuse, TimestampNs = T0, Protocol = IpProto.Tcp,
            SrcIp = IpAddr.Parse("10.20.1.11"), DstIp = IpAddr.Parse("198.51.100.10"), DstPort = 443,
            SrcZone = "<script>alert(1)</script>", DstZone = "public-web",
            Args = new MessageArgs
            {
                Src = IpAddr.Parse("10.20.1.11"), Dst = IpAddr.Parse("198.51.100.10"), SrcZone = "<script>alert(1)</script>",
                DstZone = "public-web", Protocol = IpProto.Tcp, Port = 443, RuleName = "\"quoted\" & <b>bold</b> https://example.com/x",
            },
        };
        var html = Run(w => new HtmlSink(w, "ja"), [evil]);
        Assert.DoesNotContain("<script>alert", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        // the message, written by the sink in its language, quotes the rule name
        Assert.Contains("無害化経路 &#39;&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; https://example.com/x&#39; の誤用", html);
        Assert.Contains("無害化通信: 無害化経路の逆方向・対象外サービスでの利用", html);
        Assert.Contains("<h2>検出結果", html);
        Assert.Contains("<h2>証跡</h2>", html);
        Assert.Contains("<html lang=\"ja\">", html);
        // only the message mentions a URL, as text; nothing is fetched
        Assert.DoesNotContain("href=", html);
    }

    private static int Count(string s, string sub)
    {
        int n = 0;
        for (int i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
