using System.Buffers;
using System.Security.Cryptography;

namespace SegVerify.Core.Replay;

/// <summary>SHA-256 of a capture file (the evidence hash in the summary), read in large chunks.</summary>
public static class CaptureHash
{
    private const int Chunk = 1 << 20;
    private const long ReleaseEvery = 8L << 20;

    /// <summary>The file's SHA-256 in lowercase hex, or null when it cannot be read.</summary>
    public static string? OfFile(string path)
    {
        try
        {
            using var fs0 = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            // A large file is hashed in place from a mapping of it (no copy out of the page cache).
            using (var mapped = Capture.MappedFile.TryMap(fs0))
            {
                if (mapped is not null) return OfMapped(mapped);
            }
            fs0.Dispose();
            // Large reads: the default 4 KiB chunks cost a system call each, a quarter of a million per gigabyte.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = ArrayPool<byte>.Shared.Rent(Chunk);
            try
            {
                int n;
                while ((n = fs.Read(buf, 0, Chunk)) > 0) sha.AppendData(buf, 0, n);
            }
            finally { ArrayPool<byte>.Shared.Return(buf); }
            return Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static string OfMapped(Capture.MappedFile mapped)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long at = 0; at < mapped.Length; at += Chunk)
        {
            sha.AppendData(mapped.Slice(at, (int)Math.Min(Chunk, mapped.Length - at)));
            if ((at & (ReleaseEvery - 1)) == 0) mapped.Release(at); // resident memory stays flat
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
