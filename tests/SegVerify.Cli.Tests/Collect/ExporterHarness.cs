using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace SegVerify.Cli.Tests.Collect;

/// <summary>
/// Runs Debian's softflowd on a capture (-r) exporting to a loopback relay that keeps every export datagram and
/// forwards it to the given UDP ports (segverify collect, nfcapd). softflowd 1.1 reads the file once its control
/// socket has been spoken to, and exports every flow on "softflowctl shutdown".
/// </summary>
internal static class ExporterHarness
{
    public static string? Which(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin"]))
        {
            if (dir.Length == 0) continue;
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public static void Require(params string[] tools)
    {
        foreach (var t in tools)
            if (Which(t) is null)
            {
                string reason = $"{t} is not installed (apt-get install softflowd nfdump): skipped";
                Console.WriteLine("SKIP: " + reason);
                Skip.If(true, reason);
            }
    }

    public static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>Waits until something has bound UDP <paramref name="port"/> on loopback.</summary>
    public static void WaitBound(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < until)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try { s.Bind(new IPEndPoint(IPAddress.Loopback, port)); }
            catch (SocketException) { return; }
            s.Close();
            Thread.Sleep(50);
        }
        throw new TimeoutException($"nothing bound udp port {port}");
    }

    /// <summary>Exports <paramref name="capture"/> with softflowd and returns the export datagrams, forwarded to <paramref name="forwardTo"/> as they came.</summary>
    public static List<byte[]> Export(string capture, string[] softflowdArgs, params int[] forwardTo)
    {
        string dir = Directory.CreateTempSubdirectory("segverify-softflowd").FullName;
        try
        {
            using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            int relayPort = ((IPEndPoint)relay.LocalEndPoint!).Port;
            var datagrams = new List<byte[]>();
            using var stop = new CancellationTokenSource();
            var relayTask = Task.Run(() =>
            {
                relay.ReceiveTimeout = 200;
                var buf = new byte[65535];
                using var fwd = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                while (!stop.IsCancellationRequested)
                {
                    int n;
                    try { n = relay.Receive(buf); }
                    catch (SocketException) { continue; }
                    var d = buf.AsSpan(0, n).ToArray();
                    lock (datagrams) datagrams.Add(d);
                    foreach (var port in forwardTo) fwd.SendTo(d, new IPEndPoint(IPAddress.Loopback, port));
                }
            });

            string ctl = Path.Combine(dir, "softflowd.ctl");
            var psi = new ProcessStartInfo(Which("softflowd")!)
            {
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            foreach (var a in (string[])["-d", "-r", capture, "-n", $"127.0.0.1:{relayPort}", "-p", Path.Combine(dir, "softflowd.pid"), "-c", ctl, .. softflowdArgs])
                psi.ArgumentList.Add(a);
            using var sf = Process.Start(psi)!;
            var until = DateTime.UtcNow.AddSeconds(20);
            string last = "";
            while (DateTime.UtcNow < until)
            {
                Thread.Sleep(300);
                if (!File.Exists(ctl)) continue;
                string stats = Ctl(ctl, "statistics");
                // the file is read once the control socket has been spoken to; wait until the packet count settles
                if (stats.Contains("Packets processed: ") && !stats.Contains("Packets processed: 0\n") && stats == last) break;
                last = stats;
            }
            Ctl(ctl, "shutdown");
            if (!sf.WaitForExit(10_000)) sf.Kill();
            Thread.Sleep(800); // the last datagrams through the relay
            stop.Cancel();
            relayTask.Wait();
            lock (datagrams) return [.. datagrams];
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    /// <summary>Sends the datagrams, in order, from one loopback socket to each of <paramref name="ports"/> (as an exporter does).</summary>
    public static void Send(IReadOnlyList<byte[]> datagrams, params int[] ports)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        foreach (var d in datagrams)
            foreach (var port in ports)
                s.SendTo(d, new IPEndPoint(IPAddress.Loopback, port));
    }

    private static string Ctl(string ctl, string command)
    {
        var psi = new ProcessStartInfo(Which("softflowctl")!, ["-c", ctl, command])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return o;
    }

    /// <summary>Writes datagrams as a pcap of Ethernet/IPv4/UDP frames from 127.0.0.1:<paramref name="srcPort"/> to 127.0.0.1:2055.</summary>
    public static void WritePcap(string path, IReadOnlyList<byte[]> datagrams, ushort srcPort = 40000, long startUnixSeconds = 1775034000)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(0xa1b2c3d4u); w.Write((ushort)2); w.Write((ushort)4); w.Write(0); w.Write(0u); w.Write(65535u); w.Write(1u);
        for (int i = 0; i < datagrams.Count; i++)
        {
            var d = datagrams[i];
            int ipLen = 20 + 8 + d.Length;
            var frame = new byte[14 + ipLen];
            frame[12] = 0x08; // IPv4
            var ip = frame.AsSpan(14);
            ip[0] = 0x45; ip[2] = (byte)(ipLen >> 8); ip[3] = (byte)ipLen; ip[8] = 64; ip[9] = 17;
            ip[12] = 127; ip[15] = 1; ip[16] = 127; ip[19] = 1;
            var udp = ip.Slice(20);
            udp[0] = (byte)(srcPort >> 8); udp[1] = (byte)srcPort; udp[2] = 2055 >> 8; udp[3] = 2055 & 0xFF;
            udp[4] = (byte)((8 + d.Length) >> 8); udp[5] = (byte)(8 + d.Length);
            d.CopyTo(udp.Slice(8));
            w.Write((uint)(startUnixSeconds + i)); w.Write(0u); w.Write((uint)frame.Length); w.Write((uint)frame.Length);
            w.Write(frame);
        }
    }
}
