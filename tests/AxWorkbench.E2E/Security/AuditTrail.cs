using AxWorkbench.Core.Audit;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.E2E.Security;

/// <summary>Reads the app's own audit log (the real table, through the app's reader).</summary>
internal static class AuditTrail
{
    public static async Task<IReadOnlyList<AuditRecord>> RecordsAsync(IServiceProvider services, string action, string? text = null)
    {
        await using var scope = services.CreateAsyncScope();
        var reader = scope.ServiceProvider.GetRequiredService<AuditReader>();
        var page = await reader.SearchAsync(new AuditFilter(Action: action, Text: text), 0, 200);
        return page.Records;
    }
}
