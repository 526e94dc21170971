using System.Globalization;

namespace SegVerify.Cli.Commands;

/// <summary>
/// Range checks for numeric options: a value outside its range is bad usage (exit 2) with a message naming the option
/// and the range, in the chosen language, before any input is read.
/// </summary>
public static class OptionRange
{
    /// <summary>True when <paramref name="value"/> is in [min, max]; otherwise prints why to stderr.</summary>
    public static bool Integer(string command, string option, long value, long min, long max, string lang, TextWriter stderr)
    {
        if (value >= min && value <= max) return true;
        stderr.WriteLine(lang == "ja"
            ? $"segverify {command}: {option} は {min} から {max} の整数で指定してください: {value}"
            : $"segverify {command}: {option} must be an integer from {min} to {max}: {value}");
        return false;
    }

    /// <summary>
    /// True when <paramref name="seconds"/> is a finite number in (0, max] (or [0, max] when
    /// <paramref name="zeroAllowed"/>); otherwise prints why to stderr. NaN and infinities are rejected.
    /// </summary>
    public static bool Seconds(string command, string option, double seconds, double max, bool zeroAllowed, string lang, TextWriter stderr)
    {
        bool ok = double.IsFinite(seconds) && (zeroAllowed ? seconds >= 0 : seconds > 0) && seconds <= max;
        if (ok) return true;
        string v = seconds.ToString(CultureInfo.InvariantCulture);
        string lower = zeroAllowed ? "0" : (lang == "ja" ? "0 より大きく" : "more than 0");
        stderr.WriteLine(lang == "ja"
            ? zeroAllowed
                ? $"segverify {command}: {option} は 0 から {max} 秒の範囲で指定してください: {v}"
                : $"segverify {command}: {option} は {lower} {max} 秒以下で指定してください: {v}"
            : zeroAllowed
                ? $"segverify {command}: {option} must be from 0 to {max} seconds: {v}"
                : $"segverify {command}: {option} must be {lower} and at most {max} seconds: {v}");
        return false;
    }

    /// <summary>Upper bound for timeouts and durations: ten years, far past any real run, still a valid TimeSpan.</summary>
    public const double MaxSeconds = 315_360_000;
}
