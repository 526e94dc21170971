using System.Globalization;

namespace SegVerify.Core.Output;

/// <summary>RFC 3339 UTC timestamps with microseconds or nanoseconds, as the capture gives them.</summary>
public static class Rfc3339
{
    public static string Format(long unixNs, bool nanos)
    {
        long secs = Math.DivRem(unixNs, 1_000_000_000L, out long frac);
        if (frac < 0) { frac += 1_000_000_000L; secs--; }
        var dt = DateTime.UnixEpoch.AddSeconds(secs);
        string head = dt.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        return nanos ? $"{head}.{frac:D9}Z" : $"{head}.{frac / 1000:D6}Z";
    }
}
