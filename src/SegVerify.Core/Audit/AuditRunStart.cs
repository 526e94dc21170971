namespace SegVerify.Core.Audit;

/// <summary>One input of a run as the audit log names it: its path and SHA-256 (null when it cannot be hashed first, e.g. standard input).</summary>
public sealed record AuditInput(string Kind, string Path, string? Sha256, long? Bytes);

/// <summary>What the first record of a run says: which tool, which command, on which inputs.</summary>
public sealed record AuditRunStart(string Command, IReadOnlyList<string> Arguments, IReadOnlyList<AuditInput> Inputs)
{
    /// <summary>Inputs named on the command line, hashed now (files), or named without a hash (standard input, interfaces).</summary>
    public static AuditInput HashFile(string kind, string path)
    {
        if (path == "-") return new AuditInput(kind, "-", null, null);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
            if (!fs.CanSeek) return new AuditInput(kind, path, null, null);
            var hash = System.Security.Cryptography.SHA256.HashData(fs);
            return new AuditInput(kind, path, Convert.ToHexStringLower(hash), fs.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new AuditInput(kind, path, null, null);
        }
    }
}
