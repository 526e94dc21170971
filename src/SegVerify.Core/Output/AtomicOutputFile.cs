using System.Runtime.InteropServices;

namespace SegVerify.Core.Output;

/// <summary>
/// An output file written under a temporary name beside the target and renamed over it only when the run completes
/// (<see cref="Complete"/>), so a cut run never leaves a half file under the real name. A target that exists and is
/// not a regular file (a device such as /dev/full, a FIFO) is written directly. Opening refuses a target that is one
/// of the run's inputs (same device and inode, so hard links and symbolic links count).
/// </summary>
public sealed class AtomicOutputFile : Stream
{
    private readonly FileStream _file;
    private readonly string _target;
    private readonly string? _temp;
    private bool _complete, _disposed;

    private AtomicOutputFile(FileStream file, string target, string? temp)
    {
        _file = file;
        _target = target;
        _temp = temp;
    }

    /// <summary>Opens the output; throws <see cref="OutputWriteException"/> naming it when it cannot be used.</summary>
    public static Stream Open(string target, IEnumerable<string> inputs, string language)
    {
        bool ja = language == "ja";
        foreach (var input in inputs)
            if (input != "-" && SameFile(target, input))
                throw new OutputWriteException(target, false, ja
                    ? $"出力 {target} は入力 {input} と同じファイルです。入力を上書きしないよう、別の出力先を指定してください"
                    : $"the output {target} is the same file as the input {input}; choose another output so the input is not overwritten");
        try
        {
            if (Directory.Exists(target))
                throw new IOException("is a directory", 21); // EISDIR: worded by Messages.IoError
            bool special = File.Exists(target) && !IsRegular(target);
            if (special)
                return new GuardedStream(new FileStream(target, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16), target, language);
            var dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
            var temp = Path.Combine(dir, $".{Path.GetFileName(target)}.segverify-{Environment.ProcessId}.tmp");
            var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            return new GuardedStream(new AtomicOutputFile(fs, target, temp), target, language);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string why = Localization.Messages.IoError(ex, language, target);
            throw new OutputWriteException(target, false, ja ? $"出力 {target} に書き込めません: {why}" : $"cannot write the output {target}: {why}", ex);
        }
    }

    /// <summary>Marks the output complete: disposing then renames it over the target (else the temporary file is removed).</summary>
    public static void Complete(Stream s)
    {
        if (s is GuardedStream g) s = g.Inner;
        if (s is AtomicOutputFile a) a._complete = true;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _file.Length;
    public override long Position { get => _file.Position; set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => _file.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => _file.Write(buffer);
    public override void Flush() => _file.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                if (_complete) _file.Flush(flushToDisk: true);
            }
            finally
            {
                _file.Dispose();
                if (_temp is not null)
                {
                    if (_complete) File.Move(_temp, _target, overwrite: true);
                    else try { File.Delete(_temp); } catch (IOException) { }
                }
            }
        }
        base.Dispose(disposing);
    }

    private static bool IsRegular(string path) => Stat(path, out _, out _, out uint mode) && (mode & 0xF000) == 0x8000;

    /// <summary>True when both paths name the same file (device and inode), following symbolic links.</summary>
    public static bool SameFile(string a, string b) =>
        Stat(a, out ulong devA, out ulong inoA, out _) && Stat(b, out ulong devB, out ulong inoB, out _) && devA == devB && inoA == inoB;

    // statx(2): its struct has one layout on every Linux architecture, unlike struct stat.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int StatX(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    private const int AtFdCwd = -100;
    private const uint StatxBasic = 0x7ff;

    private static unsafe bool Stat(string path, out ulong dev, out ulong ino, out uint mode)
    {
        dev = ino = 0;
        mode = 0;
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var p = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            byte* buf = stackalloc byte[256];
            int rc;
            fixed (byte* pp = p) rc = StatX(AtFdCwd, pp, 0, StatxBasic, buf);
            if (rc != 0) return false;
            mode = *(ushort*)(buf + 28);
            ino = *(ulong*)(buf + 32);
            dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
