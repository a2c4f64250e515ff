using System.CommandLine;
using System.Globalization;
using AxWorkbench.Core.ApiKeys;
using AxWorkbench.Core.Audit;

namespace AxWorkbench.Web.Cli;

/// <summary>`keys add|list|revoke`: API keys (service accounts for /v1). A new key's secret is printed once and stored hashed.</summary>
internal static class KeysCommands
{
    public static Command Build(CliContext context)
    {
        var output = context.Output;
        var keys = new Command("keys", "Make, list and revoke API keys for the /v1 endpoint (service accounts with a clearance ceiling).");

        var name = new Argument<string>("name") { Description = "Key name (the service account, e.g. \"report-tool\")." };
        var clearance = new Option<string>("--clearance") { Description = "Highest marking the key may send, as a banner line in the site's scheme, e.g. \"SECRET//NOFORN\".", Required = true };
        var unit = new Option<string>("--unit") { Description = "Organisational unit that owns the key.", Required = true };
        var expires = new Option<string?>("--expires") { Description = "Expiry date (UTC), e.g. 2027-06-30 or 2027-06-30T12:00." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most output tokens per request (default: Api:MaxTokens)." };
        var perMinute = new Option<int?>("--requests-per-minute") { Description = "Rate limit of this key (default: Api:RequestsPerMinute)." };

        var add = new Command("add", "Make a key. Prints its secret once; only its SHA-256 is stored.") { name, clearance, unit, expires, maxTokens, perMinute };
        add.SetAction((parse, ct) => RunAsync(context, ct, async (service, actor) =>
        {
            var (key, secret) = await service.CreateAsync(actor, parse.GetValue(name)!, parse.GetValue(clearance)!, parse.GetValue(unit)!,
                ParseExpiry(parse.GetValue(expires)), parse.GetValue(maxTokens), parse.GetValue(perMinute), ct);
            await output.WriteLineAsync($"Added key {key.Name}, clearance {key.Clearance}, unit {key.Unit}, expires {(key.ExpiresAt is { } e ? e.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "never")}.");
            await output.WriteLineAsync($"Key (shown once): {secret}");
        }));

        var list = new Command("list", "List keys with clearance, unit, expiry and state (never their secrets).");
        list.SetAction((parse, ct) => RunAsync(context, ct, async (service, _) =>
        {
            var now = DateTime.UtcNow;
            await output.WriteLineAsync($"{"NAME",-20} {"PREFIX",-13} {"CLEARANCE",-24} {"UNIT",-20} {"EXPIRES",-17} STATE");
            foreach (var k in await service.ListAsync(ct))
            {
                var expiry = k.ExpiresAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never";
                await output.WriteLineAsync($"{k.Name,-20} {k.KeyPrefix,-13} {k.Clearance,-24} {k.Unit,-20} {expiry,-17} {k.State(now)}");
            }
        }));

        var revoke = new Command("revoke", "Revoke a key: its next call is refused.") { name };
        revoke.SetAction((parse, ct) => RunAsync(context, ct, async (service, actor) =>
        {
            await service.RevokeAsync(actor, parse.GetValue(name)!, ct);
            await output.WriteLineAsync($"Revoked key {parse.GetValue(name)}.");
        }));

        keys.Subcommands.Add(add);
        keys.Subcommands.Add(list);
        keys.Subcommands.Add(revoke);
        return keys;
    }

    private static DateTime? ParseExpiry(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value) ? value
        : throw new ApiKeyException($"--expires '{text}' is not a date (use 2027-06-30 or 2027-06-30T12:00, UTC).");

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken, Func<ApiKeyService, Core.Actors.WorkbenchActor, Task> action)
    {
        try
        {
            using var host = await context.StartDataHostAsync(cancellationToken, builder => builder.AddApiKeys());
            await using var scope = host.Services.CreateAsyncScope();
            var actor = await scope.ServiceProvider.GetRequiredService<IAuditActorSource>().GetActorAsync(cancellationToken);
            await action(scope.ServiceProvider.GetRequiredService<ApiKeyService>(), actor);
            return 0;
        }
        catch (Exception ex) when (ex is ApiKeyException or AuditUnavailableException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}");
            return 1;
        }
    }
}
