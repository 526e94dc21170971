using System.Globalization;

namespace SegVerify.Core.Output;

/// <summary>
/// Japan Standard Time beside UTC for people reading a report in Japan. JST is UTC+9 all year (no daylight saving
/// since 1951), so it needs no time-zone database (Native AOT builds and small containers may lack one).
/// </summary>
public static class LocalTime
{
    private static readonly TimeSpan JstOffset = TimeSpan.FromHours(9);

    /// <summary><c>2026-04-01 18:00:00 JST</c> (with milliseconds when <paramref name="fraction"/>).</summary>
    public static string Jst(DateTimeOffset t, bool fraction = false) =>
        t.ToOffset(JstOffset).ToString(fraction ? "yyyy-MM-dd HH:mm:ss.fff" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " JST";

    /// <summary><c>2026-04-01 09:00:00 UTC</c>.</summary>
    public static string Utc(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A capture timestamp (ns since the epoch) as a point in time.</summary>
    public static DateTimeOffset FromUnixNs(long ns) =>
        DateTimeOffset.UnixEpoch.AddTicks(ns / 100);
}
