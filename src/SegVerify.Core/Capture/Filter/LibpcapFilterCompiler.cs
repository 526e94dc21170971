using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture.Filter;

/// <summary>A filter expression libpcap refused, with libpcap's own message (as tcpdump prints it).</summary>
public sealed class CaptureFilterException(string expression, string detail) : Exception(detail)
{
    public string Expression { get; } = expression;
    /// <summary>libpcap's message, e.g. "can't parse filter expression: syntax error".</summary>
    public string Detail { get; } = detail;
}

/// <summary>libpcap (libpcap.so.1) is not installed: filters cannot be compiled.</summary>
public sealed class LibpcapMissingException() : Exception("libpcap (libpcap.so.1) not found");

/// <summary>
/// Compiles a tcpdump-style filter expression to classic BPF with libpcap's own compiler, so that the language, its
/// semantics and its error messages are tcpdump's. libpcap is looked up at run time (unmanaged function pointers:
/// Native AOT compatible; only filters need it).
/// </summary>
public static unsafe partial class LibpcapFilterCompiler
{
    private static readonly string[] Candidates = ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.dylib"];
    private const int ErrbufSize = 256; // PCAP_ERRBUF_SIZE

    private static readonly delegate* unmanaged<int, int, IntPtr> OpenDead;
    private static readonly delegate* unmanaged<IntPtr, byte*, IntPtr> FOpenOffline;
    private static readonly delegate* unmanaged<IntPtr, NativeProgram*, byte*, int, uint, int> Compile;
    private static readonly delegate* unmanaged<NativeProgram*, void> FreeCode;
    private static readonly delegate* unmanaged<IntPtr, IntPtr> GetErr;
    private static readonly delegate* unmanaged<IntPtr, void> Close;
    private static readonly Lock Gate = new();

    /// <summary>Whether libpcap was found.</summary>
    public static bool Available { get; }

    [StructLayout(LayoutKind.Sequential)]
    private struct NativeProgram
    {
        public uint Length;
        public BpfInstruction* Instructions;
    }

