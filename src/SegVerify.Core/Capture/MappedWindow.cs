using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SegVerify.Core.Capture;

/// <summary>
/// A read-only window of a regular file mapped into memory, moved forward through the file (Linux, 64-bit). The
/// capture readers then hand out spans of the page cache itself: a read() would copy every byte of the file once more
/// into a buffer, which is about half the time of replaying a warm capture (benchmarks/RESULTS.md).
/// <para>
/// Each window is mapped with MAP_POPULATE, so its pages are entered into the page tables in one call rather than one
/// fault at a time; the previous window is unmapped first, so resident memory stays at one window. The file's length is
/// asked of the kernel at every move, so bytes appended while the file is read are read as with read(). A file cut
/// shorter while its window is mapped would fault (SIGBUS) on the bytes it lost: such a file is to be read with
/// <c>SEGVERIFY_NO_MMAP=1</c> in the environment (README, "Limits").
/// </para>
/// </summary>
internal sealed unsafe partial class MappedWindow : IDisposable
{
    /// <summary>When a file is mapped and how much of it at a time.</summary>
    /// <param name="MinFileBytes">Files smaller than this are read into a buffer: mapping them costs more than the copy it saves.</param>
    /// <param name="WindowBytes">Bytes mapped at a time (more when one record is larger): few mmap calls, and resident
    /// memory of one window. Rounded up to whole pages.</param>
    public readonly record struct Options(long MinFileBytes, int WindowBytes)
    {
        public static Options Default => new(1 << 20, 16 << 20);
    }

    /// <summary>The environment variable that turns mapping off when set to 1.</summary>
    public const string DisableVariable = "SEGVERIFY_NO_MMAP";

    private readonly SafeFileHandle _handle;
    private readonly int _fd;
    private readonly long _pageMask;
    private readonly int _windowBytes;
    private byte* _base;
    private nuint _length;

    private MappedWindow(SafeFileHandle handle, int windowBytes)
    {
        _windowBytes = windowBytes;
        _handle = handle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        _fd = (int)handle.DangerousGetHandle();
        _pageMask = Environment.SystemPageSize - 1;
    }

    /// <summary>
    /// A window over <paramref name="file"/> when it can and should be mapped: a seekable regular file of at least
    /// <see cref="Options.MinFileBytes"/> on 64-bit Linux, mapping not turned off. Null otherwise (the caller reads it).
    /// </summary>
    public static MappedWindow? TryCreate(FileStream file, Options options)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess) return null;
        if (Environment.GetEnvironmentVariable(DisableVariable) == "1") return null;
        try
        {
            if (!file.CanSeek || file.Length < options.MinFileBytes) return null;
        }
        catch (IOException) { return null; }
        return new MappedWindow(file.SafeFileHandle, Math.Max(options.WindowBytes, Environment.SystemPageSize));
    }

    /// <summary>The file's length now (the kernel's, not a cached one).</summary>
    public long FileLength()
    {
        long n = Lseek(_fd, 0, SeekEnd);
        return n < 0 ? 0 : n;
    }

    /// <summary>
    /// Maps the window that starts at the page holding <paramref name="offset"/> and runs for
    /// <see cref="Options.WindowBytes"/>, or at least <paramref name="need"/> bytes past <paramref name="offset"/>, or to the end
    /// of the file. Returns its first byte and sets <paramref name="windowStart"/> (its file offset) and
    /// <paramref name="windowLength"/>; null when nothing is left or the mapping failed (then nothing is mapped).
    /// </summary>
    public byte* Move(long offset, int need, out long windowStart, out int windowLength)
    {
        Unmap();
        windowStart = offset & ~_pageMask;
        windowLength = 0;
        long fileLength = FileLength();
        if (offset >= fileLength) return null;
        long want = Math.Max(_windowBytes, offset - windowStart + need);
        long length = Math.Min(want, fileLength - windowStart);
        void* p = Mmap(null, (nuint)length, ProtRead, MapPrivate | MapPopulate, _fd, windowStart);
        if (p == MapFailed) return null;
        _base = (byte*)p;
        _length = (nuint)length;
        // the window is read front to back once: read-ahead may run far, and pages behind are not needed again
        _ = Madvise(p, _length, MadvSequential);
        windowLength = (int)length;
        return _base;
    }

    private void Unmap()
    {
        if (_base is null) return;
        _ = Munmap(_base, _length);
        _base = null;
        _length = 0;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unmap();
        _handle.DangerousRelease();
    }

    private const int ProtRead = 1;
    private const int MapPrivate = 2;
    private const int MapPopulate = 0x8000;
    private const int MadvSequential = 2;
    private const int SeekEnd = 2;
    private static readonly void* MapFailed = (void*)-1;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "lseek")]
    private static partial long Lseek(int fd, long offset, int whence);
}
