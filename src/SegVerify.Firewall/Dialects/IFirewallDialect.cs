using SegVerify.Firewall.Model;

namespace SegVerify.Firewall.Dialects;

/// <summary>What a dialect is given to read: the file, its text, the options meant for it, and a way to read files it includes.</summary>
public sealed class DialectInput
{
    public required string Path { get; init; }
    public required string Text { get; init; }
    /// <summary>Dialect options by name (e.g. "ipset" = ipset dump files, "vdom" = the FortiOS VDOM).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Options { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
    /// <summary>Reads a file the configuration includes (default: the file system).</summary>
    public Func<string, string> ReadFile { get; init; } = File.ReadAllText;

    public IReadOnlyList<string> Option(string name) => Options.TryGetValue(name, out var v) ? v : [];
}

/// <summary>
/// A configuration language check-firewall reads. A dialect parses the text into its own vendor model and lowers
/// that into the vendor-neutral <see cref="FwRuleset"/> (linked); the analysis sees only the latter. Register a new
/// dialect in <see cref="DialectRegistry"/>; nothing in Analysis changes.
/// </summary>
public interface IFirewallDialect
{
    /// <summary>The name given to <c>--dialect</c> and written in the summary.</summary>
    string Name { get; }

    /// <summary>How strongly the text looks like this dialect (0: not at all). The highest score wins.</summary>
    int Detect(string text);

    /// <summary>
    /// Reads a configuration. Constructs not modelled exactly become <see cref="MatchUnknown"/> plus a
    /// <see cref="ParseWarning"/>; configurations the device would refuse throw <see cref="FirewallConfigException"/>.
    /// </summary>
    FwRuleset Parse(DialectInput input);
}
