using System.Buffers.Binary;

namespace SegVerify.TrafficGen;

/// <summary>
/// Writes a classic little-endian pcap file (microsecond timestamps) through one large reusable buffer.
/// Frames are built in place: <see cref="BeginRecord"/> hands out the span after the 16-byte record header,
/// <see cref="EndRecord"/> fills the header. No allocation per packet.
/// </summary>
public sealed class PcapFileWriter : IDisposable
{
    private const uint MagicMicros = 0xA1B2C3D4;
    private const ushort VersionMajor = 2;
    private const ushort VersionMinor = 4;
    private const int GlobalHeaderLength = 24;
    public const int RecordHeaderLength = 16;
    public const int MaxFrameLength = 2048;
    private const int DefaultBufferSize = 8 << 20;

    private readonly FileStream _stream;
    private readonly byte[] _buffer;
    private int _pos;
    private int _recordStart = -1;

    public long BytesWritten { get; private set; }
    public long Records { get; private set; }

    public PcapFileWriter(string path, int linkType, int snapLen = 65535, int bufferSize = DefaultBufferSize)
    {
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        _buffer = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
        _buffer.AsSpan().Clear();
        Span<byte> h = _buffer.AsSpan(0, GlobalHeaderLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h, MagicMicros);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(4), VersionMajor);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(6), VersionMinor);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(8), 0);   // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(12), 0); // sigfigs
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(16), snapLen);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(20), linkType);
        _pos = GlobalHeaderLength;
        BytesWritten = GlobalHeaderLength;
    }

    /// <summary>Space for one frame (at most <see cref="MaxFrameLength"/> bytes); its old contents are not cleared.</summary>
    public Span<byte> BeginRecord()
    {
        if (_pos > _buffer.Length - RecordHeaderLength - MaxFrameLength) FlushBuffer();
        _recordStart = _pos;
        return _buffer.AsSpan(_pos + RecordHeaderLength, MaxFrameLength);
    }

    /// <summary>Completes the record begun last with a frame of <paramref name="length"/> bytes.</summary>
    public void EndRecord(long timestampNs, int length)
    {
        Span<byte> h = _buffer.AsSpan(_recordStart, RecordHeaderLength);
        long micros = timestampNs / 1000;
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(micros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(4), (uint)(micros % 1_000_000));
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(8), length);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(12), length);
        int total = RecordHeaderLength + length;
        _pos += total;
        BytesWritten += total;
        Records++;
    }

    private void FlushBuffer()
    {
        _stream.Write(_buffer, 0, _pos);
        _pos = 0;
    }

    public void Dispose()
    {
        FlushBuffer();
        _stream.Dispose();
    }
}
