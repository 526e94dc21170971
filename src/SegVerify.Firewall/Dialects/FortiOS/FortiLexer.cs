using System.Text;

namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>A word of a FortiOS CLI line with where it starts (1-based line and column).</summary>
public readonly record struct FgWord(string Text, int Line, int Column, bool Quoted)
{
    public override string ToString() => Text;
}

/// <summary>One command of the CLI text: its words (at least one) and where it starts.</summary>
public sealed record FgLine(IReadOnlyList<FgWord> Words, int Line, int Column)
{
    public string Verb => Words[0].Text;
}

/// <summary>A FortiOS configuration that cannot be read: where, and what was expected (English and Japanese).</summary>
public sealed class FortiParseException(string file, int line, int column, string message, string messageJa)
    : Exception($"{file}:{line}:{column}: {message}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public string MessageEn { get; } = message;
    public string MessageJa { get; } = messageJa;

    public string Localized(bool ja) => $"{File}:{Line}:{Column}: {(ja ? MessageJa : MessageEn)}";
}

/// <summary>
/// Splits FortiOS CLI text (<c>show</c> / <c>show full-configuration</c> output, a backup file) into commands, with
/// the CLI's quoting: a double-quoted piece keeps everything up to the closing quote (newlines included; only
/// <c>\"</c>, <c>\'</c> and <c>\\</c> are escapes), a single-quoted piece escapes nothing, outside quotes a backslash
/// takes the next character literally and a backslash before a newline joins the lines; quoted and unquoted pieces
/// next to each other form one word. A line whose first non-blank character is <c>#</c> is a comment.
/// </summary>
public static class FortiLexer
{
    /// <summary>The commands of <paramref name="text"/>, plus the comment lines (without the '#').</summary>
    public static List<FgLine> Lex(string file, string text, List<(int Line, string Text)>? comments = null, List<FortiWarning>? warnings = null)
    {
        text = RepairStrayQuotes(text, warnings);
        var lines = new List<FgLine>();
        int i = 0, line = 1, col = 1;
        int n = text.Length;
        if (n > 0 && text[0] == '\uFEFF') { i = 1; }
        var words = new List<FgWord>();
        var sb = new StringBuilder();
        int lineStart = 0, colStart = 0;

        void Advance()
        {
            if (text[i] == '\n') { line++; col = 1; }
            else col++;
            i++;
        }

        while (i < n)
        {
            char c = text[i];
            if (c == '\n')
            {
                if (words.Count > 0) { lines.Add(new FgLine(words, lineStart, colStart)); words = []; }
                Advance();
                continue;
            }
            if (c is ' ' or '\t' or '\r' or '\f' or '\v') { Advance(); continue; }
            if (c == '#' && words.Count == 0)
            {
                int l = line;
                int s = i + 1;
                while (i < n && text[i] != '\n') Advance();
                comments?.Add((l, text[s..i].TrimEnd('\r')));
                continue;
            }
            if (c == '\\' && i + 1 < n && (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < n && text[i + 2] == '\n')))
            {
                // A line continuation between words.
                Advance();
                if (text[i] == '\r') Advance();
                Advance();
                continue;
            }
            // A word: pieces until unquoted white space.
            int wl = line, wc = col;
            bool quoted = false;
            sb.Clear();
            while (i < n)
            {
                c = text[i];
                if (c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v') break;
                if (c == '"' || c == '\'')
                {
                    quoted = true;
                    char q = c;
                    int ql = line, qc = col;
                    Advance();
                    while (true)
                    {
                        if (i >= n)
                            throw new FortiParseException(file, ql, qc, $"unterminated {(q == '"' ? "double" : "single")}-quoted string (expected a closing {q})",
                                $"引用符が閉じていません（閉じる {q} が必要です）");
                        char d = text[i];
                        if (d == q) { Advance(); break; }
                        if (q == '"' && d == '\\' && i + 1 < n && text[i + 1] is '"' or '\'' or '\\')
                        {
                            Advance();
                            sb.Append(text[i]);
                            Advance();
                            continue;
                        }
                        if (d == '\r' && i + 1 < n && text[i + 1] == '\n') { Advance(); continue; }
                        sb.Append(d);
                        Advance();
                    }
                    continue;
                }
                if (c == '\\' && i + 1 < n)
                {
                    Advance();
                    if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') Advance();
                    if (text[i] == '\n') { Advance(); continue; } // continuation inside a word
                    sb.Append(text[i]);
                    Advance();
                    continue;
                }
                sb.Append(c);
                Advance();
            }
            if (words.Count == 0) { lineStart = wl; colStart = wc; }
            words.Add(new FgWord(sb.ToString(), wl, wc, quoted));
        }
        if (words.Count > 0) lines.Add(new FgLine(words, lineStart, colStart));
        return lines;
    }

    private static readonly string[] CommandStarts = ["set ", "unset ", "append ", "select ", "next", "end", "edit ", "config ", "#"];

    /// <summary>
    /// A hand-edited line such as <c>set service ""HTTPS" "HTTP"</c> (an odd number of double quotes, a doubled quote
    /// before a value, the line ending in a quote and the next line a command) would otherwise swallow the rest of
    /// the file into one string; the doubled quote is read as one quote, with a warning at its position.
    /// </summary>
    private static string RepairStrayQuotes(string text, List<FortiWarning>? warnings)
    {
        if (!text.Contains("\"\"", StringComparison.Ordinal)) return text;
        var lines = text.Split('\n');
        bool changed = false;
        for (int i = 0; i < lines.Length - 1; i++)
        {
            var l = lines[i].TrimEnd('\r');
            var t = l.TrimStart();
            if (!(t.StartsWith("set ", StringComparison.Ordinal) || t.StartsWith("append ", StringComparison.Ordinal)) || !l.EndsWith('"')) continue;
            if (Quotes(l) % 2 == 0) continue;
            var next = lines[i + 1].TrimStart();
            if (!CommandStarts.Any(c => next.StartsWith(c, StringComparison.Ordinal))) continue;
            int at = l.IndexOf("\"\"", StringComparison.Ordinal);
            if (at < 0 || at + 2 >= l.Length || l[at + 2] is ' ' or '"') continue;
            lines[i] = lines[i].Remove(at, 1);
            changed = true;
            warnings?.Add(new FortiWarning(i + 1, at + 1, "unbalanced double quotes: the doubled quote is read as one",
                "ダブルクォートの対応が取れていません: 二重の引用符を一つとして読みます"));
        }
        return changed ? string.Join('\n', lines) : text;
    }

    private static int Quotes(string l)
    {
        int n = 0;
        for (int i = 0; i < l.Length; i++)
        {
            if (l[i] == '\\') { i++; continue; }
            if (l[i] == '"') n++;
        }
        return n;
    }
}
