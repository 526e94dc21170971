using SegVerify.Firewall.Dialects.FortiOS;
using Xunit;

namespace SegVerify.Firewall.Tests.FortiOS;

/// <summary>The FortiOS CLI tokenizer and tree builder: quoting, nesting, commands, VDOMs and positioned errors.</summary>
public class FortiParserTests
{
    private static FgDocument Parse(string text) => FortiConfigParser.Parse("t.conf", text);

    [Fact]
    public void QuotedNamesWithSpacesJapaneseAndEscapesAreOneWord()
    {
        var doc = Parse("""
            #config-version=FG100F-7.2.8-FW-build1639-240313:opmode=0:vdom=0:user=admin
            #buildno=1639
            config firewall address
                edit "本庁舎 端末"
                    set comment "say \"hi\" to C:\\temp and \n stays"
                    set subnet 10.1.0.0 255.255.0.0
                next
                edit 'single \ quoted'
                    set comment pre"mid dle"post
                next
            end
            """);
        Assert.Equal("FG100F-7.2.8-FW-build1639-240313:opmode=0:vdom=0:user=admin", doc.ConfigVersion);
        var cfg = Assert.Single(doc.Configs);
        Assert.Equal("firewall address", cfg.Path);
        var edits = cfg.Edits.ToList();
        Assert.Equal("本庁舎 端末", edits[0].Name.Text);
        Assert.Equal(4, edits[0].Name.Line);
        Assert.Equal(10, edits[0].Name.Column);
        var comment = edits[0].Settings.First();
        Assert.Equal("say \"hi\" to C:\\temp and \\n stays", comment.Values.Single().Text);
        Assert.Equal(["10.1.0.0", "255.255.0.0"], edits[0].Settings.Last().Values.Select(v => v.Text));
        Assert.Equal("single \\ quoted", edits[1].Name.Text);
        Assert.Equal("premid dlepost", edits[1].Settings.Single().Values.Single().Text);
    }

    [Fact]
    public void MultiLineQuotedValueKeepsItsNewlinesAndLinePositionsStayRight()
    {
        var doc = Parse("config foo\n  edit 123\n    set comments \"multi line\ntext\"\n  next\n  edit 124\n  next\nend\n");
        var edits = doc.Configs[0].Edits.ToList();
        Assert.Equal("multi line\ntext", edits[0].Settings.Single().Values.Single().Text);
        Assert.Equal(6, edits[1].Line);
    }

    [Fact]
    public void NestingOfAnyDepthAndEveryVerb()
    {
        var doc = Parse("""
            config system interface
                edit "port1"
                    set ip 192.0.2.1 255.255.255.0
                    config ipv6
                        set ip6-address 2001:db8::1/64
                        config ip6-extra-addr
                            edit fe80::42/64
                            next
                        end
                    end
                    unset alias
                    append allowaccess ssh
                    select allowaccess ping
                next
            end
            config firewall policy
                move 2 before 1
            end
            """);
        var port1 = doc.Configs[0].Edits.Single();
        var ipv6 = port1.Configs.Single();
        Assert.Equal("ipv6", ipv6.Path);
        Assert.Equal("fe80::42/64", ipv6.Configs.Single().Edits.Single().Name.Text);
        Assert.Equal(["set", "unset", "append", "select"], port1.Settings.Select(s => s.Verb));
        var move = Assert.IsType<FgCommand>(doc.Configs[1].Items.Single());
        Assert.Equal("move", move.Verb);
        Assert.Equal(["2", "before", "1"], move.Args.Select(a => a.Text));
    }

    [Fact]
    public void VdomBlocksWithEditWithoutNextAndPromptLines()
    {
        var doc = Parse("""
            FGT-1 # show full-configuration
            config vdom
            edit root
            next
            edit dmz
            next
            end
            config global
            config system global
                set hostname "fg"
            end
            end
            config vdom
            edit root
            config firewall address
                edit "a"
                next
            end
            end
            """);
        Assert.Equal(["vdom", "global", "vdom"], doc.Configs.Select(c => c.Path));
        var root = doc.Configs[2].Edits.Single();
        Assert.Equal("firewall address", root.Configs.Single().Path);
    }

