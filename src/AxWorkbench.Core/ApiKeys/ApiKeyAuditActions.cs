namespace AxWorkbench.Core.ApiKeys;

/// <summary>The audit actions of API keys and of calls made with them (stable: part of each record's hashed form).</summary>
public static class ApiKeyAuditActions
{
    public const string KeyCreated = "apikey.created";
    public const string KeyRevoked = "apikey.revoked";

    /// <summary>One call to <c>/v1</c>: key, model, tokens in and out, marking and outcome (success, denied, failure).</summary>
    public const string Call = "api.call";

    public static IReadOnlyList<string> All { get; } = [KeyCreated, KeyRevoked, Call];
}
