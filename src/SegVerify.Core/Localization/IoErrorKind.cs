namespace SegVerify.Core.Localization;

/// <summary>Classes of operating-system I/O errors that <see cref="Messages.IoError"/> names.</summary>
public enum IoErrorKind
{
    Other,
    NotFound,
    IsDirectory,
    NotDirectory,
    PermissionDenied,
    ReadOnly,
    DiskFull,
    QuotaExceeded,
    TooLarge,
    NameTooLong,
    TooManyLinks,
    TooManyOpenFiles,
    InUse,
    Exists,
    DeviceError,
    InvalidPath,
}
