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
    /// <summary>Nodes in this subtree with aliases expanded (1 for a scalar).</summary>
    public long Size { get; set; } = 1;
    /// <summary>Levels of collections in this subtree with aliases expanded (0 for a scalar).</summary>
    public int Height { get; set; }

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

    /// <summary>
    /// Parses the first document; null for an empty stream. Throws <see cref="YamlSyntaxError"/> for every problem,
    /// whatever YamlDotNet throws (its scanner also throws InvalidOperationException on some malformed input), and
    /// when a <see cref="TopologyLimits"/> bound is crossed.
    /// </summary>
    public static YNode? Parse(string text)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        var state = new ReadState();
        try
        {
            Expect<StreamStart>(parser);
            if (parser.Current is StreamEnd) return null;
            if (parser.Current is not DocumentStart) throw Unexpected(parser.Current);
            parser.MoveNext();
            var root = ReadNode(parser, state, 0);
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
            var (line, col) = (Line(ex.Start), Col(ex.Start));
            if (msg.Contains("tab", StringComparison.OrdinalIgnoreCase) && FindIndentationTab(text, (int)ex.Start.Index) is { } tab)
                throw TabError(tab);
            throw new YamlSyntaxError(line, col, SyntaxPrefix + msg);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException
                                       or OverflowException or IndexOutOfRangeException or KeyNotFoundException)
        {
            // Not a YamlException: the scanner lost its state on malformed input. Where it stopped is the cause.
            var at = scanner.CurrentPosition;
            throw new YamlSyntaxError(Line(at), Col(at), SyntaxPrefix + StoppedHere);
        }
    }

    /// <summary>Message for a scanner failure that YamlDotNet does not describe.</summary>
    public const string StoppedHere =
        "the YAML cannot be read from here (a line less indented than the [ ] or { } it continues, or an unclosed bracket or quote?)";

    /// <summary>Message for a tab in indentation (YAML allows spaces only).</summary>
    public const string TabIndentation = "a tab used for indentation (YAML indents with spaces only; replace the tab with spaces)";

    private static YamlSyntaxError TabError((int Line, int Column) tab) =>
        new(tab.Line, tab.Column, SyntaxPrefix + TabIndentation);

    /// <summary>
    /// The first tab in the leading whitespace of a line at or after the line holding <paramref name="fromIndex"/>
    /// (1-based line and column), or null. YamlDotNet reports such a tab at the start of the enclosing mapping.
    /// </summary>
    internal static (int Line, int Column)? FindIndentationTab(string text, int fromIndex)
    {
        fromIndex = Math.Clamp(fromIndex, 0, text.Length);
        int lineStart = fromIndex == 0 ? 0 : text.LastIndexOf('\n', fromIndex - 1) + 1;
        int line = 1;
        for (int i = 0; i < lineStart; i++) if (text[i] == '\n') line++;
        for (int i = lineStart; i < text.Length; )
        {
            int j = i;
            while (j < text.Length && (text[j] == ' ' || text[j] == '\t'))
            {
                if (text[j] == '\t') return (line, j - i + 1);
                j++;
            }
            int nl = text.IndexOf('\n', j);
            if (nl < 0) break;
            i = nl + 1;
            line++;
        }
        return null;
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

    private sealed class ReadState
    {
        public readonly Dictionary<string, YNode> Anchors = new(StringComparer.Ordinal);
        /// <summary>Nodes read so far, every alias counted as the size of what it stands for.</summary>
        public long Nodes;
    }

    /// <summary>Thrown when a <see cref="TopologyLimits"/> bound is crossed; the loader localises it.</summary>
    internal sealed class LimitExceeded(int line, int column, string limit, long value) : Exception(limit)
    {
        public int Line { get; } = line;
        public int Column { get; } = column;
        public string Limit { get; } = limit;
        public long Value { get; } = value;
    }

    private static void Count(ReadState state, long nodes, ParsingEvent at)
    {
        state.Nodes += nodes;
        if (state.Nodes > TopologyLimits.MaxNodes)
            throw new LimitExceeded(Line(at.Start), Col(at.Start), nameof(TopologyLimits.MaxNodes), TopologyLimits.MaxNodes);
    }

    private static YNode ReadNode(Parser p, ReadState state, int depth)
    {
        var ev = p.Current ?? throw Unexpected(null);
        YNode node;
        switch (ev)
        {
            case AnchorAlias alias:
                p.MoveNext();
                if (!state.Anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new YamlSyntaxError(Line(alias.Start), Col(alias.Start), $"unknown alias '*{alias.Value.Value}'");
                if (depth + target.Height > TopologyLimits.MaxDepth)
                    throw new LimitExceeded(Line(alias.Start), Col(alias.Start), nameof(TopologyLimits.MaxDepth), TopologyLimits.MaxDepth);
                Count(state, target.Size, alias);
                return target;
            case Scalar s:
                node = new YNode { Kind = YKind.Scalar, Line = Line(s.Start), Column = Col(s.Start), Value = s.Value, Plain = s.Style == ScalarStyle.Plain };
                Count(state, 1, s);
                p.MoveNext();
                break;
            case SequenceStart ss:
                node = Collection(YKind.Sequence, ss, state, depth);
                p.MoveNext();
                while (p.Current is not SequenceEnd) Add(node, ReadNode(p, state, depth + 1));
                p.MoveNext();
                break;
            case MappingStart ms:
                node = Collection(YKind.Mapping, ms, state, depth);
                p.MoveNext();
                while (p.Current is not MappingEnd)
                {
                    var k = ReadNode(p, state, depth + 1);
                    var v = ReadNode(p, state, depth + 1);
                    node.Pairs.Add(new(k, v));
                    Grow(node, k);
                    Grow(node, v);
                }
                p.MoveNext();
                break;
            default:
                throw Unexpected(ev);
        }
        if (ev is NodeEvent ne && !ne.Anchor.IsEmpty) state.Anchors[ne.Anchor.Value] = node;
        return node;
    }

    private static YNode Collection(YKind kind, ParsingEvent start, ReadState state, int depth)
    {
        // Checked before descending, so a 50,000-level file ends here and not in a stack overflow.
        if (depth >= TopologyLimits.MaxDepth)
            throw new LimitExceeded(Line(start.Start), Col(start.Start), nameof(TopologyLimits.MaxDepth), TopologyLimits.MaxDepth);
        Count(state, 1, start);
        return new YNode { Kind = kind, Line = Line(start.Start), Column = Col(start.Start), Height = 1 };
    }

    private static void Add(YNode parent, YNode child)
    {
        parent.Items.Add(child);
        Grow(parent, child);
    }

    private static void Grow(YNode parent, YNode child)
    {
        parent.Size += child.Size;
        if (child.Height + 1 > parent.Height) parent.Height = child.Height + 1;
    }
}
