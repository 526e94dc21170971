using System.Reflection;

namespace SegVerify.Core.Output;

/// <summary>The tool's name and version, as reports and <c>--version</c> state them.</summary>
public static class ToolInfo
{
    public const string Name = "segverify";

    /// <summary>The informational version: <c>MAJOR.MINOR.PATCH</c>, with <c>+COMMIT</c> when built from a git checkout.</summary>
    public static string Version { get; } =
        typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ToolInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary><see cref="Version"/> without the build metadata (SARIF's semanticVersion).</summary>
    public static string SemanticVersion => Version.Split('+')[0];
}
