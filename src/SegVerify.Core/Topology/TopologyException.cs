namespace SegVerify.Core.Topology;

/// <summary>One problem in a topology file, with its position and what was expected.</summary>
public sealed record TopologyError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>The topology could not be loaded (exit status 2). Carries every error found, in file order.</summary>
public sealed class TopologyException(IReadOnlyList<TopologyError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<TopologyError> Errors { get; } = errors;
}
