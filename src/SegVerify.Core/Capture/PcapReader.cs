using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// Reader for the classic libpcap format: both byte orders, microsecond and nanosecond magic, and the
/// "modified" (Kuznetzov) variant with its longer record header.
/// </summary>
internal sealed class PcapReader : ICaptureReader
{
    public const uint MagicMicros = 0xA1B2C3D4;
    public const uint MagicNanos = 0xA1B23C4D;
    /// <summary>Alexey Kuznetzov's patched libpcap: 8 more bytes per record header (ifindex, protocol, pkt_type).</summary>
    public const uint MagicModified = 0xA1B2CD34;

    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;
    private const int ModifiedRecordExtra = 8;
    /// <summary>The link type is the low 16 bits; bits 16-25 are reserved, 26-31 carry the FCS length (LINKTYPE docs).</summary>
    private const uint LinkTypeMask = 0xFFFF;

    private const long NanosPerSecond = 1_000_000_000;
    private const long NanosPerMicro = 1_000;

    private readonly CaptureInput _in;
    private readonly bool _bigEndian;
    private readonly bool _nanos;
    private readonly int _recordHeader;

    public string Name { get; }
    public CaptureDamage? Damage { get; private set; }

    /// <summary>The input it reads (tests look at how it is read).</summary>
    internal CaptureInput Input => _in;

    /// <summary>Link type from the file header (low 16 bits).</summary>
    public int LinkType { get; }
    public uint SnapLength { get; }
    public int VersionMajor { get; }
    public int VersionMinor { get; }

    /// <summary>Reads the file header; the first 4 bytes are buffered and were recognised by the caller.</summary>
    internal PcapReader(CaptureInput input, string name)
    {
        _in = input;
        Name = name;
        if (!input.Ensure(FileHeaderLength))
            throw new CaptureFormatException(name, 0,
                $"pcap file header is truncated ({input.Buffered} of {FileHeaderLength} bytes)");
        var h = input.Take(FileHeaderLength);
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(h);
        uint magic;
        if (magicLe is MagicMicros or MagicNanos or MagicModified) { magic = magicLe; _bigEndian = false; }
        else { magic = BinaryPrimitives.ReadUInt32BigEndian(h); _bigEndian = true; }
        _nanos = magic == MagicNanos;
        _recordHeader = RecordHeaderLength + (magic == MagicModified ? ModifiedRecordExtra : 0);
        VersionMajor = U16(h.Slice(4));
        VersionMinor = U16(h.Slice(6));
        SnapLength = U32(h.Slice(16));
        LinkType = (int)(U32(h.Slice(20)) & LinkTypeMask);
    }

    private ushort U16(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    private uint U32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    /// <summary>
    /// Reads the next record. The common case, a little-endian record wholly in the buffer, is read here with the same
    /// checks as <see cref="TryReadRecord"/> makes (captured length within the limit and the input); every other case
    /// goes there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out CaptureRecord record)
    {
        var avail = _in.Available;
        int hl = _recordHeader;
        if (!_bigEndian && avail.Length >= hl && Damage is null)
        {
            // the header is inside avail by the test above, the data once capLen <= avail.Length - hl
            ref byte b = ref MemoryMarshal.GetReference(avail);
            uint capLen = UncheckedLittleEndian.U32(ref b, 8);
            if (capLen <= CaptureInput.MaxRecordBytes && capLen <= (uint)(avail.Length - hl))
            {
                uint sec = UncheckedLittleEndian.U32(ref b, 0);
                uint frac = UncheckedLittleEndian.U32(ref b, 4);
                uint origLen = UncheckedLittleEndian.U32(ref b, 12);
                long offset = _in.Position;
                long ts = sec * NanosPerSecond + (_nanos ? frac : frac * NanosPerMicro);
                int orig = origLen > int.MaxValue ? int.MaxValue : (int)origLen;
                record = new CaptureRecord(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, hl), (int)capLen), ts, orig,
                    LinkType, _nanos, offset);
                _in.Advance(hl + (int)capLen);
                return true;
            }
        }
        return TryReadRecord(out record);
    }

    /// <summary>Reads the next record through the buffer's checked calls (any byte order, a record across the buffer's end, damage).</summary>
    private bool TryReadRecord(out CaptureRecord record)
    {
        record = default;
        if (Damage is not null) return false;
        long offset = _in.Position;
        if (!_in.Ensure(_recordHeader))
        {
            if (_in.Buffered == 0) return false; // clean end
            return SetDamage(offset, $"truncated record header ({_in.Buffered} of {_recordHeader} bytes)");
        }
        var h = _in.Peek(_recordHeader);
        uint sec = U32(h);
        uint frac = U32(h.Slice(4));
        uint capLen = U32(h.Slice(8));
        uint origLen = U32(h.Slice(12));
        if (capLen > CaptureInput.MaxRecordBytes)
            return SetDamage(offset, $"record captured length {capLen} is absurd (over {CaptureInput.MaxRecordBytes} bytes)");
        int total = _recordHeader + (int)capLen;
        if (!_in.Ensure(total))
            return SetDamage(offset,
                $"truncated record: captured length {capLen} but only {_in.KnownRemaining - _recordHeader} bytes remain");
        _in.Take(_recordHeader);
        var data = _in.Take((int)capLen);
        long ts = sec * NanosPerSecond + (_nanos ? frac : frac * NanosPerMicro);
        int orig = origLen > int.MaxValue ? int.MaxValue : (int)origLen;
        record = new CaptureRecord(data, ts, orig, LinkType, _nanos, offset);
        return true;
    }

    private bool SetDamage(long offset, string reason)
    {
        Damage = new CaptureDamage(Name, offset, reason);
        return false;
    }

    public void Dispose() => _in.Dispose();
}
