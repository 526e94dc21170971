using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects.Nftables;

/// <summary>One element of a set or map: the key (one word list per part of a concatenation) and, for a map, the value.</summary>
internal sealed record NftElement(IReadOnlyList<List<NTok>> Key, List<NTok>? Value, NTok At);

/// <summary>A named set or map of a table (<c>set NAME { type ...; flags ...; elements = { ... } }</c>).</summary>
internal sealed class NftSetDef
{
    public required string Name { get; init; }
    public required ConfigPos Pos { get; init; }
    public bool IsMap { get; init; }
    /// <summary>Filled at run time (flags dynamic, or a rule adds to it): what a dump lists is only a snapshot.</summary>
    public bool Dynamic { get; set; }
    public string Type { get; set; } = "";
    public List<NftElement> Elements { get; } = [];
}

/// <summary>Reads the elements written between braces.</summary>
internal static class NftElements
{
    private static readonly HashSet<string> ElementOptions = ["timeout", "expires", "comment"];

    /// <summary>
    /// The elements of <c>{ a, b . c, d : v, ... }</c> between <paramref name="from"/> (after the opening brace) and
    /// <paramref name="to"/> (exclusive, the closing brace). Nested braces (a set variable used inside a set) are
    /// flattened, as nft does.
    /// </summary>
    public static List<NftElement> Split(List<NTok> toks, int from, int to)
    {
        var res = new List<NftElement>();
        var cur = new List<NTok>();
        int depth = 0;
        for (int i = from; i < to && i < toks.Count; i++)
        {
            var t = toks[i];
            if (t.Is("{")) depth++;
            else if (t.Is("}")) depth--;
            if (depth == 0 && t.Is(",")) { Add(res, cur); cur = []; continue; }
            cur.Add(t);
        }
        Add(res, cur);
        return res;
    }

    private static void Add(List<NftElement> res, List<NTok> e)
    {
        if (e.Count == 0) return;
        if (e[0].Is("{"))
        {
            // A nested set: its closing brace is the element's last word (possibly followed by nothing else).
            int close = e.FindLastIndex(x => x.Is("}"));
            if (close > 0) { res.AddRange(Split(e, 1, close)); return; }
        }
        // Key and value are split at a standalone ':' (or a key word written "22:").
        List<NTok> key = e;
        List<NTok>? value = null;
        int colon = e.FindIndex(x => x.Is(":"));
        if (colon >= 0) { key = e[..colon]; value = e[(colon + 1)..]; }
        else
        {
            int k = e.FindIndex(x => !x.Quoted && x.Text.Length > 1 && x.Text[^1] == ':' && x.Text[^2] != ':' && x.Text.IndexOf(':') == x.Text.Length - 1);
            if (k >= 0)
            {
                key = [.. e[..k], e[k] with { Text = e[k].Text[..^1] }];
                value = e[(k + 1)..];
            }
        }
        var parts = new List<List<NTok>>();
        var part = new List<NTok>();
        for (int i = 0; i < key.Count; i++)
        {
            var t = key[i];
            if (!t.Quoted && ElementOptions.Contains(t.Text)) { i++; continue; }
            if (t.Is("counter")) { while (i + 2 < key.Count && (key[i + 1].Is("packets") || key[i + 1].Is("bytes"))) i += 2; continue; }
            if (t.Is(".")) { parts.Add(part); part = []; continue; }
            part.Add(t);
        }
        parts.Add(part);
        if (value is not null)
        {
            var v = new List<NTok>();
            for (int i = 0; i < value.Count; i++)
            {
                if (!value[i].Quoted && ElementOptions.Contains(value[i].Text)) { i++; continue; }
                v.Add(value[i]);
            }
            value = v;
        }
        res.Add(new NftElement(parts, value, e[0]));
    }
}
