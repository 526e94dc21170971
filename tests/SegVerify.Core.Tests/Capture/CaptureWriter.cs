using System.Buffers.Binary;

namespace SegVerify.Core.Tests.Capture;

/// <summary>Writes small synthetic pcap / pcapng files for the reader tests (both byte orders, every block kind).</summary>
internal sealed class CaptureWriter
{
    private readonly MemoryStream _ms = new();
    private bool _be;

    public byte[] ToArray() => _ms.ToArray();
    public long Length => _ms.Length;

    private void U16(ushort v) { Span<byte> b = stackalloc byte[2]; if (_be) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v); _ms.Write(b); }
    private void U32(uint v) { Span<byte> b = stackalloc byte[4]; if (_be) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); _ms.Write(b); }
    private void U64(ulong v) { Span<byte> b = stackalloc byte[8]; if (_be) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v); _ms.Write(b); }
    private void Pad() { while (_ms.Length % 4 != 0) _ms.WriteByte(0); }
    public void Raw(byte[] b) => _ms.Write(b);

    // ---- pcap ----
    public static CaptureWriter Pcap(bool bigEndian, bool nanos, uint linkTypeField, uint snap = 65535)
    {
        var w = new CaptureWriter { _be = bigEndian };
        w.U32(nanos ? 0xA1B23C4Du : 0xA1B2C3D4u);
        w.U16(2); w.U16(4); w.U32(0); w.U32(0); w.U32(snap); w.U32(linkTypeField);
        return w;
    }

    public CaptureWriter Record(uint sec, uint frac, byte[] data, uint? origLen = null, uint? capLenField = null)
    {
        U32(sec); U32(frac); U32(capLenField ?? (uint)data.Length); U32(origLen ?? (uint)data.Length);
        _ms.Write(data);
        return this;
    }

    // ---- pcapng ----
    public static CaptureWriter PcapNg(bool bigEndian)
    {
        var w = new CaptureWriter { _be = bigEndian };
        w.Shb();
        return w;
    }

    public CaptureWriter Shb(bool? bigEndian = null)
    {
        if (bigEndian is bool b) _be = b;
        U32(0x0A0D0D0A); U32(28); U32(0x1A2B3C4D); U16(1); U16(0); U64(ulong.MaxValue); U32(28);
        return this;
    }

    /// <summary>An IDB; tsresol is the raw if_tsresol byte (null: option absent), tsoffset in seconds.</summary>
    public CaptureWriter Idb(ushort linkType, uint snap = 0, byte? tsresol = null, long? tsoffset = null)
    {
        int opts = (tsresol is null ? 0 : 8) + (tsoffset is null ? 0 : 12) + (tsresol is null && tsoffset is null ? 0 : 4);
        uint len = (uint)(8 + 8 + opts + 4);
        U32(1); U32(len); U16(linkType); U16(0); U32(snap);
        if (tsresol is byte r) { U16(9); U16(1); _ms.WriteByte(r); Pad(); }
        if (tsoffset is long o) { U16(14); U16(8); U64((ulong)o); }
        if (opts > 0) { U16(0); U16(0); }
        U32(len);
        return this;
    }

    public CaptureWriter Epb(uint ifId, ulong ts, byte[] data, uint? origLen = null)
    {
        uint len = (uint)(8 + 20 + ((data.Length + 3) & ~3) + 4);
        U32(6); U32(len); U32(ifId); U32((uint)(ts >> 32)); U32((uint)ts); U32((uint)data.Length); U32(origLen ?? (uint)data.Length);
        _ms.Write(data); Pad(); U32(len);
        return this;
    }

    public CaptureWriter Opb(ushort ifId, ulong ts, byte[] data, uint? origLen = null)
    {
        uint len = (uint)(8 + 20 + ((data.Length + 3) & ~3) + 4);
        U32(2); U32(len); U16(ifId); U16(0); U32((uint)(ts >> 32)); U32((uint)ts); U32((uint)data.Length); U32(origLen ?? (uint)data.Length);
        _ms.Write(data); Pad(); U32(len);
        return this;
    }

    public CaptureWriter Spb(byte[] data, uint origLen)
    {
        uint len = (uint)(8 + 4 + ((data.Length + 3) & ~3) + 4);
        U32(3); U32(len); U32(origLen); _ms.Write(data); Pad(); U32(len);
        return this;
    }

    /// <summary>Any other block (NRB 4, ISB 5, DSB 10, CB 0xBAD...) with an opaque body.</summary>
    public CaptureWriter Other(uint type, int bodyLength)
    {
        uint len = (uint)(12 + ((bodyLength + 3) & ~3));
        U32(type); U32(len); _ms.Write(new byte[(bodyLength + 3) & ~3]); U32(len);
        return this;
    }

    /// <summary>A block whose trailing length disagrees with its leading one.</summary>
    public CaptureWriter BadTrailer()
    {
        U32(5); U32(16); U32(0); U32(20);
        return this;
    }

    public static byte[] Frame(int n, byte seed)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte)(seed + i);
        return b;
    }
}

/// <summary>A read-only, non-seekable stream that hands out small reads of random sizes (like a pipe).</summary>
internal sealed class TrickleStream(byte[] data, int seed) : Stream
{
    private readonly Random _rng = new(seed);
    private int _pos;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = Math.Min(Math.Min(count, data.Length - _pos), _rng.Next(1, 40));
        Array.Copy(data, _pos, buffer, offset, n);
        _pos += n;
        return n;
    }
}
