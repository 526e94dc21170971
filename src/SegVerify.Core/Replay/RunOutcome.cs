namespace SegVerify.Core.Replay;

/// <summary>How a session ended; the values are the command's exit statuses (spec: "Exit status").</summary>
public enum RunOutcome
{
    /// <summary>Ran to the end; no violation.</summary>
    Clean = 0,
    /// <summary>Ran to the end; at least one violation.</summary>
    Violations = 1,
    /// <summary>Bad input: something could not be read at all (the reason is on standard error).</summary>
    BadInput = 2,
}
