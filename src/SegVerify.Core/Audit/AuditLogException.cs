namespace SegVerify.Core.Audit;

/// <summary>The audit log cannot be opened or written (exit status 2); the message names the file, in the run's language.</summary>
public sealed class AuditLogException(string message, Exception? inner = null) : Exception(message, inner);
