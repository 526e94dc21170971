using System.Buffers;
using System.Security.Cryptography;

namespace SegVerify.Core.Replay;

/// <summary>SHA-256 of a capture file (the evidence hash in the summary), read in large chunks.</summary>
public static class CaptureHash
{
    private const int Chunk = 1 << 20;

    /// <summary>The file's SHA-256 in lowercase hex, or null when it cannot be read.</summary>
    public static string? OfFile(string path)
    {
        try
        {
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
}
