namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>
/// Builds the generic tree of a FortiOS configuration (<c>config</c>/<c>edit</c>/<c>next</c>/<c>end</c> of any
/// depth). Every block is kept, known or not; the FortiOS model reads only the blocks it needs, so the hundreds of
/// other sections of a full configuration cost nothing. A structural error (an <c>end</c> or <c>next</c> with nothing
/// to close, a block left open at the end of the file, an unterminated quote) is a <see cref="FortiParseException"/>
/// with its position.
/// </summary>
public static class FortiConfigParser
{
    private static readonly HashSet<string> SettingVerbs = new(StringComparer.Ordinal) { "set", "unset", "append", "select", "unselect" };

    public static FgDocument Parse(string file, string text)
    {
        var doc = new FgDocument { File = file };
        var lines = FortiLexer.Lex(file, text, doc.Comments, doc.Warnings);
        var stack = new List<FgBlock>();
        foreach (var ln in lines)
        {
            var verb = ln.Verb;
            FgBlock? top = stack.Count > 0 ? stack[^1] : null;
            switch (verb)
            {
                case "config":
                    {
                        if (ln.Words.Count < 2)
                            throw Error(file, ln, "'config' needs a section name (e.g. config firewall policy)", "'config' の後にセクション名が必要です（例: config firewall policy）");
                        var cfg = new FgConfig { Line = ln.Line, Column = ln.Column, PathWords = ln.Words.Skip(1).ToList() };
                        if (top is null) doc.Configs.Add(cfg); else top.Items.Add(cfg);
                        stack.Add(cfg);
                        break;
                    }
                case "edit":
                    {
                        if (ln.Words.Count < 2)
                            throw Error(file, ln, "'edit' needs a name or number", "'edit' の後に名前または番号が必要です");
                        // An edit that follows another without 'next' closes it (FortiOS writes VDOM blocks that way).
                        if (top is FgEdit) { stack.RemoveAt(stack.Count - 1); top = stack.Count > 0 ? stack[^1] : null; }
                        if (top is not FgConfig owner)
                            throw Error(file, ln, "'edit' outside a 'config' block", "'config' ブロックの外に 'edit' があります");
                        var e = new FgEdit { Line = ln.Line, Column = ln.Column, Name = ln.Words[1] };
                        owner.Items.Add(e);
                        stack.Add(e);
                        break;
                    }
                case "next":
                    if (top is not FgEdit)
                        throw Error(file, ln, "'next' without an open 'edit'", "対応する 'edit' のない 'next' があります");
                    stack.RemoveAt(stack.Count - 1);
                    break;
                case "end":
                    if (top is null)
                    {
                        // A stray 'end' at the top level closes nothing and changes nothing.
                        doc.Warnings.Add(new FortiWarning(ln.Line, ln.Column, "'end' without an open 'config' (ignored)", "対応する 'config' のない 'end' があります（無視します）"));
                        break;
                    }
                    // 'end' right after an edit's content closes the edit and its table (VDOM blocks, 'edit' without 'next').
                    if (top is FgEdit) stack.RemoveAt(stack.Count - 1);
                    stack.RemoveAt(stack.Count - 1);
                    break;
                default:
                    if (top is null)
                    {
                        // A CLI prompt captured with the output ("FGT # show", "FG_VM-Demo $ show full-configuration").
                        if (IsPrompt(ln)) break;
                        throw Error(file, ln, $"expected 'config' at the top level, found '{verb}'",
                            $"最上位には 'config' が必要ですが '{verb}' があります");
                    }
                    if (SettingVerbs.Contains(verb))
                    {
                        if (ln.Words.Count < 2)
                            throw Error(file, ln, $"'{verb}' needs an attribute name", $"'{verb}' の後に属性名が必要です");
                        top.Items.Add(new FgSetting { Line = ln.Line, Column = ln.Column, Verb = verb, Key = ln.Words[1], Values = ln.Words.Skip(2).ToList() });
                    }
                    else
                        top.Items.Add(new FgCommand { Line = ln.Line, Column = ln.Column, Verb = verb, Args = ln.Words.Skip(1).ToList() });
                    break;
            }
        }
        if (stack.Count > 0)
        {
            var open = stack.OfType<FgConfig>().LastOrDefault() ?? (FgItem)stack[^1];
            var what = open is FgConfig c ? $"config {c.Path}" : open.ToString();
            throw new FortiParseException(file, open.Line, open.Column, $"'{what}' is not closed by 'end' before the end of the file (truncated file?)",
                $"'{what}' がファイルの終わりまでに 'end' で閉じられていません（ファイルが途中で切れていませんか）");
        }
        return doc;
    }

    private static bool IsPrompt(FgLine ln) =>
        ln.Words.Count >= 2 && (ln.Words[1].Text is "#" or "$" || ln.Words[0].Text.EndsWith('#') || ln.Words[0].Text.EndsWith('$'))
        && !ln.Words[0].Quoted;

    private static FortiParseException Error(string file, FgLine ln, string en, string ja) => new(file, ln.Line, ln.Column, en, ja);
}
