using System.Net;
using System.Net.Sockets;
using System.Text;
using SegVerify.Core.Capture;
using SegVerify.Live.Capture;
using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>The TPACKET_V3 capture path on the loopback interface (root only; traffic to 127.0.0.1 only).</summary>
public class TpacketCaptureTests
{
    /// <summary>Keeps a copy of every frame handed over, one at a time or as a run read in place.</summary>
    private struct Collector : IPacketHandler
    {
        public List<(byte[] Data, int Orig, long Ts)> Got;
        public int Runs;

        public void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs) =>
            Got.Add((data.ToArray(), originalLength, timestampNs));

        public void OnFrames(ICaptureReader frames)
        {
            Runs++;
            while (frames.TryRead(out var r)) Got.Add((r.Data.ToArray(), r.OriginalLength, r.TimestampNs));
        }
    }

    private static void RequireLinuxRoot()
    {
        if (!OperatingSystem.IsLinux()) Requirements.Skip("the TPACKET_V3 path is Linux only");
        if (!Requirements.IsRoot) Requirements.Skip("AF_PACKET sockets need root (or CAP_NET_RAW); not running as root");
    }

    [SkippableFact]
    public void Packets_on_lo_are_read_in_place_once_each_with_wall_clock_timestamps_and_the_filter_applied()
    {
        RequireLinuxRoot();
        Requirements.RequireLibpcap(); // the filter is compiled by libpcap
        var marker = "segverify-tpacket-" + Guid.NewGuid().ToString("N");
        using var rx = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        using var other = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)rx.Client.LocalEndPoint!).Port;
        int otherPort = ((IPEndPoint)other.Client.LocalEndPoint!).Port;
        Assert.True(TpacketV3Source.Supports("lo"));
        using var source = TpacketV3Source.Open(new CaptureSettings { Interface = "lo", Bpf = $"udp and port {port}" });
        Assert.Equal("tpacket-v3", source.Method);
        Assert.Equal(LinkTypes.Ethernet, source.LinkType);
        source.Start();
        long before = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
        using var tx = new UdpClient();
        var payload = Encoding.ASCII.GetBytes(marker);
        const int Sent = 5;
        for (int i = 0; i < Sent; i++)
        {
            tx.Send(payload, payload.Length, new IPEndPoint(IPAddress.Loopback, port));
            tx.Send(payload, payload.Length, new IPEndPoint(IPAddress.Loopback, otherPort)); // filtered out in the kernel
        }
        var c = new Collector { Got = [] };
        // A block that is not full is handed over after the retire timeout (100 ms); bounded wait.
        for (int attempt = 0; attempt < 50 && c.Got.Count < Sent; attempt++)
        {
            source.WaitForData(100);
            source.Read(ref c, int.MaxValue);
        }
        source.StopAndDrain(ref c);
        long after = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

        // Each datagram once: loopback's outgoing copy is skipped, as libpcap does; the other port never reaches the ring.
        Assert.Equal(Sent, c.Got.Count);
        Assert.True(c.Runs >= 1);
        foreach (var (data, orig, ts) in c.Got)
        {
            Assert.Equal(14 + 20 + 8 + payload.Length, data.Length);
            Assert.Equal(data.Length, orig);
            Assert.Equal(port, (data[36] << 8) | data[37]);
            Assert.Equal(marker, Encoding.ASCII.GetString(data, 42, payload.Length));
            Assert.InRange(ts, before - 1_000_000_000, after + 1_000_000_000);
        }
        // The kernel's counters: every frame it accepted (both copies on lo) was read, none dropped or left over.
        Assert.Equal(0, source.KernelDropped);
        Assert.Equal(2 * Sent, source.Received);
        Assert.Equal(0, source.Unread);
    }

    [SkippableFact]
    public void Snaplen_cuts_frames_and_keeps_the_original_length()
    {
        RequireLinuxRoot();
        Requirements.RequireLibpcap();
        using var rx = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)rx.Client.LocalEndPoint!).Port;
        using var source = TpacketV3Source.Open(new CaptureSettings { Interface = "lo", Bpf = $"udp and dst port {port}", Snaplen = 64 });
        source.Start();
        using var tx = new UdpClient();
        var payload = new byte[1000];
        tx.Send(payload, payload.Length, new IPEndPoint(IPAddress.Loopback, port));
        var c = new Collector { Got = [] };
        for (int attempt = 0; attempt < 50 && c.Got.Count < 1; attempt++)
        {
            source.WaitForData(100);
            source.Read(ref c, int.MaxValue);
        }
        var (data, orig, _) = Assert.Single(c.Got);
        Assert.Equal(64, data.Length);
        Assert.Equal(14 + 20 + 8 + 1000, orig);
    }

    /// <summary>Counts frames and touches their bytes; allocates nothing itself.</summary>
    private struct Counter : IPacketHandler
    {
        public long Frames, Sum;
        public void OnPacket(ReadOnlySpan<byte> data, int originalLength, long timestampNs) { Frames++; Sum += data[^1]; }
        public void OnFrames(ICaptureReader frames)
        {
            while (frames.TryRead(out var r)) { Frames++; Sum += r.Data[^1] + r.OriginalLength; }
        }
    }

    [SkippableFact]
    public void Reading_the_ring_allocates_nothing_per_frame()
    {
        RequireLinuxRoot();
        Requirements.RequireLibpcap();
        using var rx = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)rx.Client.LocalEndPoint!).Port;
        using var source = TpacketV3Source.Open(new CaptureSettings { Interface = "lo", Bpf = $"udp and dst port {port}" });
        source.Start();
        using var tx = new UdpClient();
        var payload = new byte[32];
        var dest = new IPEndPoint(IPAddress.Loopback, port);
        var c = new Counter();
        // Warm up (first calls may allocate once), then count what reading thousands of frames allocates.
        tx.Send(payload, payload.Length, dest);
        for (int attempt = 0; attempt < 50 && c.Frames < 1; attempt++) { source.WaitForData(100); source.Read(ref c, int.MaxValue); }
        Assert.Equal(1, c.Frames);
        const int N = 5000;
        for (int i = 0; i < N; i++) tx.Send(payload, payload.Length, dest);
        c.Frames = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int attempt = 0; attempt < 100 && c.Frames < N; attempt++) { source.WaitForData(100); source.Read(ref c, int.MaxValue); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(N, c.Frames);
        // The once-a-second counter sample reads two sysfs files (a few hundred bytes); a frame allocates nothing.
        Assert.True(allocated < N, $"{allocated} bytes allocated while reading {N} frames");
    }

    [SkippableFact]
    public void A_bad_filter_is_refused_with_libpcaps_message()
    {
        RequireLinuxRoot();
        Requirements.RequireLibpcap();
        var ex = Assert.Throws<MonitorStartException>(() =>
            TpacketV3Source.Open(new CaptureSettings { Interface = "lo", Bpf = "tcp and (" }));
        Assert.Equal(MonitorStartError.BadFilter, ex.Kind);
        Assert.Equal("bad filter expression 'tcp and (': can't parse filter expression: syntax error", ex.Message);
    }

    [SkippableFact]
    public void An_unknown_interface_is_refused_with_the_list_of_interfaces()
    {
        if (!OperatingSystem.IsLinux()) Requirements.Skip("the TPACKET_V3 path is Linux only");
        Assert.False(TpacketV3Source.Supports("segv-nosuch0"));
        var ex = Assert.Throws<MonitorStartException>(() =>
            TpacketV3Source.Open(new CaptureSettings { Interface = "segv-nosuch0", Language = "en" }));
        Assert.Equal(MonitorStartError.NoSuchInterface, ex.Kind);
        Assert.StartsWith("no such interface 'segv-nosuch0'. Available interfaces: ", ex.Message);
        Assert.Contains("lo", ex.Message);
    }
}
