namespace AxWorkbench.Core.Markings;

/// <summary>Text that is not a valid marking in a scheme. Unparseable text is never treated as unclassified.</summary>
public sealed class MarkingFormatException : FormatException
{
    public MarkingFormatException(string text, string reason)
        : base($"'{text}' is not a valid marking: {reason}.")
    {
        Text = text;
        Reason = reason;
    }

    public MarkingFormatException(string text, string reason, Exception innerException)
        : base($"'{text}' is not a valid marking: {reason}.", innerException)
    {
        Text = text;
        Reason = reason;
    }

    /// <summary>The offending text, as given.</summary>
    public string Text { get; }

    /// <summary>Why it was rejected, e.g. "unknown control marking 'FOO'".</summary>
    public string Reason { get; }
}
