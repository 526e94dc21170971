using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SegVerify.Core.Localization;
using SharpPcap;
using SharpPcap.LibPcap;

namespace SegVerify.Live.Capture;

/// <summary>Settings of a live capture.</summary>
public sealed class CaptureSettings
{
    public required string Interface { get; init; }
    public string? Bpf { get; init; }
    public int Snaplen { get; init; } = DefaultSnaplen;
    /// <summary>libpcap read timeout: how long a read waits before returning to check for shutdown.</summary>
    public int ReadTimeoutMs { get; init; } = 100;
    /// <summary>Kernel capture buffer (pcap_set_buffer_size).</summary>
    public int KernelBufferBytes { get; init; } = 32 * 1024 * 1024;
    /// <summary>Size of the TPACKET_V3 ring mapped from the kernel (the Linux path), in bytes.</summary>
    public long RingBytes { get; init; } = 64L * 1024 * 1024;
    public string Language { get; init; } = "en";

    public const int DefaultSnaplen = 262144;
}

/// <summary>
/// The capture side of monitor: opens the interface through SharpPcap/libpcap (100 ms block timeout, promiscuous, not
/// monitor mode), and on its own thread copies every packet into the <see cref="PacketRing"/>. Keeps 64-bit,
/// wrap-corrected totals of libpcap's counters. When the interface goes down or away, it says so and reopens it
/// with backoff until it returns. A savefile (used by tests) is read to its end instead.
/// </summary>
public sealed class PcapSource : IDisposable
{
    private const int MinBackoffMs = 250;
    private const int MaxBackoffMs = 10_000;
    private const long StatsIntervalNs = 1_000_000_000;
    private const long StopDrainSeconds = 5;
    private const int PcapNextOk = 1;
    private const int PcapNextTimeout = 0;
    private const int PcapNextEof = -2;

    private readonly CaptureSettings _settings;
    private readonly string? _savefile;
    private readonly string _lang;
    private PcapDevice? _device;
    private Thread? _thread;
    private volatile bool _stop;
    private volatile bool _ended;
    /// <summary>
    /// The interface's operstate, read first when the interface is opened (not when the capture thread starts: an
    /// interface taken down in between would otherwise be taken as down from the start and its going down never told).
    /// </summary>
    private OperStateWatcher? _operState;

    // Counters written by the capture thread, read by others.
    private long _received;
    private long _captured;
    private long _kernelDropped;
    private long _ifDropped;
    private WrappingCounter _recvCounter;
    private WrappingCounter _dropCounter;
    private WrappingCounter _ifDropCounter;

    /// <summary>Messages for standard error (interface down, reopened...), printed by the engine thread.</summary>
    public ConcurrentQueue<string> Notices { get; } = new();

    /// <summary>LINKTYPE_* of the packets.</summary>
    public int LinkType { get; private set; }
    public bool NanosecondResolution { get; private set; }
    public string Name => _savefile ?? _settings.Interface;
    /// <summary>True when reading a savefile rather than an interface.</summary>
    public bool IsFile => _savefile is not null;
    public int Snaplen => _settings.Snaplen;

    /// <summary>True once a savefile has been read to its end (never for a live interface).</summary>
    public bool Ended => _ended;
    /// <summary>ps_recv, 64-bit.</summary>
    public long Received => Volatile.Read(ref _received);
    /// <summary>Packets handed to SegVerify by libpcap.</summary>
    public long Captured => Volatile.Read(ref _captured);
    /// <summary>
    /// Packets the kernel counted as received and not dropped that were never read (left in the buffer at the end):
    /// ps_recv - ps_drop - captured, never negative. Part of <c>dropped</c>.
    /// </summary>
    public long Unread => IsFile ? 0 : Math.Max(0, Received - KernelDropped - Captured);
    /// <summary>ps_drop, 64-bit: dropped by the kernel (no room in the capture buffer).</summary>
    public long KernelDropped => Volatile.Read(ref _kernelDropped);
    /// <summary>ps_ifdrop, 64-bit: dropped by the interface or its driver.</summary>
    public long InterfaceDropped => Volatile.Read(ref _ifDropped);

