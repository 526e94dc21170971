using System.Text;
using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>
/// Turns nft text into words, as <c>nft -f</c> reads it before parsing: <c>include "file"</c> is replaced by the
/// words of the file (relative to the including file; a glob includes every match in name order), and
/// <c>define NAME = value</c> / <c>redefine</c> / <c>undefine</c> bind variables that every later <c>$NAME</c> is
/// replaced by (a value may itself use variables). A missing included file, an include loop and an undefined
/// variable are errors at their position, as nft reports them.
/// </summary>
internal sealed class NftLexer
{
    /// <summary>Deepest include nesting accepted (nft: 16).</summary>
    public const int MaxIncludeDepth = 16;

    private readonly Func<string, string> _readFile;
    private readonly Dictionary<string, List<NTok>> _vars = new(StringComparer.Ordinal);
    private readonly List<NTok> _out = [];
    private readonly List<string> _stack = [];

    private NftLexer(Func<string, string> readFile) { _readFile = readFile; }

    /// <summary>The words of <paramref name="text"/> (read from <paramref name="file"/>) with includes and variables resolved.</summary>
    public static List<NTok> Read(string file, string text, Func<string, string>? readFile = null)
    {
        var lx = new NftLexer(readFile ?? File.ReadAllText);
        lx._stack.Add(Full(file));
        lx.Process(Tokenize(file, text));
        return lx._out;
    }

