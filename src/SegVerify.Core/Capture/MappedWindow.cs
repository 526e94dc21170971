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
/// asked of the kernel at every move, so bytes appended while the file is read are read as with read().
/// </para>
/// <para>
/// A mapped file that another process cuts shorter would make the reader fault (SIGBUS) on the bytes it lost. So a file
/// is mapped only under a read lease (fcntl F_SETLEASE): the kernel grants it only when no process has the file open for
/// writing, and when one opens it for writing or truncates it, the kernel holds that process back and tells this one
/// (SIGIO, counted by <see cref="LeaseBreaks"/>). The reader then reads the rest of the file through a buffer from where
/// it is, at its next window move (within 16 MiB, well inside the kernel's 45 s), and gives the lease back.
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

    private bool _disposed;
    private readonly int _breaksAtStart;

    /// <summary>SIGIO signals received: the kernel breaking a lease (or any other SIGIO; either way, stop mapping).</summary>
    private static int s_leaseBreaks;
    private static PosixSignalRegistration? s_sigio;
    private static readonly Lock s_sigioLock = new();

    /// <summary>SIGIO signals received since the process started mapping files.</summary>
    public static int LeaseBreaks => Volatile.Read(ref s_leaseBreaks);

    /// <summary>The kernel has asked for this file's lease back (a process wants to write or truncate it): stop mapping.</summary>
    public bool LeaseBroken => LeaseBreaks != _breaksAtStart;

    /// <summary>Handles SIGIO (whose default action would end the process) before the first lease is taken.</summary>
    private static bool EnsureSigioHandler()
    {
        lock (s_sigioLock)
        {
            if (s_sigio is not null) return true;
            try
            {
                s_sigio = PosixSignalRegistration.Create((PosixSignal)SigIo, static context =>
                {
                    context.Cancel = true;
                    Interlocked.Increment(ref s_leaseBreaks);
                });
                return true;
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException or IOException or ArgumentException)
            {
                return false;
            }
        }
    }

    private MappedWindow(SafeFileHandle handle, int windowBytes, int breaksAtStart)
    {
        _windowBytes = windowBytes;
        _breaksAtStart = breaksAtStart;
        _handle = handle;
        bool added = false;
        handle.DangerousAddRef(ref added);
        _fd = (int)handle.DangerousGetHandle();
        _pageMask = Environment.SystemPageSize - 1;
    }

    /// <summary>
    /// A window over <paramref name="file"/> when it can and should be mapped: a seekable regular file of at least
    /// <see cref="Options.MinFileBytes"/> on 64-bit Linux that this process may lease (no process has it open for writing),
    /// mapping not turned off. Null otherwise (the caller reads it).
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
        if (!EnsureSigioHandler()) return null;
        int breaks = LeaseBreaks;
        // No lease (another process has the file open for writing, or this user may not lease it): read it instead.
        if (Fcntl(file.SafeFileHandle, FSetLease, FRdLck) != 0) return null;
        return new MappedWindow(file.SafeFileHandle, Math.Max(options.WindowBytes, Environment.SystemPageSize), breaks);
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

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Unmap();
        if (!_handle.IsClosed) _ = Fcntl(_handle, FSetLease, FUnLck);
        _handle.DangerousRelease();
    }

    private const int ProtRead = 1;
    private const int MapPrivate = 2;
    private const int MapPopulate = 0x8000;
    private const int MadvSequential = 2;
    private const int SeekEnd = 2;
    private const int FSetLease = 1024, FRdLck = 0, FUnLck = 2;
    private const int SigIo = 29;
    private static readonly void* MapFailed = (void*)-1;

    [LibraryImport("libc", EntryPoint = "mmap")]
    private static partial void* Mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "fcntl")]
    private static partial int Fcntl(SafeFileHandle fd, int command, int argument);

    [LibraryImport("libc", EntryPoint = "lseek")]
    private static partial long Lseek(int fd, long offset, int whence);
}
