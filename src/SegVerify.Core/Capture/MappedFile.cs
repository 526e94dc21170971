using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace SegVerify.Core.Capture;

/// <summary>
/// A whole file mapped read-only into memory: the capture readers then hand out spans of the page cache itself, with
/// no copy into a buffer (a read() copies every byte once more, about a fifth of a replay's time). Used for regular
/// files only; standard input and pipes are read through <see cref="CaptureInput"/>'s buffer.
/// <para>
/// The mapping covers the file's length when it was opened: bytes appended later are not read (read a capture that is
/// still being written from standard input instead). Truncating a file while it is replayed is not supported.
/// </para>
/// </summary>
internal sealed unsafe partial class MappedFile : IDisposable
{
    /// <summary>Smaller files are read into a buffer: mapping them costs more than it saves.</summary>
    public const long MinMapBytes = 256 << 10;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    /// <summary>First byte of the file.</summary>
    public byte* Pointer => _pointer;
    public long Length { get; }

    private MappedFile(MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        _map = map;
        _view = view;
        Length = length;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        if (OperatingSystem.IsLinux())
        {
            // Read in order: ask for aggressive read-ahead. Advice only; a failure changes nothing.
            _ = Madvise(p, (nuint)view.SafeMemoryMappedViewHandle.ByteLength, MadvSequential);
        }
        _pointer = p + view.PointerOffset;
    }

    /// <summary>
    /// Maps <paramref name="file"/> (left open; the mapping holds its own reference) when it is a regular file of at
    /// least <see cref="MinMapBytes"/>; null when it cannot or need not be mapped.
    /// </summary>
    /// <remarks>SEGVERIFY_NO_MMAP=1 in the environment turns mapping off (every file is read through a buffer).</remarks>
    public static MappedFile? TryMap(FileStream file)
    {
        if (Environment.GetEnvironmentVariable("SEGVERIFY_NO_MMAP") == "1") return null;
        try
        {
            if (!file.CanSeek) return null;
            long length = file.Length;
            if (length < MinMapBytes) return null;
            var map = MemoryMappedFile.CreateFromFile(file, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: true);
            try
            {
                var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
                return new MappedFile(map, view, length);
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private long _released; // bytes from the start of the mapping whose pages were released

    /// <summary>
    /// Releases the pages before <paramref name="offset"/> from this process (they stay in the page cache): a mapped
    /// file read front to back would otherwise count whole in the process's resident memory. Reading them again would
    /// fault them back in; the readers never go back.
    /// </summary>
    public void Release(long offset)
    {
        if (!OperatingSystem.IsLinux()) return;
        if (_pointer is null) return;
        long end = (offset + _view.PointerOffset) & ~((long)Environment.SystemPageSize - 1);
        if (end <= _released) return;
        _ = Madvise(_pointer - _view.PointerOffset + _released, (nuint)(end - _released), MadvDontNeed);
        _released = end;
    }

    private const int MadvDontNeed = 4;

    /// <summary>The bytes at <paramref name="offset"/> (valid until <see cref="Dispose"/>).</summary>
    public ReadOnlySpan<byte> Slice(long offset, int length) => new(_pointer + offset, length);

    public void Dispose()
    {
        if (_pointer is null) return;
        _pointer = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    private const int MadvSequential = 2;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = false)]
    private static partial int Madvise(void* address, nuint length, int advice);
}