    private PcapSource(CaptureSettings settings, string? savefile)
    {
        _settings = settings;
        _savefile = savefile;
        _lang = settings.Language;
    }

    /// <summary>Opens a live interface. Throws <see cref="MonitorStartException"/> with a message a person can act on.</summary>
    public static PcapSource OpenLive(CaptureSettings settings)
    {
        var s = new PcapSource(settings, null);
        s._operState = OperStateWatcher.For(settings.Interface);
        s._device = s.OpenDevice(initial: true) ?? throw new InvalidOperationException("unreachable");
        return s;
    }

    /// <summary>Reads a capture file through libpcap as if it were an interface (tests, dry runs).</summary>
    public static PcapSource OpenFile(string path, CaptureSettings settings)
    {
        // libpcap's errors about the file are English and thrown as PcapException: the file is opened once by .NET
        // first, so that what the operating system refuses is told in the chosen language with the path (exit 2)
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string why = Messages.IoError(ex, settings.Language, path);
            throw new MonitorStartException(Localized.Pick(settings.Language, $"キャプチャ {path} を読めません: {why}",
                $"cannot read the capture {path}: {why}"), MonitorStartError.OpenFailed);
        }
        var s = new PcapSource(settings, path);
        try
        {
            var dev = new CaptureFileReaderDevice(path);
            dev.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
            if (!string.IsNullOrEmpty(settings.Bpf)) SetFilter(dev, settings.Bpf, settings.Language);
            s.Adopt(dev);
            s._device = dev;
        }
        catch (Exception ex) when (LiveErrors.IsLibpcapMissing(ex))
        {
            throw LiveErrors.LibpcapMissing(settings.Language, ex);
        }
        catch (PcapException ex)
        {
            // a file libpcap cannot read as a capture (its own words as the detail)
            throw new MonitorStartException(Localized.Pick(settings.Language, $"キャプチャとして読めません: {path}（libpcap: {ex.Message}）",
                $"not a readable capture: {path} (libpcap: {ex.Message})"), MonitorStartError.OpenFailed);
        }
        return s;
    }

    private void Adopt(PcapDevice dev)
    {
        LinkType = SegVerify.Core.Evidence.PcapFileWriter.ToLinkType((int)dev.LinkType);
        NanosecondResolution = dev.TimestampResolution == TimestampResolution.Nanosecond;
    }

    /// <summary>Finds and opens the interface. On a reopen, returns null instead of throwing while it is absent.</summary>
    private PcapDevice? OpenDevice(bool initial)
    {
        string name = _settings.Interface;
        LibPcapLiveDeviceList list;
        try
        {
            list = LibPcapLiveDeviceList.New();
        }
        catch (Exception ex) when (LiveErrors.IsLibpcapMissing(ex))
        {
            throw LiveErrors.LibpcapMissing(_lang, ex);
        }
        catch (PcapException ex)
        {
            if (!initial) return null;
            throw LiveErrors.OpenFailed(_lang, name, ex.Message);
        }
        LibPcapLiveDevice? dev = null;
        foreach (var d in list) if (d.Name == name) { dev = d; break; }
        if (dev is null)
        {
            if (!initial) return null;
            throw LiveErrors.NoSuchInterface(_lang, name, list.Select(d => d.Name));
        }
        var config = new DeviceConfiguration
        {
            Mode = DeviceModes.Promiscuous,
            // Not immediate mode: on Linux, libpcap's immediate mode uses TPACKET_V2, a ring of fixed frames each as
            // large as the snaplen (a 32 MiB buffer at snaplen 262144 holds 128 packets), and in tests bursts were
            // lost there without showing in ps_drop. Without it, TPACKET_V3 packs packets into blocks that are handed
            // over when full or after the read timeout (100 ms), so the added latency is at most that.
            Immediate = false,
            ReadTimeout = _settings.ReadTimeoutMs,
            Snaplen = _settings.Snaplen,
            BufferSize = _settings.KernelBufferBytes,
            TimestampResolution = TimestampResolution.Nanosecond,
        };
        config.ConfigurationFailed += (_, e) =>
        {
            // Nanosecond timestamps are a wish: microseconds are fine. Report the rest.
            if (e.Property != nameof(DeviceConfiguration.TimestampResolution))
                Notices.Enqueue(Localized.Pick(_lang, $"警告: {name}: {e.Property} を設定できません: {e.Message}",
                    $"warning: {name}: cannot set {e.Property}: {e.Message}"));
        };
        try
        {
            dev.Open(config);
        }
        catch (PcapException ex)
        {
            string? last = null;
            try { last = dev.LastError; } catch (Exception) { /* the handle may be unusable */ }
            try { dev.Close(); } catch (Exception) { }
            if (LiveErrors.IsPermission(ex, last))
                throw LiveErrors.PermissionDenied(_lang, name, string.IsNullOrEmpty(last) ? ex.Message : last);
            if (!initial) return null;
            if (ex.Error == PcapError.NoSuchDevice) throw LiveErrors.NoSuchInterface(_lang, name, list.Select(d => d.Name));
            throw LiveErrors.OpenFailed(_lang, name, string.IsNullOrEmpty(last) ? ex.Message : $"{ex.Message} {last}");
        }
        catch (Exception ex) when (LiveErrors.IsLibpcapMissing(ex))
        {
            throw LiveErrors.LibpcapMissing(_lang, ex);
        }
        if (!string.IsNullOrEmpty(_settings.Bpf))
        {
            try { SetFilter(dev, _settings.Bpf, _lang); }
            catch { dev.Close(); throw; }
        }
        try
        {
            // Reads return at once when nothing is ready; the capture loop waits on the descriptor with a timeout, so
            // that it can notice a stop request (a blocking read may wait forever in immediate mode).
            dev.NonBlockingMode = true;
        }
        catch (PcapException ex)
        {
            dev.Close();
            throw LiveErrors.OpenFailed(_lang, name, ex.Message);
        }
        Adopt(dev);
        _recvCounter.Rebase();
        _dropCounter.Rebase();
        _ifDropCounter.Rebase();
        return dev;
    }

    private static void SetFilter(PcapDevice dev, string bpf, string lang)
    {
        try
        {
            dev.Filter = bpf;
        }
        catch (PcapException ex)
        {
            string detail = ex.Message;
            try { if (!string.IsNullOrEmpty(dev.LastError)) detail = dev.LastError; } catch (Exception) { }
            throw LiveErrors.BadFilter(lang, bpf, detail);
        }
    }

    /// <summary>Starts the capture thread, which writes into <paramref name="ring"/> until <see cref="Stop"/>.</summary>
    public void Start(PacketRing ring)
    {
        _thread = new Thread(() => Run(ring)) { IsBackground = true, Name = "segverify-capture" };
        _thread.Start();
    }

    /// <summary>Asks the capture thread to stop and waits for it (at most a read timeout or a backoff step).</summary>
    public void Stop()
    {
        _stop = true;
        _thread?.Join();
    }

    private void Run(PacketRing ring)
    {
        bool file = _savefile is not null;
        long nextStats = 0;
        int backoff = MinBackoffMs;
        var operState = _operState;
        while (!_stop)
        {
            var dev = _device;
            if (dev is null)
            {
                // Down or gone: try again with backoff.
                Thread.Sleep(backoff);
                if (_stop) break;
                PcapDevice? reopened = null;
                try { reopened = OpenDevice(initial: false); }
                catch (MonitorStartException ex) { Notices.Enqueue(ex.Message); }
                if (reopened is null)
                {
                    backoff = Math.Min(backoff * 2, MaxBackoffMs);
                    operState?.Poll(Notices, _lang);
                    continue;
                }
                _device = reopened;
                backoff = MinBackoffMs;
                Notices.Enqueue(Localized.Pick(_lang, $"{_settings.Interface}: 取り込みを再開しました",
                    $"{_settings.Interface}: capture resumed"));
                continue;
            }

            long now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!file && now >= nextStats)
            {
                SampleStats(dev);
                operState?.Poll(Notices, _lang);
                nextStats = now + System.Diagnostics.Stopwatch.Frequency;
            }

            if (!file && NativePcap.Available)
            {
                int got = DispatchBatch(dev, ring);
                if (got > 0) continue;
                if (got == 0) { WaitReadable(dev); continue; }
                rcError(dev);
                continue;
            }

            IntPtr header = IntPtr.Zero, data = IntPtr.Zero;
            int rc;
            try
            {
                rc = dev.GetNextPacketPointers(ref header, ref data);
            }
            catch (Exception ex) when (ex is PcapException or DeviceNotReadyException or ObjectDisposedException)
            {
                rc = -1;
            }
            if (rc == PcapNextOk)
            {
                Enqueue(ring, header, data, blockWhenFull: file);
                continue;
            }
            if (rc == PcapNextTimeout && !file)
            {
                // Non-blocking handle and nothing ready: wait on the descriptor for up to the read timeout (SharpPcap
                // polls before it reads). This allocates a header object for the one packet that ends the wait only.
                GetPacketStatus st;
                PacketCapture pc;
                try { st = dev.GetNextPacket(out pc); }
                catch (Exception ex) when (ex is PcapException or DeviceNotReadyException or ObjectDisposedException)
                {
                    st = GetPacketStatus.Error;
                    pc = default;
                }
                if (st == GetPacketStatus.PacketRead)
                {
                    var tv = pc.Header.Timeval;
                    long ts = (long)(tv.Value * 1_000_000_000m);
                    int orig = pc.Header is PcapHeader ph ? (int)ph.PacketLength : pc.Data.Length;
                    ring.TryWrite(pc.Data, orig, ts);
                    continue;
                }
                if (st != GetPacketStatus.Error) continue;
                rc = -1;
            }
            else if (rc == PcapNextTimeout) continue;
            if (rc == PcapNextEof || file)
            {
                _ended = true;
                ring.Wake();
                break;
            }
            rcError(dev);
        }
        var last = _device;
        if (last is not null && !file)
        {
            // Stopping: read what the kernel still holds, so that packets it received are not left unread.
            if (NativePcap.Available)
            {
                var until = System.Diagnostics.Stopwatch.GetTimestamp() + StopDrainSeconds * System.Diagnostics.Stopwatch.Frequency;
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until && DispatchBatch(last, ring) > 0) { }
            }
            SampleStats(last);
        }
    }

    /// <summary>A read failed: the interface went down or disappeared. Keep the counters, report, close for a reopen.</summary>
    private void rcError(PcapDevice dev)
    {
        {
            string reason;
            try { reason = dev.LastError; } catch (Exception) { reason = "?"; }
            SampleStats(dev);
            Notices.Enqueue(Localized.Pick(_lang,
                $"{_settings.Interface}: 取り込みが止まりました ({reason})。インターフェースが戻るまで再接続を試みます",
                $"{_settings.Interface}: capture stopped ({reason}); retrying until the interface returns"));
            try { dev.Close(); } catch (Exception) { }
            _device = null;
        }
    }

    private PacketRing? _dispatchRing;

    /// <summary>Reads what the kernel has buffered with one pcap_dispatch call; the count, 0 for none, -1 on error.</summary>
    private unsafe int DispatchBatch(PcapDevice dev, PacketRing ring)
    {
        _dispatchRing = ring;
        var self = GCHandle.Alloc(this);
        try
        {
            bool added = false;
            var handle = dev.Handle;
            handle.DangerousAddRef(ref added);
            try
            {
                int n = NativePcap.Dispatch(handle.DangerousGetHandle(), -1, &OnNativePacket, GCHandle.ToIntPtr(self));
                return n < 0 ? -1 : n;
            }
            finally
            {
                if (added) handle.DangerousRelease();
            }
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            self.Free();
        }
    }

    [UnmanagedCallersOnly]
    private static void OnNativePacket(IntPtr user, IntPtr header, IntPtr data)
    {
        var self = (PcapSource)GCHandle.FromIntPtr(user).Target!;
        self.Enqueue(self._dispatchRing!, header, data, blockWhenFull: false);
    }

    /// <summary>Waits until the handle is readable or the read timeout passes.</summary>
    private unsafe void WaitReadable(PcapDevice dev)
    {
        int fd;
        try { fd = NativePcap.SelectableFd(dev.Handle.DangerousGetHandle()); }
        catch (ObjectDisposedException) { return; }
        if (fd < 0) { Thread.Sleep(_settings.ReadTimeoutMs); return; }
        var pfd = new NativePcap.PollFd { Fd = fd, Events = NativePcap.PollIn };
        NativePcap.Poll(&pfd, 1, _settings.ReadTimeoutMs);
    }

    private unsafe void Enqueue(PacketRing ring, IntPtr header, IntPtr data, bool blockWhenFull)
    {
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }: timeval is two longs on
        // 64-bit Unix (tv_usec in the low half on little-endian; macOS has an int and padding), two 32-bit ints on
        // Windows and 32-bit systems.
        byte* h = (byte*)header;
        long sec;
        long frac;
        uint caplen, len;
        if (IntPtr.Size == 8 && !OperatingSystem.IsWindows())
        {
            sec = *(long*)h;
            frac = *(int*)(h + 8);
            caplen = *(uint*)(h + 16);
            len = *(uint*)(h + 20);
        }
        else
        {
            sec = *(int*)h;
            frac = *(int*)(h + 4);
            caplen = *(uint*)(h + 8);
            len = *(uint*)(h + 12);
        }
        long ts = sec * 1_000_000_000 + (NanosecondResolution ? frac : frac * 1_000);
        Volatile.Write(ref _captured, _captured + 1);
        var span = new ReadOnlySpan<byte>((void*)data, (int)caplen);
        if (!blockWhenFull)
        {
            ring.TryWrite(span, (int)len, ts); // a refusal is counted by the ring as an overflow
            return;
        }
        while (!ring.TryWrite(span, (int)len, ts, countOverflow: false) && !_stop) Thread.Sleep(1);
    }

    private void SampleStats(PcapDevice dev)
    {
        try
        {
            var st = dev.Statistics;
            if (st is null) return;
            _recvCounter.Sample(st.ReceivedPackets);
            _dropCounter.Sample(st.DroppedPackets);
            _ifDropCounter.Sample(st.InterfaceDroppedPackets);
            Volatile.Write(ref _received, _recvCounter.Total);
            Volatile.Write(ref _kernelDropped, _dropCounter.Total);
            Volatile.Write(ref _ifDropped, _ifDropCounter.Total);
        }
        catch (Exception ex) when (ex is PcapException or DeviceNotReadyException or ObjectDisposedException)
        {
            // Statistics are unavailable while the handle is failing; the next sample catches up.
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
        try { _device?.Close(); } catch (Exception) { }
        _device = null;
    }
}

