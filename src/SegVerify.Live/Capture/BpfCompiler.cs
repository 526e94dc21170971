using System.Runtime.InteropServices;

namespace SegVerify.Live.Capture;

/// <summary>
/// Compiles a tcpdump-style filter with libpcap's <c>pcap_compile</c> (on a <c>pcap_open_dead</c> handle of the link
/// type and snaplen) and attaches the program to a socket with SO_ATTACH_FILTER: the kernel then drops what does not
/// match before it reaches the ring. libpcap is needed only when there is a filter.
/// </summary>
internal static unsafe class BpfCompiler
{
    private static readonly string[] Candidates = ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.dylib"];
    private const uint NetmaskUnknown = 0xffffffff;

    private static readonly delegate* unmanaged<int, int, IntPtr> OpenDead;
    private static readonly delegate* unmanaged<IntPtr, BpfProgram*, byte*, int, uint, int> Compile;
    private static readonly delegate* unmanaged<BpfProgram*, void> FreeCode;
    private static readonly delegate* unmanaged<IntPtr, IntPtr> GetErr;
    private static readonly delegate* unmanaged<IntPtr, void> CloseHandle;
    private static readonly bool Available;

    [StructLayout(LayoutKind.Sequential)]
    private struct BpfProgram
    {
        public uint Length;
        public IntPtr Instructions;
    }

    static BpfCompiler()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (NativeLibrary.TryGetExport(lib, "pcap_open_dead", out var od)
                && NativeLibrary.TryGetExport(lib, "pcap_compile", out var c)
                && NativeLibrary.TryGetExport(lib, "pcap_freecode", out var f)
                && NativeLibrary.TryGetExport(lib, "pcap_geterr", out var g)
                && NativeLibrary.TryGetExport(lib, "pcap_close", out var cl))
            {
                OpenDead = (delegate* unmanaged<int, int, IntPtr>)od;
                Compile = (delegate* unmanaged<IntPtr, BpfProgram*, byte*, int, uint, int>)c;
                FreeCode = (delegate* unmanaged<BpfProgram*, void>)f;
                GetErr = (delegate* unmanaged<IntPtr, IntPtr>)g;
                CloseHandle = (delegate* unmanaged<IntPtr, void>)cl;
                Available = true;
                return;
            }
        }
    }

    /// <summary>Compiles <paramref name="filter"/> and attaches it to <paramref name="fd"/>; throws <see cref="MonitorStartException"/>.</summary>
    public static void Attach(int fd, string filter, int linkType, int snaplen, string lang)
    {
        if (!Available) throw LiveErrors.LibpcapMissing(lang, new DllNotFoundException("libpcap.so.1"));
        IntPtr p = OpenDead(linkType, snaplen);
        if (p == IntPtr.Zero) throw LiveErrors.BadFilter(lang, filter, "pcap_open_dead failed");
        try
        {
            var prog = new BpfProgram();
            var text = System.Text.Encoding.UTF8.GetBytes(filter + "\0");
            fixed (byte* t = text)
            {
                if (Compile(p, &prog, t, 1, NetmaskUnknown) != 0)
                {
                    // The same wording as a live libpcap handle's, which tests and users see with --capture libpcap.
                    string detail = Marshal.PtrToStringUTF8(GetErr(p)) ?? "?";
                    throw LiveErrors.BadFilter(lang, filter, detail);
                }
            }
            try
            {
                var fprog = new LinuxPacketSocket.SockFprog { Len = (ushort)prog.Length, Filter = prog.Instructions };
                if (LinuxPacketSocket.SetSockOpt(fd, LinuxPacketSocket.SolSocket, LinuxPacketSocket.SoAttachFilter, &fprog, (uint)sizeof(LinuxPacketSocket.SockFprog)) != 0)
                    throw LiveErrors.BadFilter(lang, filter, "SO_ATTACH_FILTER: " + LinuxPacketSocket.Describe(Marshal.GetLastPInvokeError()));
            }
            finally
            {
                FreeCode(&prog);
            }
        }
        finally
        {
            CloseHandle(p);
        }
    }
}
