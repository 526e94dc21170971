namespace SegVerify.Core.Topology;

/// <summary>"Did you mean" suggestions for misspelt keys, names and values.</summary>
internal static class NameSuggester
{
    /// <summary>The closest candidate when it is close enough to be a plausible typo, else null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            if (string.Equals(c, input, StringComparison.OrdinalIgnoreCase) && c != input) return c;
            int d = Distance(input.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { bestDistance = d; best = c; }
        }
        if (best is null) return null;
        // One edit for short words, up to a third of the longer word's length (at most 3) for longer ones.
        int allowed = Math.Clamp(Math.Max(input.Length, best.Length) / 3, 1, 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
        {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int v = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = Math.Min(v, d[i - 2, j - 2] + 1);
            d[i, j] = v;
        }
        return d[a.Length, b.Length];
    }

    /// <summary>" (did you mean 'x'?)" or "" in English; the Japanese form when <paramref name="ja"/>.</summary>
    public static string Hint(string input, IEnumerable<string> candidates, bool ja)
    {
        var c = Closest(input, candidates);
        if (c is null) return "";
        return ja ? $"（'{c}' の誤りですか?）" : $" (did you mean '{c}'?)";
    }
}
