using System.Runtime.InteropServices;

namespace SegVerify.Live.Capture;

/// <summary>
/// Direct calls into libpcap for the capture loop: pcap_dispatch with an unmanaged callback (a whole buffer of packets
/// per call, nothing allocated per packet) and poll(2) on the handle's selectable descriptor. Reading one packet at a
/// time with pcap_next_ex lost packets under load in tests (libpcap counted them as received, not dropped); batches
/// as tcpdump reads them did not. Unix only; null where unavailable.
/// </summary>
internal static unsafe class NativePcap
{
    private static readonly string[] Candidates = ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.dylib"];
    public const short PollIn = 0x1;

    public static readonly delegate* unmanaged<IntPtr, int, delegate* unmanaged<IntPtr, IntPtr, IntPtr, void>, IntPtr, int> Dispatch;
    public static readonly delegate* unmanaged<IntPtr, int> SelectableFd;
    public static readonly bool Available;

    static NativePcap()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (NativeLibrary.TryGetExport(lib, "pcap_dispatch", out var d) && NativeLibrary.TryGetExport(lib, "pcap_get_selectable_fd", out var f))
            {
                Dispatch = (delegate* unmanaged<IntPtr, int, delegate* unmanaged<IntPtr, IntPtr, IntPtr, void>, IntPtr, int>)d;
                SelectableFd = (delegate* unmanaged<IntPtr, int>)f;
                Available = true;
                return;
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static extern int Poll(PollFd* fds, ulong nfds, int timeoutMs);
}
