using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SegVerify.Core.Topology;

internal enum YKind : byte { Scalar, Sequence, Mapping }

/// <summary>
/// A YAML node with its position. Built from YamlDotNet's low-level parser rather than its representation model so
/// that duplicate mapping keys survive (they are reported as validation errors with both positions instead of
/// aborting the load) and every node keeps the line and column where it starts.
/// </summary>
internal sealed class YNode
{
    public required YKind Kind { get; init; }
    public required int Line { get; init; }
    public required int Column { get; init; }
    /// <summary>Scalar text (null for collections).</summary>
    public string? Value { get; init; }
    /// <summary>True for a plain (unquoted) scalar.</summary>
    public bool Plain { get; init; }
    public List<YNode> Items { get; } = [];
    public List<KeyValuePair<YNode, YNode>> Pairs { get; } = [];

    /// <summary>An empty plain scalar, <c>~</c> or <c>null</c>: the YAML null.</summary>
    public bool IsNull => Kind == YKind.Scalar && Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public string KindName(bool ja) => Kind switch
    {
        YKind.Scalar when IsNull => ja ? "空の値" : "an empty value",
        YKind.Scalar => ja ? $"値 '{Value}'" : $"the value '{Value}'",
        YKind.Sequence => ja ? "リスト" : "a list",
        _ => ja ? "マッピング" : "a mapping",
    };
}

/// <summary>A YAML syntax error with the parser's position.</summary>
internal sealed class YamlSyntaxError(int line, int column, string message) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

internal static class YamlTree
{
    public const string SyntaxPrefix = "YAML syntax error: ";

    /// <summary>Parses the first document; null for an empty stream. Throws <see cref="YamlSyntaxError"/>.</summary>
    public static YNode? Parse(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        try
        {
            Expect<StreamStart>(parser);
            if (parser.Current is StreamEnd) return null;
            if (parser.Current is not DocumentStart) throw Unexpected(parser.Current);
            parser.MoveNext();
            var root = ReadNode(parser, anchors);
            if (parser.Current is not DocumentEnd) throw Unexpected(parser.Current);
            parser.MoveNext();
            if (parser.Current is DocumentStart ds)
                throw new YamlSyntaxError(Line(ds.Start), Col(ds.Start),
                    "a second YAML document (expected exactly one document per topology file)");
            return root;
        }
        catch (YamlException ex)
        {
            // YamlDotNet prefixes its messages with "(Line: .., Col: ..)"; the position goes into the error instead.
            var msg = ex.Message;
            int close = msg.StartsWith("(Line:", StringComparison.Ordinal) ? msg.IndexOf("): ", StringComparison.Ordinal) : -1;
            if (close >= 0) msg = msg[(close + 3)..];
            throw new YamlSyntaxError(Line(ex.Start), Col(ex.Start), SyntaxPrefix + msg);
        }
    }

    private static int Line(Mark m) => (int)m.Line;
    private static int Col(Mark m) => (int)m.Column;

    private static void Expect<T>(Parser p) where T : ParsingEvent
    {
        if (!p.MoveNext() || p.Current is not T) throw Unexpected(p.Current);
        p.MoveNext();
    }

    private static YamlSyntaxError Unexpected(ParsingEvent? e) =>
        e is null
            ? new YamlSyntaxError(0, 0, "unexpected end of the YAML stream")
            : new YamlSyntaxError(Line(e.Start), Col(e.Start), $"unexpected YAML event {e.GetType().Name}");

    private static YNode ReadNode(Parser p, Dictionary<string, YNode> anchors)
    {
        var ev = p.Current ?? throw Unexpected(null);
        YNode node;
        switch (ev)
        {
            case AnchorAlias alias:
                p.MoveNext();
                if (!anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new YamlSyntaxError(Line(alias.Start), Col(alias.Start), $"unknown alias '*{alias.Value.Value}'");
                return target;
            case Scalar s:
                node = new YNode { Kind = YKind.Scalar, Line = Line(s.Start), Column = Col(s.Start), Value = s.Value, Plain = s.Style == ScalarStyle.Plain };
                p.MoveNext();
                break;
            case SequenceStart ss:
                node = new YNode { Kind = YKind.Sequence, Line = Line(ss.Start), Column = Col(ss.Start) };
                p.MoveNext();
                while (p.Current is not SequenceEnd) node.Items.Add(ReadNode(p, anchors));
                p.MoveNext();
                break;
            case MappingStart ms:
                node = new YNode { Kind = YKind.Mapping, Line = Line(ms.Start), Column = Col(ms.Start) };
                p.MoveNext();
                while (p.Current is not MappingEnd)
                {
                    var k = ReadNode(p, anchors);
                    var v = ReadNode(p, anchors);
                    node.Pairs.Add(new(k, v));
                }
                p.MoveNext();
                break;
            default:
                throw Unexpected(ev);
        }
        if (ev is NodeEvent ne && !ne.Anchor.IsEmpty) anchors[ne.Anchor.Value] = node;
        return node;
    }
}
