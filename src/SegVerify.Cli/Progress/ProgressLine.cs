using System.Globalization;
using System.Text;
using SegVerify.Core.Output;

namespace SegVerify.Cli.Progress;

/// <summary>What the progress display knows at one moment.</summary>
public readonly record struct ProgressSnapshot(
    long BytesRead, long TotalBytes, long Packets, double ElapsedSeconds, int CaptureIndex, int CaptureCount, string? Capture, bool Finished);

/// <summary>
/// The one line of progress: bytes read (of the total, with the percentage, for files), packets read, packets per
/// second, the time left (for files, from the bytes read per second so far) and the capture being read; cut to the
/// terminal's width (Japanese characters take two columns).
/// </summary>
public static class ProgressLine
{
    public static string Format(in ProgressSnapshot s, string lang, int width)
    {
        bool ja = lang == "ja";
        var sb = new StringBuilder(128);
        sb.Append(Bytes(s.BytesRead));
        double? fraction = null;
        if (s.TotalBytes > 0)
        {
            fraction = Math.Clamp((double)s.BytesRead / s.TotalBytes, 0, 1);
            sb.Append(" / ").Append(Bytes(s.TotalBytes)).Append(" (")
                .Append(((int)Math.Floor(fraction.Value * 100)).ToString(CultureInfo.InvariantCulture)).Append("%)");
        }
        else if (!ja) sb.Append(" read");
        else sb.Append(" 読み込み");
        string packets = s.Packets.ToString("N0", CultureInfo.InvariantCulture);
        sb.Append(ja ? "  パケット " + packets : "  " + packets + " packets");
        if (s.ElapsedSeconds >= 0.5)
        {
            string rate = ((long)(s.Packets / s.ElapsedSeconds)).ToString("N0", CultureInfo.InvariantCulture);
            sb.Append(ja ? "  " + rate + " パケット/秒" : "  " + rate + " packets/s");
        }
        if (s.Finished)
            sb.Append(ja ? "  残りのフローを判定中" : "  judging the flows still open");
        else if (fraction is { } f && f > 0 && s.ElapsedSeconds >= 1)
        {
            double left = s.ElapsedSeconds * (1 - f) / f;
            sb.Append(ja ? "  残り " + Duration(left) : "  " + Duration(left) + " left");
        }
        if (s.CaptureCount > 1 && s.Capture is not null)
            sb.Append("  [").Append(s.CaptureIndex.ToString(CultureInfo.InvariantCulture)).Append('/')
                .Append(s.CaptureCount.ToString(CultureInfo.InvariantCulture)).Append("] ").Append(Path.GetFileName(s.Capture));
        return Cut(sb.ToString(), width);
    }

    /// <summary>Decimal units, as network equipment counts: 999 B, 12.3 kB, 1.5 MB, 2.0 GB, 1.1 TB.</summary>
    public static string Bytes(long n)
    {
        if (n < 1000) return n.ToString(CultureInfo.InvariantCulture) + " B";
        string[] units = ["kB", "MB", "GB", "TB", "PB"];
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.Length - 1)
        {
            v /= 1000;
            u++;
        }
        return v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }

    /// <summary>m:ss, or h:mm:ss from an hour on.</summary>
    public static string Duration(double seconds)
    {
        long s = (long)Math.Ceiling(Math.Max(0, seconds));
        return s >= 3600
            ? $"{s / 3600}:{s / 60 % 60:00}:{s % 60:00}"
            : $"{s / 60}:{s % 60:00}";
    }

    /// <summary>The longest prefix of <paramref name="line"/> that fits <paramref name="width"/> - 1 columns (the last column is left free so the terminal does not wrap).</summary>
    public static string Cut(string line, int width)
    {
        int max = Math.Max(10, width - 1);
        if (FindingFormat.DisplayWidth(line) <= max) return line;
        var sb = new StringBuilder(line.Length);
        int used = 0;
        foreach (var r in line.EnumerateRunes())
        {
            int w = FindingFormat.DisplayWidth(r.ToString());
            if (used + w > max) break;
            sb.Append(r.ToString());
            used += w;
        }
        return sb.ToString();
    }
}