    [Theory]
    [InlineData("config firewall policy\n    edit 1\n    next\n", 1, 1, "not closed")]
    [InlineData("config firewall policy\n    next\nend\n", 2, 5, "'next' without")]
    [InlineData("config firewall address\n    edit \"unterminated\n    next\nend\n", 2, 10, "unterminated")]
    [InlineData("set hostname x\n", 1, 1, "expected 'config'")]
    [InlineData("    edit 1\n", 1, 5, "'edit' outside")]
    public void MalformedFilesGiveLineAndColumn(string text, int line, int col, string what)
    {
        var e = Assert.Throws<FortiParseException>(() => Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Equal(col, e.Column);
        Assert.Contains(what, e.MessageEn);
        Assert.StartsWith($"t.conf:{line}:{col}: ", e.Localized(true));
    }

    [Fact]
    public void StrayEndAndDoubledQuoteAreRecoveredWithWarnings()
    {
        var doc = Parse("config firewall policy\n    edit 20\n        set service \"\"HTTPS\" \"HTTP\"\n    next\nend\nend\n");
        var svc = doc.Configs[0].Edits.Single().Settings.Single();
        Assert.Equal(["HTTPS", "HTTP"], svc.Values.Select(v => v.Text));
        Assert.Equal([(3, 21), (6, 1)], doc.Warnings.Select(w => (w.Line, w.Column)));
    }

    [Fact]
    public void TableCommandsFollowFortiOS()
    {
        var doc = Parse("""
            config firewall policy
                edit 1
                next
                edit 2
                next
                edit 3
                next
                edit 4
                next
                edit 5
                next
                move 5 before 1
                move 4 after 2
                clone 1 to 9
                delete 3
            end
            config firewall address
                edit "old"
                    set subnet 10.0.0.0/8
                next
                rename old to new
            end
            config firewall address
                edit "new"
                    set comment "re-entered"
                next
            end
            """);
        var cfg = FortiOsConfig.Build(doc, null);
        Assert.Equal(["5", "1", "2", "4", "9"], cfg.Table("firewall policy").Objects.Select(o => o.Name));
        Assert.True(cfg.Table("firewall address").TryGet("new", out var a));
        Assert.Equal("10.0.0.0/8", a.Get("subnet"));
        Assert.Equal("re-entered", a.Get("comment"));
        Assert.False(cfg.Table("firewall address").Contains("old"));
    }

    [Fact]
    public void VdomSelection()
    {
        const string text = """
            config vdom
            edit root
            next
            edit lgwan
            next
            end
            config global
            config system interface
                edit "port1"
                    set vdom "root"
                next
                edit "port2"
                    set vdom "lgwan"
                next
            end
            end
            config vdom
            edit root
            config firewall address
                edit "r"
                next
            end
            next
            edit lgwan
            config firewall address
                edit "l"
                next
            end
            next
            end
            """;
        var doc = Parse(text);
        var root = FortiOsConfig.Build(doc, null);
        Assert.True(root.MultiVdom);
        Assert.Equal(["port1"], root.Interfaces.Select(i => i.Name));
        Assert.Equal(["r"], root.Table("firewall address").Objects.Select(o => o.Name));
        var lg = FortiOsConfig.Build(doc, "lgwan");
        Assert.Equal(["port2"], lg.Interfaces.Select(i => i.Name));
        Assert.Equal(["l"], lg.Table("firewall address").Objects.Select(o => o.Name));
        var e = Assert.Throws<FortiParseException>(() => FortiOsConfig.Build(doc, "nope"));
        Assert.Contains("root, lgwan", e.MessageEn);
        var single = Parse("config firewall address\nend\n");
        Assert.Throws<FortiParseException>(() => FortiOsConfig.Build(single, "lgwan"));
        Assert.False(FortiOsConfig.Build(single, "root").MultiVdom);
    }

    [Fact]
    public void DetectionTellsFortiOSFromNetfilter()
    {
        Assert.True(FortiOsDetect.Score("config firewall policy\n    edit 1\n        set action accept\n    next\nend\n") > 0);
        Assert.Equal(0, FortiOsDetect.Score("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n"));
        Assert.Equal(0, FortiOsDetect.Score("table inet filter {\n chain forward {\n  type filter hook forward priority 0;\n }\n}\n"));
    }
}
