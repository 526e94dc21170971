namespace SegVerify.Core.Topology;

/// <summary>
/// Bounds on what loading a topology may cost. A real topology (a municipality with tens of thousands of hosts) stays
/// far below each; a file past one is rejected (exit status 2) with the position where the limit was crossed and the
/// limit's name, instead of exhausting the stack, memory or the terminal.
/// </summary>
public static class TopologyLimits
{
    /// <summary>Largest topology file accepted, in bytes (16 MiB; a 10,000-host topology is about 1.5 MB).</summary>
    public const int MaxFileBytes = 16 << 20;

    /// <summary>Deepest nesting of YAML collections, aliases expanded (the format itself needs 6 levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>Most YAML nodes in the document once every alias is expanded (a billion-laughs file stops here).</summary>
    public const int MaxNodes = 2_000_000;

    /// <summary>Most errors reported; loading stops after this many.</summary>
    public const int MaxErrors = 1_000;
}
