using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Shell;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Identity;

/// <summary>The access-denied page records the refused attempt; the view it shows records nothing.</summary>
public sealed class AccessDeniedPageTests : WorkbenchTestContext
{
    private readonly RecordingAuditLog _audit = new();

    public AccessDeniedPageTests()
    {
        Services.AddSingleton<IAuditLog>(_audit);
        Services.AddSingleton<IAuditActorSource>(new FixedActorSource(new WorkbenchActor("analyst-id", "analyst", [Roles.Analyst], new UserAuthorization(ClassificationLevel.Unclassified, new HashSet<string>()), "", "10.0.0.7")));
    }

    [Fact]
    public void Page_RecordsTheRefusedPath_OnceAsDenied()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/account/access-denied?ReturnUrl=%2Fadmin%2Faudit");

        var cut = Render<AccessDenied>();

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        var recorded = Assert.Single(_audit.Events);
        Assert.Equal(AuditActions.AccessDenied, recorded.Action);
        Assert.Equal("/admin/audit", recorded.Target);
        Assert.Equal(AuditOutcomes.Denied, recorded.Outcome);
        Assert.Equal("analyst", recorded.Actor);
    }

    [Fact]
    public void Page_AuditLogUnavailable_StillDenies()
    {
        _audit.Unavailable = true;

        var cut = Render<AccessDenied>();

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        Assert.Empty(_audit.Events);
    }

    [Fact]
    public void View_RendersTheNoticeWithoutRecording()
    {
        var cut = Render<AccessDeniedView>();

        Assert.NotNull(cut.Find("[data-testid=access-denied]"));
        Assert.Empty(_audit.Events);
    }

    private sealed class RecordingAuditLog : IAuditLog
    {
        public List<AuditEvent> Events { get; } = [];

        public bool Unavailable { get; set; }

        public Task<AuditRecord> WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
        {
            if (Unavailable)
            {
                throw new AuditUnavailableException("The audit log is unavailable.");
            }
            Events.Add(auditEvent);
            return Task.FromResult(new AuditRecord
            {
                Sequence = Events.Count,
                TimestampUtc = "2026-01-01T00:00:00.0000000Z",
                Actor = auditEvent.Actor,
                Action = auditEvent.Action,
                Outcome = auditEvent.Outcome,
                Marking = "",
                Hash = "",
            });
        }
    }

    private sealed class FixedActorSource(WorkbenchActor actor) : IAuditActorSource
    {
        public ValueTask<WorkbenchActor> GetActorAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(actor);
    }
}
