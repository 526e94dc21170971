namespace SegVerify.Core.Output;

/// <summary>
/// Writing the run's output failed. Not an <see cref="IOException"/>, so that it is never mistaken for a problem with
/// an input (a capture). <see cref="PipeClosed"/>: the reader of standard output went away (EPIPE), and the run stops
/// at once; otherwise the message names the output and the reason (exit status 2).
/// </summary>
public sealed class OutputWriteException(string target, bool pipeClosed, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Target { get; } = target;
    public bool PipeClosed { get; } = pipeClosed;
}
