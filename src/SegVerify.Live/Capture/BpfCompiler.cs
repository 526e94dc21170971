using System.Runtime.InteropServices;
using SegVerify.Core.Capture.Filter;

namespace SegVerify.Live.Capture;

/// <summary>
/// Compiles a tcpdump-style filter with libpcap for a live capture of the socket's link type
/// (<see cref="LibpcapFilterCompiler.CompileForLive"/>) and attaches the program to a socket with SO_ATTACH_FILTER:
/// the kernel then drops what does not match before it reaches the ring. libpcap is needed only when there is a
/// filter.
/// </summary>
internal static unsafe class BpfCompiler
{
    private const uint NetmaskUnknown = 0xffffffff;

    /// <summary>Compiles <paramref name="filter"/> and attaches it to <paramref name="fd"/>; throws <see cref="MonitorStartException"/>.</summary>
    public static void Attach(int fd, string filter, int linkType, int snaplen, string lang)
    {
        BpfProgram prog;
        try
        {
            prog = LibpcapFilterCompiler.CompileForLive(filter, linkType, snaplen, NetmaskUnknown);
        }
        catch (LibpcapMissingException)
        {
            throw LiveErrors.LibpcapMissing(lang, new DllNotFoundException("libpcap.so.1"));
        }
        catch (CaptureFilterException ex)
        {
            // The same wording as a live libpcap handle's, which tests and users see with --capture libpcap.
            throw LiveErrors.BadFilter(lang, filter, ex.Detail);
        }
        fixed (BpfInstruction* code = prog.Instructions)
        {
            var fprog = new LinuxPacketSocket.SockFprog { Len = (ushort)prog.Instructions.Length, Filter = (IntPtr)code };
            if (LinuxPacketSocket.SetSockOpt(fd, LinuxPacketSocket.SolSocket, LinuxPacketSocket.SoAttachFilter, &fprog, (uint)sizeof(LinuxPacketSocket.SockFprog)) != 0)
                throw LiveErrors.BadFilter(lang, filter, "SO_ATTACH_FILTER: " + LinuxPacketSocket.Describe(Marshal.GetLastPInvokeError()));
        }
    }
}