    static LibpcapFilterCompiler()
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (NativeLibrary.TryGetExport(lib, "pcap_open_dead", out var od)
                && NativeLibrary.TryGetExport(lib, "pcap_fopen_offline", out var fo)
                && NativeLibrary.TryGetExport(lib, "pcap_compile", out var c)
                && NativeLibrary.TryGetExport(lib, "pcap_freecode", out var f)
                && NativeLibrary.TryGetExport(lib, "pcap_geterr", out var g)
                && NativeLibrary.TryGetExport(lib, "pcap_close", out var cl))
            {
                OpenDead = (delegate* unmanaged<int, int, IntPtr>)od;
                FOpenOffline = (delegate* unmanaged<IntPtr, byte*, IntPtr>)fo;
                Compile = (delegate* unmanaged<IntPtr, NativeProgram*, byte*, int, uint, int>)c;
                FreeCode = (delegate* unmanaged<NativeProgram*, void>)f;
                GetErr = (delegate* unmanaged<IntPtr, IntPtr>)g;
                Close = (delegate* unmanaged<IntPtr, void>)cl;
                Available = true;
                return;
            }
        }
    }

    /// <summary>
    /// Compiles <paramref name="expression"/> as tcpdump does for <c>-r FILE</c>: on a libpcap handle reading a
    /// capture file (an in-memory pcap header of <paramref name="linkType"/>, a LINKTYPE_* value as captures store
    /// it), optimised, netmask 0. A file handle is not a live one: libpcap then maps the link type as for a file and
    /// accepts every system's AF_INET6 value on loopback captures; <paramref name="swapped"/> says the capture's byte
    /// order is not this machine's (it matters for the host-order family word of DLT_NULL). Throws
    /// <see cref="CaptureFilterException"/> with libpcap's message, or <see cref="LibpcapMissingException"/>.
    /// </summary>
    public static BpfProgram CompileForFile(string expression, int linkType, bool swapped = false)
    {
        if (!Available) throw new LibpcapMissingException();
        // struct pcap_file_header: magic, version 2.4, thiszone, sigfigs, snaplen, linktype; written in the byte order
        // of the capture, so that libpcap sees it as swapped exactly when the capture is.
        var header = (byte*)NativeMemory.Alloc(24);
        var h = new Span<byte>(header, 24);
        bool bigEndian = BitConverter.IsLittleEndian == swapped;
        ReadOnlySpan<uint> words = [0xa1b2c3d4, 0x0002_0004, 0, 0, 262144, (uint)linkType];
        for (int i = 0; i < words.Length; i++)
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(h.Slice(4 * i), words[i]);
            else BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(4 * i), words[i]);
        if (!bigEndian)
        {
            // version_major and version_minor are two 16-bit fields: 2 then 4 in the file's byte order
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(4), 2);
            BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(6), 4);
        }
        try
        {
            lock (Gate) // older libpcap compilers keep global state
            {
                IntPtr file = FMemOpen(header, 24, "r"u8);
                if (file == IntPtr.Zero) throw new CaptureFilterException(expression, "fmemopen failed");
                byte* errbuf = stackalloc byte[ErrbufSize];
                errbuf[0] = 0;
                IntPtr p = FOpenOffline(file, errbuf);
                if (p == IntPtr.Zero)
                {
                    FClose(file);
                    // e.g. a link type libpcap does not know
                    throw new CaptureFilterException(expression, Marshal.PtrToStringUTF8((IntPtr)errbuf) ?? "?");
                }
                try
                {
                    return CompileOn(p, expression, netmask: 0);
                }
                finally
                {
                    Close(p); // closes the FILE too
                }
            }
        }
        finally
        {
            NativeMemory.Free(header);
        }
    }

    /// <summary>
    /// Compiles <paramref name="expression"/> for a live capture of <paramref name="linkType"/> (a <c>pcap_open_dead</c>
    /// handle, as a live handle: this system's AF values), optimised, with the interface's netmask when known.
    /// </summary>
    public static BpfProgram CompileForLive(string expression, int linkType, int snaplen, uint netmask)
    {
        if (!Available) throw new LibpcapMissingException();
        lock (Gate)
        {
            IntPtr p = OpenDead(linkType, snaplen > 0 ? snaplen : 262144);
            if (p == IntPtr.Zero) throw new CaptureFilterException(expression, "pcap_open_dead failed");
            try
            {
                return CompileOn(p, expression, netmask);
            }
            finally
            {
                Close(p);
            }
        }
    }

    private static BpfProgram CompileOn(IntPtr p, string expression, uint netmask)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(expression + "\0");
        var prog = new NativeProgram();
        fixed (byte* t = text)
        {
            if (Compile(p, &prog, t, 1, netmask) != 0)
                throw new CaptureFilterException(expression, Marshal.PtrToStringUTF8(GetErr(p)) ?? "?");
        }
        try
        {
            return new BpfProgram(new ReadOnlySpan<BpfInstruction>(prog.Instructions, (int)prog.Length).ToArray());
        }
        finally
        {
            FreeCode(&prog);
        }
    }

    private static IntPtr FMemOpen(byte* buffer, nuint size, ReadOnlySpan<byte> mode)
    {
        Span<byte> m = stackalloc byte[mode.Length + 1];
        mode.CopyTo(m);
        m[^1] = 0;
        fixed (byte* pm = m) return FMemOpenNative(buffer, size, pm);
    }

    [LibraryImport("libc", EntryPoint = "fmemopen", SetLastError = true)]
    private static partial IntPtr FMemOpenNative(byte* buffer, nuint size, byte* mode);

    [LibraryImport("libc", EntryPoint = "fclose")]
    private static partial int FClose(IntPtr file);
}
