using System.Text;

namespace SegVerify.Core.Topology;

/// <summary>Line and column (1-based, columns in characters as the YAML parser counts them) of a byte offset.</summary>
internal static class TextPosition
{
    public static (int Line, int Column) OfByte(ReadOnlySpan<byte> bytes, int offset)
    {
        offset = Math.Clamp(offset, 0, bytes.Length);
        var before = bytes[..offset];
        int line = 1 + before.Count((byte)'\n');
        int lineStart = before.LastIndexOf((byte)'\n') + 1;
        var head = before[lineStart..];
        if (lineStart == 0 && head.StartsWith("\uFEFF"u8)) head = head[3..]; // the byte-order mark is not a column
        // The bytes before the offset on its line; a character cut at the offset (size limit) counts as one.
        int column = 1 + Encoding.UTF8.GetCharCount(head);
        return (line, column);
    }
}
