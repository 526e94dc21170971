using Xunit;

namespace SegVerify.Tests.Common;

/// <summary>Where the repository and the shared test material are, seen from a test binary.</summary>
public static class TestPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "SegVerify.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("SegVerify.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root (the folder holding SegVerify.sln).</summary>
    public static string RepoRoot => Root.Value;

    /// <summary>../shared beside the checkout (SEGVERIFY_SHARED overrides), or null when absent.</summary>
    public static string? Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SEGVERIFY_SHARED");
            var p = !string.IsNullOrEmpty(env) ? env : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(Path.Combine(p, "spec")) ? p : null;
        }
    }

    /// <summary>The shared folder, or a skipped test with a printed reason when it is absent (a user's fresh clone).</summary>
    public static string RequireShared()
    {
        var s = Shared;
        if (s is null)
        {
            const string reason = "../shared is absent (a fresh clone without the shared test material): skipped";
            Console.WriteLine("SKIP: " + reason);
            Skip.If(true, reason);
        }
        return s!;
    }

    public static string InRepo(params string[] parts) => Path.Combine([RepoRoot, .. parts]);
}
