using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegVerify.Core.Capture;
using static SegVerify.Live.Capture.LinuxPacketSocket;

namespace SegVerify.Live.Capture;

/// <summary>
/// Linux capture without a copy: an AF_PACKET socket with a TPACKET_V3 receive ring mapped into the process. The
/// kernel fills blocks of packets (a block is handed over when full or after <see cref="RetireTimeoutMs"/>); the engine
/// thread walks each ready block and hands every packet to the engine as a span of the ring itself, then gives the
/// block back. No capture thread, no queue, no copy, nothing allocated per packet. A filter is compiled by libpcap and
/// attached to the socket (SO_ATTACH_FILTER). Counters come from PACKET_STATISTICS (received and dropped by the
/// kernel) and the interface's rx_dropped. When the interface goes down the socket stays bound and capture goes on
/// when it is up again; when it disappears the socket is closed and reopened with backoff until it returns.
/// </summary>
public sealed unsafe class TpacketV3Source : IPacketSource
{
    /// <summary>How long the kernel waits before handing over a block that is not full (the added latency, at most).</summary>
    public const int RetireTimeoutMs = 100;
    private const int BlockSize = 1 << 20;
    private const int MinBackoffMs = 250;
    private const int MaxBackoffMs = 10_000;
    private const long StopDrainSeconds = 5;
    private const int VlanTagLength = 4;
    private const int MacAddressesLength = 12;

    private readonly CaptureSettings _settings;
    private readonly string _lang;
    private readonly bool _loopback;
    private readonly byte[] _scratch;
    private readonly byte* _scratchPtr;
    private readonly Frames _frames;
    private readonly OperStateWatcher? _operState;
    private int _fd = -1;
    private int _ifIndex;
    private byte* _map;
    private nuint _mapLength;
    private int _blockCount;
    private int _block;
    private long _nextSample;
    private long _nextReopen;
    private int _backoff = MinBackoffMs;

    private long _received;
    private long _kernelDropped;
    private long _ifDropped;
    private long _ifDropBase;
    private long _read;

    public ConcurrentQueue<string> Notices { get; } = new();
    public string Method => "tpacket-v3";
    /// <summary>Ethernet (loopback is presented as Ethernet, as libpcap does).</summary>
    public int LinkType => 1;
    public bool NanosecondResolution => true;
    public string Name => _settings.Interface;
    public bool IsFile => false;
    public int Snaplen => _settings.Snaplen;
    public bool Ended => false;
    public long Received => Volatile.Read(ref _received);
    public long KernelDropped => Volatile.Read(ref _kernelDropped);
    public long QueueDropped => 0;
    public long InterfaceDropped => Volatile.Read(ref _ifDropped);
    /// <summary>Packets read from the ring (including loopback's own outgoing copies, which are skipped as libpcap does).</summary>
    public long PacketsRead => Volatile.Read(ref _read);
    public long Unread => Math.Max(0, Received - KernelDropped - PacketsRead);
    /// <summary>Size of the mapped ring in bytes.</summary>
    public long RingBytes => (long)_mapLength;

