using System.Security.Cryptography;
using System.Text;

namespace SegVerify.Core.Audit;

/// <summary>
/// How one audit-log line is sealed. A record is one JSON object on one line whose last field is <c>"hash"</c>: the
/// SHA-256 (lowercase hex) of the UTF-8 bytes of the same object written without that field, i.e. of
/// <c>{...}</c> where the line is <c>{...,"hash":"&lt;64 hex&gt;"}</c>. Every record also carries <c>"prev"</c>, the
/// hash of the record before it (64 zeros for the first record of a file), so the records form a hash chain.
/// </summary>
public static class AuditRecord
{
    /// <summary>The <c>prev</c> of the first record of a log.</summary>
    public static readonly string Genesis = new('0', 64);

    private static ReadOnlySpan<byte> HashField => ",\"hash\":\""u8;
    /// <summary>Length of <c>,"hash":"&lt;64 hex&gt;"}</c>.</summary>
    private const int SuffixLength = 9 + 64 + 2;

    /// <summary>Seals a JSON object (<paramref name="body"/> ends with '}'): the line to write, without newline, and its hash.</summary>
    public static (byte[] Line, string Hash) Seal(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2 || body[^1] != (byte)'}') throw new ArgumentException("a record body is a JSON object", nameof(body));
        string hash = Convert.ToHexStringLower(SHA256.HashData(body));
        var line = new byte[body.Length - 1 + SuffixLength];
        body[..^1].CopyTo(line);
        int at = body.Length - 1;
        HashField.CopyTo(line.AsSpan(at));
        Encoding.ASCII.GetBytes(hash, line.AsSpan(at + HashField.Length));
        line[^2] = (byte)'"';
        line[^1] = (byte)'}';
        return (line, hash);
    }

    /// <summary>
    /// The hash a line declares and whether it matches the line's content. False when the line does not end with a
    /// well-formed hash field.
    /// </summary>
    public static bool TryCheck(ReadOnlySpan<byte> line, out string declared, out bool matches)
    {
        declared = "";
        matches = false;
        if (line.Length < SuffixLength + 2 || line[^1] != (byte)'}' || line[^2] != (byte)'"') return false;
        var field = line.Slice(line.Length - SuffixLength, HashField.Length);
        if (!field.SequenceEqual(HashField)) return false;
        var hex = line.Slice(line.Length - 2 - 64, 64);
        foreach (var b in hex) if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f'))) return false;
        declared = Encoding.ASCII.GetString(hex);
        // The body is the line without the hash field, closed again with '}'.
        int bodyLen = line.Length - SuffixLength + 1;
        var body = bodyLen <= 4096 ? stackalloc byte[bodyLen] : new byte[bodyLen];
        line[..(bodyLen - 1)].CopyTo(body);
        body[^1] = (byte)'}';
        matches = Convert.ToHexStringLower(SHA256.HashData(body)) == declared;
        return true;
    }
}
