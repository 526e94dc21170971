using Microsoft.VisualStudio.TestPlatform.ObjectModel;
using Microsoft.VisualStudio.TestPlatform.ObjectModel.Client;

namespace SegVerify.SkipReasons;

/// <summary>
/// <c>dotnet test</c>'s console logger lists a skipped test without its reason at the default (minimal) verbosity,
/// and a higher verbosity lists every passed test too. This logger prints one line per skipped test with the reason
/// the test gave (no root, no Chromium, no ../shared...), beside the console logger's own lines.
/// </summary>
[FriendlyName(FriendlyName)]
[ExtensionUri("logger://SegVerify/SkipReasons/v1")]
public sealed class SkipReasonsLogger : ITestLogger
{
    public const string FriendlyName = "skip-reasons";

    public void Initialize(TestLoggerEvents events, string testRunDirectory)
    {
        events.TestResult += (_, e) =>
        {
            if (e.Result.Outcome != TestOutcome.Skipped) return;
            Console.WriteLine(Line(e.Result));
        };
    }

    /// <summary><c>  Skipped NAME: REASON</c> (the reason is xUnit's skip reason, carried as the result's error message).</summary>
    public static string Line(TestResult r)
    {
        var name = string.IsNullOrEmpty(r.DisplayName) ? r.TestCase.DisplayName : r.DisplayName;
        var reason = string.IsNullOrWhiteSpace(r.ErrorMessage) ? "(no reason given)" : r.ErrorMessage.Trim().ReplaceLineEndings(" ");
        return $"  Skip reason: {name}: {reason}";
    }
}
