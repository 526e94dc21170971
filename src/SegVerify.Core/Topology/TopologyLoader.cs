using System.Security.Cryptography;
using System.Text;

namespace SegVerify.Core.Topology;

/// <summary>Loads and validates a topology file (format v1). See docs/topology-format.md for the rules.</summary>
public static class TopologyLoader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Loads a file; throws <see cref="TopologyException"/> with every error found (English messages).</summary>
    public static Topology Load(string path) => Load(path, "en");

    /// <summary>Loads from text; <paramref name="fileName"/> is used in error positions (English messages).</summary>
    public static Topology LoadFromText(string text, string fileName) => LoadFromText(text, fileName, "en");

    /// <summary>
    /// Loads a file with messages in <paramref name="language"/> ("ja" or "en"). A file that cannot be read is a
    /// <see cref="TopologyException"/> with line 0, column 0.
    /// </summary>
    public static Topology Load(string path, string language)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string why = ex switch
            {
                FileNotFoundException or DirectoryNotFoundException => language == "ja" ? "ファイルがありません" : "no such file",
                UnauthorizedAccessException => language == "ja" ? "読み取り権限がありません（またはディレクトリです）" : "permission denied (or it is a directory)",
                _ => ex.Message,
            };
            throw new TopologyException([new TopologyError(path, 0, 0,
                language == "ja" ? $"トポロジーファイルを読めません: {why}" : $"cannot read the topology file: {why}")]);
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new TopologyException([new TopologyError(path, 0, 0,
                language == "ja" ? $"UTF-8 として読めないバイトがあります（オフセット {ex.Index}）。UTF-8 で保存してください"
                                 : $"the file is not valid UTF-8 (bad byte near offset {ex.Index}); save it as UTF-8")]);
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return Build(text, path, path, Convert.ToHexStringLower(SHA256.HashData(bytes)), language);
    }

    /// <summary>Loads from text with messages in <paramref name="language"/> ("ja" or "en").</summary>
    public static Topology LoadFromText(string text, string fileName, string language) =>
        Build(text, fileName, fileName, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), language);

    private static Topology Build(string text, string fileName, string sourcePath, string sha256, string language)
    {
        var builder = new TopologyBuilder(fileName, language);
        YNode? root;
        try
        {
            root = YamlTree.Parse(text);
        }
        catch (YamlSyntaxError ex)
        {
            var msg = language == "ja" && ex.Message.StartsWith(YamlTree.SyntaxPrefix, StringComparison.Ordinal)
                ? "YAML の構文エラー: " + ex.Message[YamlTree.SyntaxPrefix.Length..]
                : ex.Message;
            throw new TopologyException([new TopologyError(fileName, ex.Line, ex.Column, msg)]);
        }
        var topology = builder.Build(root, sourcePath, sha256);
        if (topology is null || builder.Errors.Count > 0)
            throw new TopologyException(builder.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        return topology;
    }
}
