using System.Buffers.Binary;

namespace SegVerify.Core.Capture;

/// <summary>
/// Opens pcap and pcapng captures (recognised by their first four bytes, never by the file name) from files or from
/// non-seekable streams, and expands the command line's capture arguments.
/// </summary>
public static class CaptureOpener
{
    /// <summary>The argument that means standard input.</summary>
    public const string StdinName = "-";

    /// <summary>File name endings that mark a capture in a directory (compared case-insensitively).</summary>
    public static readonly IReadOnlyList<string> CaptureExtensions = [".pcap", ".pcapng", ".cap", ".pcap.ns", ".ntar"];

    private const int MagicLength = 4;
    private const int MinFileBuffer = 4096;

    /// <summary>What the first four bytes say the input is.</summary>
    internal enum Format { Unknown, Pcap, PcapNg }

    internal static Format Detect(ReadOnlySpan<byte> first4)
    {
        if (first4.Length < MagicLength) return Format.Unknown;
        uint le = BinaryPrimitives.ReadUInt32LittleEndian(first4);
        uint be = BinaryPrimitives.ReadUInt32BigEndian(first4);
        if (le == PcapNgReader.BlockShb) return Format.PcapNg;
        if (IsPcapMagic(le) || IsPcapMagic(be)) return Format.Pcap;
        return Format.Unknown;

        static bool IsPcapMagic(uint m) =>
            m is PcapReader.MagicMicros or PcapReader.MagicNanos or PcapReader.MagicModified;
    }

    /// <summary>
    /// Opens a capture file. Throws <see cref="FileNotFoundException"/> when it does not exist and
    /// <see cref="CaptureFormatException"/> when it is not a capture (empty, unknown magic, truncated header).
    /// </summary>
    public static ICaptureReader Open(string path) => Open(path, MappedWindow.Options.Default);

    /// <summary><see cref="Open(string)"/>, mapping a regular file as <paramref name="mapping"/> says.</summary>
    internal static ICaptureReader Open(string path, MappedWindow.Options mapping)
    {
        if (path == StdinName) return Open(Console.OpenStandardInput(), StdinName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"capture file not found: {path}", path);
        // bufferSize 0: no FileStream buffer, CaptureInput does large reads itself.
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0,
            FileOptions.SequentialScan);
        try
        {
            // A small file does not need the whole buffer (a directory of many small captures).
            int size = (int)Math.Clamp(fs.Length + 1, MinFileBuffer, CaptureInput.DefaultBufferSize);
            return Open(fs, path, ownsStream: true, size, mapping);
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a capture from a stream read forward only (standard input, a pipe); the reader owns and disposes it.
    /// </summary>
    public static ICaptureReader Open(Stream stream, string name) => Open(stream, name, ownsStream: true);

    internal static ICaptureReader Open(Stream stream, string name, bool ownsStream, int bufferSize = CaptureInput.DefaultBufferSize,
        MappedWindow.Options? mapping = null)
    {
        var input = new CaptureInput(stream, ownsStream, bufferSize, mapping);
        try
        {
            if (!input.Ensure(MagicLength))
            {
                if (input.Buffered == 0) throw new CaptureFormatException(name, 0, "the file is empty (0 bytes), not a pcap or pcapng capture");
                throw new CaptureFormatException(name, 0, $"the file is too short ({input.Buffered} bytes) to be a pcap or pcapng capture");
            }
            var magic = input.Peek(MagicLength);
            return Detect(magic) switch
            {
                Format.Pcap => new PcapReader(input, name),
                Format.PcapNg => new PcapNgReader(input, name),
                _ => throw new CaptureFormatException(name, 0,
                    $"unknown file magic 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}: not a pcap or pcapng capture"),
            };
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Expands capture arguments: <c>-</c> stays <c>-</c>; a file passes through; a directory becomes every capture
    /// directly in it (not in subdirectories), sorted by name (ordinal). A file in a directory is a capture when its
    /// name ends with one of <see cref="CaptureExtensions"/> or its first four bytes are a pcap/pcapng magic.
    /// A missing path throws <see cref="FileNotFoundException"/>.
    /// </summary>
    public static IReadOnlyList<string> Expand(IEnumerable<string> args)
    {
        var result = new List<string>();
        foreach (var a in args)
        {
            if (a == StdinName) { result.Add(a); continue; }
            if (Directory.Exists(a))
            {
                var files = Directory.GetFiles(a).Where(IsCaptureFile).ToList();
                files.Sort(StringComparer.Ordinal);
                result.AddRange(files);
                continue;
            }
            if (File.Exists(a)) { result.Add(a); continue; }
            throw new FileNotFoundException($"capture file or directory not found: {a}", a);
        }
        return result;
    }

    /// <summary>Whether a file in a directory counts as a capture (by extension, else by magic).</summary>
    public static bool IsCaptureFile(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var ext in CaptureExtensions)
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            Span<byte> b = stackalloc byte[MagicLength];
            int n = fs.ReadAtLeast(b, MagicLength, throwOnEndOfStream: false);
            return n == MagicLength && Detect(b) != Format.Unknown;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
