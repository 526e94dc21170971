using Xunit;

namespace SegVerify.Live.Tests;

/// <summary>Skips a test, with a printed reason, when what it needs is missing here.</summary>
internal static class Requirements
{
    public static void Skip(string reason)
    {
        Console.WriteLine("SKIP: " + reason);
        Xunit.Skip.If(true, reason);
    }

    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root" || GetEuid() == 0;

    private static uint GetEuid()
    {
        try { return OperatingSystem.IsLinux() ? geteuid() : uint.MaxValue; }
        catch (Exception) { return uint.MaxValue; }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint geteuid();

    public static bool LibpcapPresent
    {
        get
        {
            foreach (var name in new[] { "libpcap.so.1", "libpcap.so.0.8", "libpcap.so" })
                if (System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out var h))
                {
                    System.Runtime.InteropServices.NativeLibrary.Free(h);
                    return true;
                }
            return false;
        }
    }

    public static string? Which(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin"]))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    public static void RequireLibpcap()
    {
        if (!LibpcapPresent) Skip("libpcap is not installed (apt-get install libpcap0.8)");
    }

    public static void RequireRootAndLibpcap()
    {
        if (!OperatingSystem.IsLinux()) Skip("live capture tests run on Linux only");
        if (!IsRoot) Skip("live capture needs root (or CAP_NET_RAW); not running as root");
        RequireLibpcap();
    }
}
