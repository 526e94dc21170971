using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;

namespace SegVerify.Core.Topology;

/// <summary>
/// Loads and validates a topology file (format v1). See docs/topology-format.md for the rules. Loading is bounded by
/// <see cref="TopologyLimits"/>; every problem, including a malformed or hostile file, is a
/// <see cref="TopologyException"/> with file:line:column (never another exception).
/// </summary>
public static class TopologyLoader
{
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
        bool ja = language == "ja";
        byte[] bytes;
        try
        {
            bytes = ReadBounded(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string why = Localization.Messages.IoError(ex, language, path);
            throw new TopologyException([new TopologyError(path, 0, 0,
                ja ? $"トポロジーファイルを読めません: {why}" : $"cannot read the topology file: {why}")]);
        }
        if (bytes.Length > TopologyLimits.MaxFileBytes)
        {
            var (line, col) = TextPosition.OfByte(bytes, TopologyLimits.MaxFileBytes);
            throw new TopologyException([new TopologyError(path, line, col,
                YamlMessages.Limit(nameof(TopologyLimits.MaxFileBytes), TopologyLimits.MaxFileBytes, language))]);
        }
        if (Utf8.ToUtf16(bytes, new char[bytes.Length], out int valid, out _, replaceInvalidSequences: false) != System.Buffers.OperationStatus.Done)
        {
            var (line, col) = TextPosition.OfByte(bytes, valid);
            throw new TopologyException([new TopologyError(path, line, col,
                ja ? $"UTF-8 として読めないバイト 0x{bytes[valid]:x2} があります（オフセット {valid}）。UTF-8 で保存してください"
                   : $"byte 0x{bytes[valid]:x2} (offset {valid}) is not valid UTF-8; save the file as UTF-8")]);
        }
        string text = Encoding.UTF8.GetString(bytes);
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return Build(text, path, path, Convert.ToHexStringLower(SHA256.HashData(bytes)), language);
    }

    /// <summary>Loads from text with messages in <paramref name="language"/> ("ja" or "en").</summary>
    public static Topology LoadFromText(string text, string fileName, string language)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > TopologyLimits.MaxFileBytes)
        {
            var (line, col) = TextPosition.OfByte(bytes, TopologyLimits.MaxFileBytes);
            throw new TopologyException([new TopologyError(fileName, line, col,
                YamlMessages.Limit(nameof(TopologyLimits.MaxFileBytes), TopologyLimits.MaxFileBytes, language))]);
        }
        return Build(text, fileName, fileName, Convert.ToHexStringLower(SHA256.HashData(bytes)), language);
    }

    /// <summary>The file's bytes, at most one past the size limit (a huge file or a device is not read whole).</summary>
    private static byte[] ReadBounded(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var ms = new MemoryStream();
        var buf = new byte[1 << 16];
        int n;
        while (ms.Length <= TopologyLimits.MaxFileBytes
               && (n = fs.Read(buf, 0, (int)Math.Min(buf.Length, TopologyLimits.MaxFileBytes + 1 - ms.Length))) > 0)
            ms.Write(buf, 0, n);
        return ms.ToArray();
    }

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
            throw new TopologyException([new TopologyError(fileName, ex.Line, ex.Column, YamlMessages.Localize(ex.Message, language))]);
        }
        catch (YamlTree.LimitExceeded ex)
        {
            throw new TopologyException([new TopologyError(fileName, ex.Line, ex.Column, YamlMessages.Limit(ex.Limit, ex.Value, language))]);
        }
        Topology? topology;
        try
        {
            topology = builder.Build(root, sourcePath, sha256);
        }
        catch (TopologyBuilder.TooManyErrors ex)
        {
            var errors = Sorted(builder.Errors);
            errors.Add(new TopologyError(fileName, ex.Line, ex.Column,
                YamlMessages.Limit(nameof(TopologyLimits.MaxErrors), TopologyLimits.MaxErrors, language)));
            throw new TopologyException(errors);
        }
        if (topology is null || builder.Errors.Count > 0)
            throw new TopologyException(Sorted(builder.Errors));
        return topology;
    }

    private static List<TopologyError> Sorted(IReadOnlyList<TopologyError> errors) =>
        errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
}
