using System.Runtime.InteropServices;

namespace SegVerify.Cli.Commands;

/// <summary>SIGINT/SIGTERM handlers that end a run cleanly (cancel, then finish writing) instead of killing the process.</summary>
public static class InterruptSignals
{
    public static PosixSignalRegistration? Register(PosixSignal signal, CancellationTokenSource cts, Action onSignal)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true; // keep the process: the run stops reading, judges open flows and writes the summary
                onSignal();
                cts.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
