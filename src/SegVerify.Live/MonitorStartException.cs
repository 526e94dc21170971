namespace SegVerify.Live;

/// <summary>A reason monitor cannot start (no such interface, no permission, no libpcap, bad filter): exit status 2.</summary>
public sealed class MonitorStartException(string message, MonitorStartError kind) : Exception(message)
{
    public MonitorStartError Kind { get; } = kind;
}

public enum MonitorStartError
{
    NoSuchInterface,
    PermissionDenied,
    LibpcapMissing,
    BadFilter,
    BadArgument,
    OpenFailed,
}
