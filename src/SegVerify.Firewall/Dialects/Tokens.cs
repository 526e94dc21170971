namespace SegVerify.Firewall.Dialects;

/// <summary>A word of a configuration line with its 1-based column.</summary>
public readonly record struct Tok(string Text, int Column, bool Quoted = false)
{
    public override string ToString() => Text;
}

internal static class LineTokenizer
{
    /// <summary>Splits a line into words; double-quoted strings are one word (quotes removed, \" unescaped).</summary>
    public static List<Tok> Split(string line)
    {
        var res = new List<Tok>();
        int i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i])) { i++; continue; }
            int start = i;
            if (line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length) i++;
                    sb.Append(line[i]);
                    i++;
                }
                i++;
                res.Add(new Tok(sb.ToString(), start + 1, true));
                continue;
            }
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            res.Add(new Tok(line[start..i], start + 1));
        }
        return res;
    }
}
