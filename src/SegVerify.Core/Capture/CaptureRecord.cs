namespace SegVerify.Core.Capture;

/// <summary>
/// One packet record as read from a capture: a view over the reader's buffer, valid until the next read.
/// </summary>
public readonly ref struct CaptureRecord
{
    /// <summary>The captured bytes (may be shorter than <see cref="OriginalLength"/> when snapped).</summary>
    public readonly ReadOnlySpan<byte> Data;
    /// <summary>Nanoseconds since the Unix epoch (UTC).</summary>
    public readonly long TimestampNs;
    /// <summary>Length of the packet on the wire.</summary>
    public readonly int OriginalLength;
    /// <summary>The LINKTYPE_* of the interface the packet came from.</summary>
    public readonly int LinkType;
    /// <summary>Whether the capture's timestamps have nanosecond resolution (for RFC 3339 output); else microseconds.</summary>
    public readonly bool NanosecondResolution;
    /// <summary>Byte offset of the record's start in the file/stream (for error messages).</summary>
    public readonly long FileOffset;

    public CaptureRecord(ReadOnlySpan<byte> data, long timestampNs, int originalLength, int linkType, bool nanos, long fileOffset)
    {
        Data = data;
        TimestampNs = timestampNs;
        OriginalLength = originalLength;
        LinkType = linkType;
        NanosecondResolution = nanos;
        FileOffset = fileOffset;
    }
}

/// <summary>Where and why a capture stopped being readable before its end.</summary>
public sealed record CaptureDamage(string File, long Offset, string Reason);

/// <summary>A capture that cannot be read at all (bad magic, empty header...): exit status 2.</summary>
public sealed class CaptureFormatException(string file, long offset, string message)
    : Exception($"{file}: byte {offset}: {message}")
{
    public string File { get; } = file;
    public long Offset { get; } = offset;
    public string Detail { get; } = message;
}

/// <summary>
/// A forward-only source of packet records (pcap file, pcapng file, standard input, live interface).
/// </summary>
public interface ICaptureReader : IDisposable
{
    /// <summary>Display name (file name, "-" or the interface).</summary>
    string Name { get; }

    /// <summary>
    /// Reads the next record. Returns false at the end of the input, or at damage (then <see cref="Damage"/> is set).
    /// Throws <see cref="CaptureFormatException"/> only when the input is not a capture at all.
    /// </summary>
    bool TryRead(out CaptureRecord record);

    /// <summary>Set when reading stopped early because the input was damaged.</summary>
    CaptureDamage? Damage { get; }
}