    private TpacketV3Source(CaptureSettings settings, bool loopback)
    {
        _settings = settings;
        _lang = settings.Language;
        _loopback = loopback;
        _scratch = GC.AllocateUninitializedArray<byte>(Math.Max(settings.Snaplen, 64) + VlanTagLength, pinned: true);
        _scratchPtr = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratch));
        _frames = new Frames(this);
        _operState = OperStateWatcher.For(settings.Interface);
    }

    /// <summary>
    /// True when this path can capture on the interface: Linux, and an Ethernet or loopback interface (others, e.g.
    /// tunnels without a link layer, go through libpcap, which presents them as it knows how).
    /// </summary>
    public static bool Supports(string iface)
    {
        if (!OperatingSystem.IsLinux()) return false;
        int? type = HardwareType(iface);
        return type is ArphrdEther or ArphrdLoopback;
    }

    private static int? HardwareType(string iface)
    {
        if (iface.Contains('/') || iface is "." or "..") return null;
        try
        {
            var path = Path.Combine("/sys/class/net", iface, "type");
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int t) ? t : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Opens the interface. Throws <see cref="MonitorStartException"/> with a message a person can act on.</summary>
    public static TpacketV3Source Open(CaptureSettings settings)
    {
        bool loopback = HardwareType(settings.Interface) == ArphrdLoopback;
        var s = new TpacketV3Source(settings, loopback);
        s._ifDropBase = s.ReadInterfaceDrops();
        s.OpenSocket(initial: true);
        return s;
    }

    /// <summary>Creates, configures, maps and binds the socket. On a reopen, returns false instead of throwing while the interface is absent.</summary>
    private bool OpenSocket(bool initial)
    {
        string name = _settings.Interface;
        uint index = IfNameToIndex(name);
        if (index == 0)
        {
            if (!initial) return false;
            throw LiveErrors.NoSuchInterface(_lang, name, ListInterfaces());
        }
        // Protocol 0: the socket receives nothing until bound, so nothing unfiltered enters the ring before the filter.
        int fd = Socket(AfPacket, SockRaw, 0);
        if (fd < 0)
        {
            int err = Marshal.GetLastPInvokeError();
            if (err is EPerm or EAcces) throw LiveErrors.PermissionDenied(_lang, name, "socket(AF_PACKET): " + Describe(err));
            if (!initial) return false;
            throw LiveErrors.OpenFailed(_lang, name, "socket(AF_PACKET): " + Describe(err));
        }
        byte* map = null;
        nuint mapLength = 0;
        try
        {
            int version = TpacketV3;
            Check(SetSockOpt(fd, SolPacket, PacketVersion, &version, sizeof(int)), "PACKET_VERSION");
            int frameSize = Math.Min(BlockSize, (_settings.Snaplen + 128 + 15) & ~15);
            int blocks = Math.Max(4, (int)(Math.Max(_settings.RingBytes, 4L * BlockSize) / BlockSize));
            var req = new TpacketReq3
            {
                BlockSize = BlockSize,
                BlockNr = (uint)blocks,
                FrameSize = (uint)frameSize,
                FrameNr = (uint)(BlockSize / frameSize * blocks),
                RetireBlkTov = RetireTimeoutMs,
            };
            Check(SetSockOpt(fd, SolPacket, PacketRxRing, &req, (uint)sizeof(TpacketReq3)), "PACKET_RX_RING");
            mapLength = (nuint)((long)BlockSize * blocks);
            IntPtr m = Mmap(IntPtr.Zero, mapLength, ProtRead | ProtWrite, MapShared, fd, 0);
            if (m == new IntPtr(-1)) { mapLength = 0; Check(-1, "mmap"); }
            map = (byte*)m;
            if (!string.IsNullOrEmpty(_settings.Bpf))
                BpfCompiler.Attach(fd, _settings.Bpf, LinkType, _settings.Snaplen, _lang);
            var mreq = new PacketMreq { IfIndex = (int)index, Type = PacketMrPromisc };
            Check(SetSockOpt(fd, SolPacket, PacketAddMembership, &mreq, (uint)sizeof(PacketMreq)), "PACKET_ADD_MEMBERSHIP (promiscuous)");
            var sll = new SockaddrLl { Family = AfPacket, Protocol = EthPAllNetworkOrder, IfIndex = (int)index };
            Check(Bind(fd, &sll, (uint)sizeof(SockaddrLl)), "bind");
        }
        catch (Exception)
        {
            if (map is not null) Munmap((IntPtr)map, mapLength);
            LinuxPacketSocket.Close(fd);
            if (!initial) return false;
            throw;
        }
        _fd = fd;
        _ifIndex = (int)index;
        _map = map;
        _mapLength = mapLength;
        _blockCount = (int)(mapLength / BlockSize);
        _block = 0;
        return true;

        void Check(int rc, string what)
        {
            if (rc == 0) return;
            int err = Marshal.GetLastPInvokeError();
            if (err is EPerm or EAcces) throw LiveErrors.PermissionDenied(_lang, name, what + ": " + Describe(err));
            if (err == ENoDev) throw LiveErrors.NoSuchInterface(_lang, name, ListInterfaces());
            throw LiveErrors.OpenFailed(_lang, name, what + ": " + Describe(err));
        }
    }

    private static IEnumerable<string> ListInterfaces()
    {
        try { return Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList(); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    public void Start() => _nextSample = Stopwatch.GetTimestamp() + Stopwatch.Frequency;

    /// <summary>
    /// Hands the frames of the ready blocks to the handler as one run (<see cref="IPacketHandler.OnFrames"/>), stopping at
    /// the end of the block in which <paramref name="max"/> is reached; each block goes back to the kernel as soon as
    /// its last frame has been read.
    /// </summary>
    public int Read<THandler>(ref THandler handler, int max) where THandler : struct, IPacketHandler
    {
        int n = 0;
        if (_map is not null && BlockReady(_block))
        {
            _frames.Begin(max);
            handler.OnFrames(_frames);
            _frames.End();
            n = _frames.Delivered;
            Volatile.Write(ref _read, _read + _frames.Consumed);
        }
        if (Stopwatch.GetTimestamp() >= _nextSample) Sample();
        return n;
    }

    private bool BlockReady(int index) =>
        (Volatile.Read(ref *(uint*)(_map + (long)index * BlockSize + BlockStatus)) & TpStatusUser) != 0;

    /// <summary>Gives block <see cref="_block"/> back to the kernel and moves to the next.</summary>
    private void ReleaseBlock()
    {
        Volatile.Write(ref *(uint*)(_map + (long)_block * BlockSize + BlockStatus), TpStatusKernel);
        _block = _block + 1 == _blockCount ? 0 : _block + 1;
    }

    /// <summary>The frames of the ready blocks, read in place; a frame's bytes stay valid until the next <see cref="TryRead"/>.</summary>
    private sealed class Frames(TpacketV3Source source) : ICaptureReader
    {
        private byte* _next;
        private uint _left;
        private bool _inBlock;
        private int _limit;
        public int Delivered;
        public long Consumed;

        public string Name => source.Name;
        public CaptureDamage? Damage => null;

        public void Begin(int limit)
        {
            _limit = limit;
            Delivered = 0;
            Consumed = 0;
        }

        /// <summary>Gives back the block being read, if any (the handler stopped before the end of the run).</summary>
        public void End()
        {
            if (!_inBlock) return;
            // Frames not read yet in this block are lost to the engine only if the handler stopped early (it does not:
            // it reads to the end); count them as read so that nothing is counted twice.
            Consumed += _left;
            _left = 0;
            _inBlock = false;
            source.ReleaseBlock();
        }

        public bool TryRead(out CaptureRecord record)
        {
            while (true)
            {
                if (_left == 0)
                {
                    if (_inBlock)
                    {
                        source.ReleaseBlock();
                        _inBlock = false;
                    }
                    if (Delivered >= _limit || source._map is null || !source.BlockReady(source._block))
                    {
                        record = default;
                        return false;
                    }
                    byte* block = source._map + (long)source._block * BlockSize;
                    _left = *(uint*)(block + BlockNumPkts);
                    _next = block + *(uint*)(block + BlockOffsetToFirstPkt);
                    _inBlock = true;
                    continue;
                }
                byte* p = _next;
                _next = p + *(uint*)(p + PktNextOffset);
                _left--;
                Consumed++;
                if (source._loopback && p[PktSllPktType] == PacketOutgoing) continue; // loopback's own copy, as libpcap skips it
                Delivered++;
                record = source.Frame(p);
                return true;
            }
        }

        public void Dispose() { }
    }

    /// <summary>One frame of the ring as a record: in place, or (for a tag the interface stripped) rebuilt in the scratch buffer.</summary>
    private CaptureRecord Frame(byte* p)
    {
        uint status = *(uint*)(p + PktStatus);
        int caplen = (int)Math.Min(*(uint*)(p + PktSnaplen), (uint)_settings.Snaplen);
        int len = (int)*(uint*)(p + PktLen);
        long ts = *(uint*)(p + PktSec) * 1_000_000_000L + *(uint*)(p + PktNsec);
        byte* frame = p + *(ushort*)(p + PktMac);
        ushort tci = *(ushort*)(p + PktVlanTci);
        if ((tci != 0 || (status & TpStatusVlanValid) != 0) && caplen >= MacAddressesLength)
        {
            // The interface stripped an 802.1Q tag (VLAN offload): put it back where it was, as libpcap does.
            ushort tpid = (status & TpStatusVlanTpidValid) != 0 ? *(ushort*)(p + PktVlanTpid) : (ushort)0x8100;
            int room = _scratch.Length;
            int outLen = Math.Min(caplen + VlanTagLength, room);
            byte* s = _scratchPtr;
            Buffer.MemoryCopy(frame, s, room, MacAddressesLength);
            s[12] = (byte)(tpid >> 8);
            s[13] = (byte)tpid;
            s[14] = (byte)(tci >> 8);
            s[15] = (byte)tci;
            Buffer.MemoryCopy(frame + MacAddressesLength, s + 16, room - 16, outLen - 16);
            return new CaptureRecord(new ReadOnlySpan<byte>(s, outLen), ts, len + VlanTagLength, LinkType, true, 0);
        }
        return new CaptureRecord(new ReadOnlySpan<byte>(frame, caplen), ts, len, LinkType, true, 0);
    }

    public void WaitForData(int timeoutMs)
    {
        if (Stopwatch.GetTimestamp() >= _nextSample) Sample();
        if (_fd < 0)
        {
            TryReopen(timeoutMs);
            return;
        }
        var pfd = new PollFd { Fd = _fd, Events = PollIn | PollErr };
        int rc = LinuxPacketSocket.Poll(&pfd, 1, timeoutMs);
        if (rc <= 0 || (pfd.REvents & (PollErr | PollHup | PollNval)) == 0) return;
        // An error on the socket: ENETDOWN when the interface went down (it stays bound and captures again when the
        // interface is up; the operstate watcher reports both), or the interface is gone: close, reopen with backoff.
        int err = 0;
        uint len = sizeof(int);
        GetSockOpt(_fd, SolSocket, SoError, &err, &len);
        if (IfNameToIndex(_settings.Interface) == _ifIndex && (pfd.REvents & PollNval) == 0)
        {
            if (err == 0) Thread.Sleep(Math.Min(timeoutMs, 10)); // an error reported and already cleared: do not spin
            return;
        }
        Sample();
        Notices.Enqueue(Localized.Pick(_lang,
            $"{_settings.Interface}: 取り込みが止まりました ({(err != 0 ? Describe(err) : "interface removed")})。インターフェースが戻るまで再接続を試みます",
            $"{_settings.Interface}: capture stopped ({(err != 0 ? Describe(err) : "interface removed")}); retrying until the interface returns"));
        CloseSocket();
        _backoff = MinBackoffMs;
        _nextReopen = Stopwatch.GetTimestamp() + _backoff * Stopwatch.Frequency / 1000;
    }

    private void TryReopen(int timeoutMs)
    {
        long now = Stopwatch.GetTimestamp();
        if (now < _nextReopen)
        {
            Thread.Sleep((int)Math.Min(timeoutMs, (_nextReopen - now) * 1000 / Stopwatch.Frequency + 1));
            return;
        }
        bool ok;
        try { ok = OpenSocket(initial: false); }
        catch (MonitorStartException ex) { Notices.Enqueue(ex.Message); ok = false; }
        if (!ok)
        {
            _backoff = Math.Min(_backoff * 2, MaxBackoffMs);
            _nextReopen = Stopwatch.GetTimestamp() + _backoff * Stopwatch.Frequency / 1000;
            return;
        }
        Notices.Enqueue(Localized.Pick(_lang, $"{_settings.Interface}: 取り込みを再開しました", $"{_settings.Interface}: capture resumed"));
    }

    public void StopAndDrain<THandler>(ref THandler handler) where THandler : struct, IPacketHandler
    {
        if (_fd >= 0)
        {
            // A block that is not full is handed over after the retire timeout: wait for it, up to StopDrainSeconds.
            long until = Stopwatch.GetTimestamp() + StopDrainSeconds * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < until)
            {
                if (Read(ref handler, int.MaxValue) > 0) continue;
                var pfd = new PollFd { Fd = _fd, Events = PollIn };
                if (LinuxPacketSocket.Poll(&pfd, 1, 2 * RetireTimeoutMs) <= 0 || (pfd.REvents & PollIn) == 0) break;
            }
        }
        Sample();
    }

    /// <summary>Takes the kernel's counters (PACKET_STATISTICS resets them on each read) and the interface's drops.</summary>
    private void Sample()
    {
        _nextSample = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        if (_fd >= 0)
        {
            var st = new TpacketStatsV3();
            uint len = (uint)sizeof(TpacketStatsV3);
            if (GetSockOpt(_fd, SolPacket, PacketStatistics, &st, &len) == 0)
            {
                Volatile.Write(ref _received, _received + st.Packets);
                Volatile.Write(ref _kernelDropped, _kernelDropped + st.Drops);
            }
        }
        long ifd = ReadInterfaceDrops();
        if (ifd >= _ifDropBase) Volatile.Write(ref _ifDropped, ifd - _ifDropBase);
        _operState?.Poll(Notices, _lang);
    }

    /// <summary>rx_dropped + rx_missed_errors of the interface (what libpcap reports as ps_ifdrop on Linux).</summary>
    private long ReadInterfaceDrops()
    {
        long total = 0;
        foreach (var counter in new[] { "rx_dropped", "rx_missed_errors" })
        {
            try
            {
                var path = Path.Combine("/sys/class/net", _settings.Interface, "statistics", counter);
                if (File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), out long v)) total += v;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return total;
    }

    private void CloseSocket()
    {
        if (_map is not null) Munmap((IntPtr)_map, _mapLength);
        _map = null;
        _mapLength = 0;
        if (_fd >= 0) LinuxPacketSocket.Close(_fd);
        _fd = -1;
    }

    public void Dispose() => CloseSocket();
}
