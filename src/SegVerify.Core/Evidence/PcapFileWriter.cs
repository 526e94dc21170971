using System.Buffers.Binary;

namespace SegVerify.Core.Evidence;

/// <summary>
/// Writes a classic pcap file (the format tcpdump and Wireshark read): a 24-byte global header, then per packet a
/// 16-byte record header and the captured bytes. Little-endian; the magic tells the timestamp resolution.
/// </summary>
public sealed class PcapFileWriter : IDisposable
{
    public const uint MagicMicroseconds = 0xA1B2C3D4;
    public const uint MagicNanoseconds = 0xA1B23C4D;
    public const ushort VersionMajor = 2;
    public const ushort VersionMinor = 4;
    public const int GlobalHeaderSize = 24;
    public const int RecordHeaderSize = 16;
    private const long NsPerSecond = 1_000_000_000;
    private const long NsPerMicrosecond = 1_000;

    private readonly Stream _stream;
    private readonly bool _nanos;
    private readonly int _snaplen;
    private readonly byte[] _header = new byte[RecordHeaderSize];

    /// <param name="stream">Where to write; owned and disposed by the writer.</param>
    /// <param name="linkType">A LINKTYPE_* value (not a platform DLT_*: see <see cref="ToLinkType"/>).</param>
    public PcapFileWriter(Stream stream, int linkType, bool nanosecondResolution, int snaplen)
    {
        _stream = stream;
        _nanos = nanosecondResolution;
        _snaplen = snaplen;
        Span<byte> h = stackalloc byte[GlobalHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanosecondResolution ? MagicNanoseconds : MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);   // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], snaplen);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], linkType);
        _stream.Write(h);
    }

    public static PcapFileWriter Create(string path, int linkType, bool nanosecondResolution, int snaplen) =>
        new(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 64 * 1024), linkType,
            nanosecondResolution, snaplen);

    public void Write(ReadOnlySpan<byte> data, int originalLength, long timestampNs)
    {
        if (data.Length > _snaplen) data = data[.._snaplen];
        long seconds = Math.DivRem(timestampNs, NsPerSecond, out long fraction);
        if (fraction < 0) { seconds--; fraction += NsPerSecond; }
        if (!_nanos) fraction /= NsPerMicrosecond;
        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)fraction);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(8), data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_header.AsSpan(12), Math.Max(originalLength, data.Length));
        _stream.Write(_header);
        _stream.Write(data);
    }

    /// <summary>
    /// The LINKTYPE_* value for a platform DLT_* value as libpcap's pcap_datalink() returns it. They agree except for
    /// a few historical values (DLT_RAW is 12 or 14 on some platforms; LINKTYPE_RAW is 101).
    /// </summary>
    public static int ToLinkType(int dlt) => dlt switch
    {
        12 or 14 => 101,
        _ => dlt,
    };

    public void Dispose()
    {
        _stream.Flush();
        _stream.Dispose();
    }
}