    private static string Full(string path)
    {
        try { return Path.GetFullPath(path); } catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return path; }
    }

    /// <summary>Splits text into words; newlines are words (they end statements); comments and escaped newlines vanish.</summary>
    public static List<NTok> Tokenize(string file, string text)
    {
        var res = new List<NTok>();
        int line = 1, col = 1, i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (c == '\n') { res.Add(new NTok("\n", file, line, col)); line++; col = 1; i++; continue; }
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\n') { i += 2; line++; col = 1; continue; }
            if (char.IsWhiteSpace(c)) { i++; col++; continue; }
            if (c == '#') { while (i < text.Length && text[i] != '\n') { i++; col++; } continue; }
            if (c is '{' or '}' or ';' or ',' or '|' or '(' or ')' or '&')
            {
                res.Add(new NTok(c.ToString(), file, line, col));
                i++; col++;
                continue;
            }
            if (c == '"')
            {
                int sc = col, j = i + 1;
                var sb = new StringBuilder();
                while (j < text.Length && text[j] != '"' && text[j] != '\n')
                {
                    if (text[j] == '\\' && j + 1 < text.Length && text[j + 1] != '\n') j++;
                    sb.Append(text[j]); j++;
                }
                res.Add(new NTok(sb.ToString(), file, line, sc, true));
                int end = j < text.Length && text[j] == '"' ? j + 1 : j;
                col += end - i; i = end;
                continue;
            }
            int s = i, scol = col;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('{' or '}' or ';' or ',' or '"' or '#' or '|' or '(' or ')' or '&'))
            {
                // "!=" and "==" stay one word; a lone '!' before '=' is part of it.
                i++; col++;
            }
            res.Add(new NTok(text[s..i], file, line, scol));
        }
        res.Add(new NTok("\n", file, line, col));
        return res;
    }

    private static ConfigError Error(NTok at, string en, string ja) => new(at.Pos, en, ja);

    private static bool StatementStart(List<NTok> t, int i) => i == 0 || t[i - 1].IsNewline || t[i - 1].Is(";") || t[i - 1].Is("{") || t[i - 1].Is("}");

    private void Process(List<NTok> t)
    {
        int i = 0;
        while (i < t.Count)
        {
            var w = t[i];
            if (StatementStart(t, i) && !w.Quoted)
            {
                if (w.Text == "include")
                {
                    if (i + 1 >= t.Count || !t[i + 1].Quoted)
                        throw new FirewallConfigException(Error(w, "include needs a quoted file name", "include にはダブルクォートで囲んだファイル名が必要です"));
                    Include(w, t[i + 1].Text);
                    i += 2;
                    continue;
                }
                if (w.Text is "define" or "redefine")
                {
                    i = Define(t, i);
                    continue;
                }
                if (w.Text == "undefine")
                {
                    if (i + 1 < t.Count) _vars.Remove(t[i + 1].Text);
                    i += 2;
                    continue;
                }
            }
            if (!w.Quoted && w.Text.Length > 1 && w.Text[0] == '$')
            {
                _out.AddRange(Expand(w));
                i++;
                continue;
            }
            _out.Add(w);
            i++;
        }
    }

    /// <summary>The words a variable stands for, placed at its use.</summary>
    private List<NTok> Expand(NTok use)
    {
        var name = use.Text[1..];
        if (!_vars.TryGetValue(name, out var val))
            throw new FirewallConfigException(Error(use, $"undefined variable '${name}' (define it before use)", $"未定義の変数 '${name}' です（使う前に define してください）"));
        var res = new List<NTok>(val.Count);
        foreach (var v in val) res.Add(v with { File = use.File, Line = use.Line, Col = use.Col });
        return res;
    }

    /// <summary>define NAME = value: the value runs to the end of the line, or to the brace closing one it opens.</summary>
    private int Define(List<NTok> t, int i)
    {
        var at = t[i];
        if (i + 2 >= t.Count || t[i + 1].Quoted || !t[i + 2].Is("="))
            throw new FirewallConfigException(Error(at, "expected 'define NAME = value'", "'define 名前 = 値' の形で書いてください"));
        var name = t[i + 1].Text;
        int j = i + 3, depth = 0;
        var val = new List<NTok>();
        while (j < t.Count)
        {
            var w = t[j];
            if (depth == 0 && (w.IsNewline || w.Is(";"))) break;
            if (w.Is("{")) depth++;
            else if (w.Is("}")) { depth--; if (depth < 0) break; }
            if (w.IsNewline) { j++; continue; }
            if (!w.Quoted && w.Text.Length > 1 && w.Text[0] == '$') val.AddRange(Expand(w));
            else val.Add(w);
            j++;
        }
        if (val.Count == 0)
            throw new FirewallConfigException(Error(at, $"define {name} has no value", $"define {name} に値がありません"));
        _vars[name] = val;
        return j;
    }

    private void Include(NTok at, string path)
    {
        var baseDir = Path.GetDirectoryName(_stack[^1]) ?? ".";
        string full = Path.IsPathRooted(path) ? path : Path.Combine(baseDir, path);
        var files = new List<string>();
        string name = Path.GetFileName(full);
        if (name.IndexOfAny(['*', '?', '[']) >= 0)
        {
            // A glob: every matching file in name order; none is not an error (as in nft).
            var dir = Path.GetDirectoryName(full) ?? ".";
            if (Directory.Exists(dir))
                files.AddRange(Directory.EnumerateFiles(dir, name.Replace("[", "?").Replace("]", "?")).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
        }
        else files.Add(full);
        foreach (var f in files)
        {
            var fullF = Full(f);
            if (_stack.Contains(fullF))
                throw new FirewallConfigException(Error(at, $"include loop: '{path}' is already being read ({string.Join(" -> ", _stack.Select(Path.GetFileName))})",
                    $"include がループしています: '{path}' は読み込み中です（{string.Join(" -> ", _stack.Select(Path.GetFileName))}）"));
            if (_stack.Count >= MaxIncludeDepth)
                throw new FirewallConfigException(Error(at, $"includes nested deeper than {MaxIncludeDepth} levels", $"include の入れ子が {MaxIncludeDepth} 段を超えています"));
            string text;
            try { text = _readFile(f); }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new FirewallConfigException(Error(at, $"included file '{path}' not found (looked for {f})", $"include されたファイル '{path}' が見つかりません（{f}）"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new FirewallConfigException(Error(at, $"included file '{path}' cannot be read: {e.Message}", $"include されたファイル '{path}' を読めません: {e.Message}"));
            }
            _stack.Add(fullF);
            var words = Tokenize(f, text);
            _out.Add(new NTok("\n", at.File, at.Line, at.Col));
            Process(words);
            _out.Add(new NTok("\n", at.File, at.Line, at.Col));
            _stack.RemoveAt(_stack.Count - 1);
        }
    }
}