/// <summary>Watches /sys/class/net/IF/operstate (Linux) to report an interface going down and coming back.</summary>
internal sealed class OperStateWatcher
{
    private readonly string _name;
    private readonly string _path;
    private string? _last;

    private OperStateWatcher(string name)
    {
        _name = name;
        _path = Path.Combine("/sys/class/net", name, "operstate");
        _last = Read();
    }

    public static OperStateWatcher? For(string? iface) =>
        iface is not null && RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && Directory.Exists("/sys/class/net")
            ? new OperStateWatcher(iface) : null;

    private string Read()
    {
        try { return File.Exists(_path) ? File.ReadAllText(_path).Trim() : "absent"; }
        catch (IOException) { return "unknown"; }
    }

    public void Poll(ConcurrentQueue<string> notices, string lang)
    {
        var now = Read();
        if (now == _last) return;
        bool wasUp = _last is "up" or "unknown";
        bool isUp = now is "up" or "unknown";
        _last = now;
        if (wasUp && !isUp)
            notices.Enqueue(Localized.Pick(lang, $"{_name}: インターフェースが停止しました ({now})",
                $"{_name}: interface is down ({now})"));
        else if (!wasUp && isUp)
            notices.Enqueue(Localized.Pick(lang, $"{_name}: インターフェースが復帰しました", $"{_name}: interface is up again"));
    }
}
