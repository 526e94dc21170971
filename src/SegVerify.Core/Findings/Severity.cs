namespace SegVerify.Core.Findings;

/// <summary>How serious a finding is: a violation sets exit status 1, a warning does not.</summary>
public enum Severity : byte { Warning, Violation }
