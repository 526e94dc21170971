namespace SegVerify.Core.Topology;

/// <summary>
/// Japanese for the YAML parser's messages (YamlDotNet's and <see cref="YamlTree"/>'s own). A message with no
/// translation keeps YamlDotNet's English text after a Japanese prefix, so nothing is lost.
/// </summary>
internal static class YamlMessages
{
    private const string JaPrefix = "YAML の構文エラー: ";

    // Fragments of YamlDotNet's messages (stable across versions) and what they mean for a topology author.
    private static readonly (string Fragment, string Ja)[] Known =
    [
        (YamlTree.TabIndentation, "インデントにタブが使われています（YAML のインデントは空白のみです。タブを空白に置き換えてください）"),
        (YamlTree.StoppedHere, "ここから先を YAML として読めません（[ ] や { } の続きの行のインデントが浅い、または括弧・引用符が閉じていない可能性があります）"),
        ("did not find expected ',' or ']'", "[ ] のリストに ',' か ']' がありません（括弧が閉じていない可能性があります）"),
        ("did not find expected ',' or '}'", "{ } のマッピングに ',' か '}' がありません（括弧が閉じていない可能性があります）"),
        ("did not find expected '-' indicator", "リストの項目に '-' がありません（インデントを確認してください）"),
        ("did not find expected key", "マッピングのキーがありません（インデントを確認してください）"),
        ("found invalid mapping", "ここには キー: 値 を書けません（値に ': ' を含めるときは引用符で囲んでください）"),
        ("mapping values are not allowed", "ここには キー: 値 を書けません（値に ': ' を含めるときは引用符で囲んでください）"),
        ("found unexpected end of stream", "ファイルが途中で終わっています（引用符か括弧が閉じていません）"),
        ("did not find expected node content", "値がありません"),
        ("did not find expected hexadecimal number", "エスケープシーケンスが不正です（\\x の後には 16 進数が必要です）"),
        ("found unknown escape character", "不明なエスケープシーケンスです（文字列をシングルクォートで囲むか \\ を \\\\ にしてください）"),
        ("did not find expected <document start>", "文書の開始 '---' がありません"),
        ("did not find preceding <document end>", "ディレクティブの前に文書の終わり '...' がありません"),
        ("found character that cannot start any token", "トークンを始められない文字があります（'@' や '`' で始まる値は引用符で囲んでください）"),
        ("could not find expected ':'", "':' がありません（キー: 値 の形式を確認してください）"),
        ("found undefined tag handle", "定義されていないタグです"),
        ("did not find expected alphabetic or numeric character", "アンカー名・エイリアス名が不正です"),
        ("a second YAML document", "2 つ目の YAML 文書があります（トポロジーファイルには文書を 1 つだけ書いてください）"),
        ("unexpected end of the YAML stream", "YAML が途中で終わっています"),
        ("unexpected YAML event", "この位置に予期しない YAML 要素があります"),
    ];

    /// <summary>The message in <paramref name="language"/> ("ja" or anything else for English).</summary>
    public static string Localize(string english, string language)
    {
        if (language != "ja") return english.StartsWith(YamlTree.SyntaxPrefix, StringComparison.Ordinal) ? english : YamlTree.SyntaxPrefix + english;
        var body = english.StartsWith(YamlTree.SyntaxPrefix, StringComparison.Ordinal) ? english[YamlTree.SyntaxPrefix.Length..] : english;
        if (body.StartsWith("unknown alias '", StringComparison.Ordinal))
            return JaPrefix + $"定義されていないエイリアス {body["unknown alias ".Length..]} です（先に &名前 でアンカーを付けてください）";
        foreach (var (fragment, ja) in Known)
            if (body.Contains(fragment, StringComparison.Ordinal)) return JaPrefix + ja;
        return JaPrefix + body;
    }

    /// <summary>What a crossed <see cref="TopologyLimits"/> bound means, by its name.</summary>
    public static string Limit(string limit, long value, string language)
    {
        bool ja = language == "ja";
        return limit switch
        {
            nameof(TopologyLimits.MaxDepth) => ja
                ? $"入れ子が深すぎます（上限 {value} 段、制限 MaxDepth）。実際のトポロジーはこれほど深くなりません"
                : $"nesting is too deep (the limit is {value} levels, MaxDepth); a real topology is never this deep",
            nameof(TopologyLimits.MaxNodes) => ja
                ? $"エイリアスを展開した要素が多すぎます（上限 {value:N0} 個、制限 MaxNodes）。エイリアス（*名前）の使いすぎを確認してください"
                : $"too many YAML nodes once aliases are expanded (the limit is {value:N0}, MaxNodes); check the aliases (*name)",
            nameof(TopologyLimits.MaxFileBytes) => ja
                ? $"ファイルが大きすぎます（上限 {value:N0} バイト、制限 MaxFileBytes）。ここで上限を超えました"
                : $"the file is too large (the limit is {value:N0} bytes, MaxFileBytes); the limit is crossed here",
            nameof(TopologyLimits.MaxErrors) => ja
                ? $"エラーが多すぎるため、{value:N0} 件で検査を打ち切りました（制限 MaxErrors）。ここが {value + 1:N0} 件目です"
                : $"too many errors: stopped after {value:N0} (MaxErrors); this is where error {value + 1:N0} was found",
            _ => limit,
        };
    }
}
