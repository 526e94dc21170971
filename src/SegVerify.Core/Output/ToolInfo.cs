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

    /// <summary>
    /// Where to learn about this version of the tool (SARIF's informationUri): the build's <c>SegVerifyInformationUri</c>
    /// property when set, else the README shipped beside the program (a file: URI); null when neither exists.
    /// </summary>
    public static string? InformationUri { get; } = FindInformationUri();

    private static string? FindInformationUri()
    {
        foreach (var a in typeof(ToolInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>())
            if (a.Key == "SegVerifyInformationUri" && !string.IsNullOrWhiteSpace(a.Value)) return a.Value;
        var readme = Path.Combine(AppContext.BaseDirectory, "README.md");
        return File.Exists(readme) ? new Uri(readme).AbsoluteUri : null;
    }

    /// <summary><see cref="Version"/> without the build metadata (SARIF's semanticVersion).</summary>
    public static string SemanticVersion => Version.Split('+')[0];
}
