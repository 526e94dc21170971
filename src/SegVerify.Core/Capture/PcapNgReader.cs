using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// Reader for pcapng (draft-ietf-opsawg-pcapng): several sections (each SHB sets the byte order and resets the
/// interfaces), several interfaces (IDB link type, snap length, <c>if_tsresol</c>, <c>if_tsoffset</c>), packets from
/// EPB, SPB and the obsolete OPB; every other block (NRB, ISB, DSB, CB, custom...) is skipped by its length.
/// </summary>
internal sealed class PcapNgReader : ICaptureReader
{
    public const uint BlockShb = 0x0A0D0D0A;
    public const uint BlockIdb = 0x00000001;
    public const uint BlockOpb = 0x00000002;
    public const uint BlockSpb = 0x00000003;
    public const uint BlockEpb = 0x00000006;
    public const uint ByteOrderMagic = 0x1A2B3C4D;

    private const int BlockHeaderLength = 8;     // type + total length
    private const int BlockTrailerLength = 4;    // total length again
    private const int MinBlockLength = BlockHeaderLength + BlockTrailerLength;
    private const int ShbMinLength = 28;         // header, BOM, versions, section length, trailer
    private const int IdbFixedLength = 8;        // link type, reserved, snap length
    private const int EpbFixedLength = 20;       // interface, ts high, ts low, captured, original (OPB: interface(2), drops(2), ...)
    private const int SpbFixedLength = 4;        // original length
    private const int EpbMinBlockLength = MinBlockLength + EpbFixedLength;

    private const ushort OptEndOfOpt = 0;
    private const ushort OptIfTsResol = 9;
    private const ushort OptIfTsOffset = 14;
    private const byte TsResolPowerOf2 = 0x80;

    private const long NanosPerSecond = 1_000_000_000;
    private const int DefaultTsResolDigits = 6;

    private readonly CaptureInput _in;
    private bool _bigEndian;
    private Interface[] _ifaces = new Interface[4];
    private int _ifaceCount;
    /// <summary>Timestamp of the last packet with one in this section (given to simple packet blocks, which have none).</summary>
    private long _lastTs;

    public string Name { get; }
    public CaptureDamage? Damage { get; private set; }

    /// <summary>Number of sections seen so far.</summary>
    public int Sections { get; private set; }

    /// <summary>One interface of the current section: how to read its packets' timestamps.</summary>
    private struct Interface
    {
        public int LinkType;
        public uint SnapLength;
        /// <summary>Timestamp units per second is 10^Exp (Pow2 false) or 2^Exp (Pow2 true).</summary>
        public bool Pow2;
        public int Exp;
        public long OffsetNs;
        public bool Nanos;
        /// <summary>Nanoseconds per timestamp unit when that is a whole number (10^Exp units per second, Exp at most 9); else 0.</summary>
        public long NanosPerUnit;
    }

    internal PcapNgReader(CaptureInput input, string name)
    {
        _in = input;
        Name = name;
        // The first SHB is the file's header: anything wrong with it means "not a readable capture".
        string? error = ReadShb(0);
        if (error is not null) throw new CaptureFormatException(name, 0, error);
    }

