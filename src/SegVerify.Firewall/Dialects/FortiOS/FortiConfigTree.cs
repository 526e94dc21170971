namespace SegVerify.Firewall.Dialects.FortiOS;

/// <summary>Something inside a <c>config</c> or <c>edit</c> block, in the order written.</summary>
public abstract class FgItem
{
    public required int Line { get; init; }
    public required int Column { get; init; }
}

/// <summary><c>set</c>, <c>unset</c>, <c>append</c>, <c>select</c>, <c>unselect</c> of one attribute.</summary>
public sealed class FgSetting : FgItem
{
    public required string Verb { get; init; }
    public required FgWord Key { get; init; }
    public required IReadOnlyList<FgWord> Values { get; init; }
    public override string ToString() => $"{Verb} {Key.Text} {string.Join(' ', Values.Select(v => v.Text))}";
}

/// <summary>Any other command inside a <c>config</c> block: <c>move</c>, <c>rename</c>, <c>delete</c>, <c>clone</c>, <c>purge</c>, ...</summary>
public sealed class FgCommand : FgItem
{
    public required string Verb { get; init; }
    public required IReadOnlyList<FgWord> Args { get; init; }
}

/// <summary>A block that holds settings and nested <c>config</c> blocks (an <c>edit</c>, or a <c>config</c> of a single object).</summary>
public abstract class FgBlock : FgItem
{
    public List<FgItem> Items { get; } = [];

    public IEnumerable<FgConfig> Configs => Items.OfType<FgConfig>();
    public IEnumerable<FgSetting> Settings => Items.OfType<FgSetting>();
}

/// <summary><c>edit NAME</c> ... <c>next</c>.</summary>
public sealed class FgEdit : FgBlock
{
    public required FgWord Name { get; init; }
    public override string ToString() => $"edit {Name.Text}";
}

/// <summary><c>config WORDS...</c> ... <c>end</c>: a table of edits or one object's settings.</summary>
public sealed class FgConfig : FgBlock
{
    public required IReadOnlyList<FgWord> PathWords { get; init; }
    /// <summary>The words after <c>config</c> joined by one space, e.g. <c>firewall policy</c>.</summary>
    public string Path => string.Join(' ', PathWords.Select(w => w.Text));
    public IEnumerable<FgEdit> Edits => Items.OfType<FgEdit>();
    public override string ToString() => $"config {Path}";
}

/// <summary>A whole configuration file: its top-level blocks and its <c>#</c> header lines.</summary>
public sealed class FgDocument
{
    public required string File { get; init; }
    public List<FgConfig> Configs { get; } = [];
    public List<(int Line, string Text)> Comments { get; } = [];
    /// <summary>Problems the reader recovered from (each with its position).</summary>
    public List<FortiWarning> Warnings { get; } = [];

    /// <summary>The <c>#config-version=...</c> header's value, if any (e.g. <c>FG200F-7.4.4-FW-build2662-240514:opmode=0:vdom=0:user=admin</c>).</summary>
    public string? ConfigVersion =>
        Comments.Where(c => c.Text.StartsWith("config-version=", StringComparison.Ordinal)).Select(c => c.Text["config-version=".Length..]).FirstOrDefault();
}