    private ushort U16(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    private uint U32(ReadOnlySpan<byte> b) =>
        _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    /// <summary>Reads a section header block at the current position; returns an error text or null.</summary>
    private string? ReadShb(long offset)
    {
        if (!_in.Ensure(BlockHeaderLength + 4))
            return $"pcapng section header block is truncated ({_in.Buffered} bytes)";
        var h = _in.Peek(BlockHeaderLength + 4);
        uint bom = BinaryPrimitives.ReadUInt32LittleEndian(h.Slice(BlockHeaderLength));
        if (bom == ByteOrderMagic) _bigEndian = false;
        else if (BinaryPrimitives.ReverseEndianness(bom) == ByteOrderMagic) _bigEndian = true;
        else return $"pcapng section header block has a bad byte-order magic 0x{bom:X8}";
        uint len = U32(h.Slice(4));
        string? lenError = CheckLength(len, ShbMinLength);
        if (lenError is not null) return "section header block: " + lenError;
        if (!_in.Ensure((int)len))
            return $"section header block is truncated: length {len} but only {_in.KnownRemaining} bytes remain";
        var block = _in.Peek((int)len);
        if (U32(block.Slice((int)len - BlockTrailerLength)) != len)
            return $"section header block's trailing length {U32(block.Slice((int)len - BlockTrailerLength))} differs from its length {len}";
        _in.Take((int)len);
        _ifaceCount = 0;
        _lastTs = 0;
        Sections++;
        return null;
    }

    private static string? CheckLength(uint len, int min)
    {
        if (len < min) return $"block length {len} is shorter than {min}";
        if ((len & 3) != 0) return $"block length {len} is not a multiple of 4";
        if (len > CaptureInput.MaxRecordBytes) return $"block length {len} is absurd (over {CaptureInput.MaxRecordBytes} bytes)";
        return null;
    }

    /// <summary>
    /// Reads the next record. The common case, a little-endian enhanced packet block wholly in the buffer whose
    /// interface has a decimal timestamp resolution down to nanoseconds, is read here with the same checks as
    /// <see cref="TryReadBlock"/> makes (length, trailer, interface, captured length); every other case goes there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(out CaptureRecord record)
    {
        var avail = _in.Available;
        if (avail.Length >= EpbMinBlockLength && !_bigEndian && Damage is null)
        {
            // every read below is inside the block, which is inside avail: the first 32 bytes by the test above, the
            // trailer once len <= avail.Length
            ref byte b = ref MemoryMarshal.GetReference(avail);
            uint type = UncheckedLittleEndian.U32(ref b, 0);
            uint len = UncheckedLittleEndian.U32(ref b, 4);
            if (type == BlockEpb && len >= EpbMinBlockLength && (len & 3) == 0 && len <= (uint)avail.Length && len <= CaptureInput.MaxRecordBytes &&
                UncheckedLittleEndian.U32(ref b, (int)len - BlockTrailerLength) == len)
            {
                uint ifId = UncheckedLittleEndian.U32(ref b, BlockHeaderLength);
                uint cap = UncheckedLittleEndian.U32(ref b, BlockHeaderLength + 12);
                if (ifId < (uint)_ifaceCount && cap <= len - EpbMinBlockLength)
                {
                    ref readonly var iface = ref _ifaces[ifId];
                    if (iface.NanosPerUnit != 0)
                    {
                        ulong ts = ((ulong)UncheckedLittleEndian.U32(ref b, BlockHeaderLength + 4) << 32) | UncheckedLittleEndian.U32(ref b, BlockHeaderLength + 8);
                        uint orig = UncheckedLittleEndian.U32(ref b, BlockHeaderLength + 16);
                        long offset = _in.Position;
                        _lastTs = unchecked((long)ts * iface.NanosPerUnit) + iface.OffsetNs;
                        record = new CaptureRecord(
                            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, BlockHeaderLength + EpbFixedLength), (int)cap),
                            _lastTs, ClampLen(orig), iface.LinkType, iface.Nanos, offset);
                        _in.Advance((int)len);
                        return true;
                    }
                }
            }
        }
        return TryReadBlock(out record);
    }


    /// <summary>Reads the next record, block by block (any block type, byte order and damage).</summary>
    private bool TryReadBlock(out CaptureRecord record)
    {
        record = default;
        if (Damage is not null) return false;
        while (true)
        {
            long offset = _in.Position;
            if (!_in.Ensure(BlockHeaderLength))
            {
                if (_in.Buffered == 0) return false; // clean end
                return SetDamage(offset, $"truncated block header ({_in.Buffered} of {BlockHeaderLength} bytes)");
            }
            var hdr = _in.Peek(BlockHeaderLength);
            uint type = U32(hdr);
            if (type == BlockShb)
            {
                string? err = ReadShb(offset);
                if (err is not null) return SetDamage(offset, err);
                continue;
            }
            uint len = U32(hdr.Slice(4));
            string? lenErr = CheckLength(len, MinBlockLength);
            if (lenErr is not null) return SetDamage(offset, lenErr);
            if (type is not (BlockEpb or BlockSpb or BlockOpb or BlockIdb) && len > CaptureInput.DefaultBufferSize)
            {
                // A huge block of a kind that carries no packets: skip it without buffering it whole.
                if (!_in.Skip(len))
                    return SetDamage(offset, $"truncated block (type 0x{type:X8}, length {len})");
                continue;
            }
            if (!_in.Ensure((int)len))
                return SetDamage(offset, $"truncated block (type 0x{type:X8}): length {len} but only {_in.KnownRemaining} bytes remain");
            var block = _in.Peek((int)len);
            uint trailer = U32(block.Slice((int)len - BlockTrailerLength));
            if (trailer != len)
                return SetDamage(offset, $"block's trailing length {trailer} differs from its length {len}");
            var body = block.Slice(BlockHeaderLength, (int)len - MinBlockLength);
            switch (type)
            {
                default: // NRB, ISB, DSB, CB, custom...: no packets, skipped by their length
                    _in.Take((int)len);
                    continue;
                case BlockIdb:
                {
                    string? e = ReadIdb(body);
                    if (e is not null) return SetDamage(offset, e);
                    _in.Take((int)len);
                    continue;
                }
                case BlockEpb:
                    if (!ReadPacketBlock(body, offset, obsolete: false, out record)) return false;
                    break;
                case BlockSpb:
                    if (!ReadSpb(body, offset, out record)) return false;
                    break;
                case BlockOpb:
                    if (!ReadPacketBlock(body, offset, obsolete: true, out record)) return false;
                    break;
            }
            // The record's span points into the buffer; consuming the block does not move the bytes.
            _in.Take((int)len);
            return true;
        }
    }

    private string? ReadIdb(ReadOnlySpan<byte> body)
    {
        if (body.Length < IdbFixedLength) return $"interface description block body is {body.Length} bytes, shorter than {IdbFixedLength}";
        var iface = new Interface
        {
            LinkType = U16(body),
            SnapLength = U32(body.Slice(4)),
            Exp = DefaultTsResolDigits,
        };
        var opts = body.Slice(IdbFixedLength);
        while (opts.Length >= 4)
        {
            ushort code = U16(opts);
            ushort olen = U16(opts.Slice(2));
            if (code == OptEndOfOpt) break;
            int padded = (olen + 3) & ~3;
            if (4 + padded > opts.Length) break; // a malformed option list: keep what was read (the block itself is sound)
            var val = opts.Slice(4, olen);
            if (code == OptIfTsResol && olen >= 1)
            {
                byte r = val[0];
                iface.Pow2 = (r & TsResolPowerOf2) != 0;
                iface.Exp = r & ~TsResolPowerOf2;
            }
            else if (code == OptIfTsOffset && olen >= 8)
            {
                long secs = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(val) : BinaryPrimitives.ReadInt64LittleEndian(val);
                iface.OffsetNs = secs * NanosPerSecond;
            }
            opts = opts.Slice(4 + padded);
        }
        if (!iface.Pow2 && iface.Exp > 18) return $"if_tsresol 10^-{iface.Exp} is not supported";
        if (iface.Pow2 && iface.Exp > 62) return $"if_tsresol 2^-{iface.Exp} is not supported";
        iface.Nanos = iface.Pow2 ? iface.Exp > 19 /* 2^20 > 10^6 */ : iface.Exp > 6;
        iface.NanosPerUnit = !iface.Pow2 && iface.Exp <= 9 ? Pow10[9 - iface.Exp] : 0;
        if (_ifaceCount == _ifaces.Length) Array.Resize(ref _ifaces, _ifaces.Length * 2);
        _ifaces[_ifaceCount++] = iface;
        return null;
    }

    /// <summary>
    /// An enhanced packet block, or the obsolete packet block that has the same layout except for a 16-bit
    /// interface id followed by a 16-bit drops count.
    /// </summary>
    private bool ReadPacketBlock(ReadOnlySpan<byte> body, long offset, bool obsolete, out CaptureRecord record)
    {
        const int fixedLength = EpbFixedLength; // the obsolete block: interface(2) + drops(2) in the same 4 bytes
        string kind = obsolete ? "packet block" : "enhanced packet block";
        record = default;
        if (body.Length < fixedLength)
            return SetDamage(offset, $"{kind} body is {body.Length} bytes, shorter than {fixedLength}");
        uint ifId = obsolete ? U16(body) : U32(body);
        if (ifId >= (uint)_ifaceCount)
            return SetDamage(offset, $"{kind} refers to interface {ifId}, but the section has {_ifaceCount}");
        ulong ts = ((ulong)U32(body.Slice(4)) << 32) | U32(body.Slice(8));
        uint cap = U32(body.Slice(12));
        uint orig = U32(body.Slice(16));
        if (cap > (uint)(body.Length - fixedLength))
            return SetDamage(offset, $"{kind}'s captured length {cap} exceeds its body");
        ref readonly var iface = ref _ifaces[ifId];
        _lastTs = ToNanos(ts, iface);
        record = new CaptureRecord(body.Slice(fixedLength, (int)cap), _lastTs, ClampLen(orig),
            iface.LinkType, iface.Nanos, offset);
        return true;
    }

    private bool ReadSpb(ReadOnlySpan<byte> body, long offset, out CaptureRecord record)
    {
        record = default;
        if (body.Length < SpbFixedLength)
            return SetDamage(offset, $"simple packet block body is {body.Length} bytes, shorter than {SpbFixedLength}");
        if (_ifaceCount == 0)
            return SetDamage(offset, "simple packet block without an interface description block");
        ref readonly var iface = ref _ifaces[0];
        uint orig = U32(body);
        // Captured length: the original length, cut to the interface's snap length and to the block's body.
        uint cap = orig;
        if (iface.SnapLength != 0 && cap > iface.SnapLength) cap = iface.SnapLength;
        if (cap > (uint)(body.Length - SpbFixedLength)) cap = (uint)(body.Length - SpbFixedLength);
        // A simple packet block has no timestamp: it takes that of the packet before it in the section (0 when it is the
        // section's first packet).
        record = new CaptureRecord(body.Slice(SpbFixedLength, (int)cap), _lastTs, ClampLen(orig), iface.LinkType, iface.Nanos, offset);
        return true;
    }

    private static int ClampLen(uint v) => v > int.MaxValue ? int.MaxValue : (int)v;

    private static readonly long[] Pow10 =
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
    ];

    /// <summary>Converts a timestamp in the interface's units to nanoseconds since the epoch.</summary>
    private static long ToNanos(ulong ts, in Interface iface)
    {
        long ns;
        if (!iface.Pow2)
        {
            const int nanoDigits = 9;
            if (iface.Exp <= nanoDigits)
                ns = unchecked((long)ts * Pow10[nanoDigits - iface.Exp]);
            else
                ns = (long)(ts / (ulong)Pow10[iface.Exp - nanoDigits]);
        }
        else
        {
            ulong whole = iface.Exp == 0 ? ts : ts >> iface.Exp;
            ulong frac = iface.Exp == 0 ? 0 : ts & ((1UL << iface.Exp) - 1);
            ulong fracNs = (ulong)((UInt128)frac * (ulong)NanosPerSecond >> iface.Exp);
            ns = unchecked((long)whole * NanosPerSecond + (long)fracNs);
        }
        return ns + iface.OffsetNs;
    }

    private bool SetDamage(long offset, string reason)
    {
        Damage = new CaptureDamage(Name, offset, reason);
        return false;
    }

    public void Dispose() => _in.Dispose();
}
