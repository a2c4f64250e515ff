using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AxWorkbench.Core.Conversations;

public static class ConversationsServiceExtensions
{
    /// <summary>
    /// The chat workspace, plain and grounded: its tables on the shared data context, sessions, the turn path,
    /// prompt building, personas and limits, grounding (needs AddRetrieval), the singleton generation coordinator (needs an
    /// IChatClient, e.g. from AddInference; an ITokenCounter when one is registered), rendering, export, and a hosted service
    /// that marks answers left generating by a previous process as interrupted and interrupts running ones at shutdown, and a sweeper that marks answers whose node died (lease
    /// expired) interrupted.
    /// </summary>
    public static IHostApplicationBuilder AddConversations(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<ConversationOptions>()
            .Bind(builder.Configuration.GetSection(ConversationOptions.SectionName))
            .ValidateDataAnnotations();
        builder.AddWorkbenchData();
        builder.AddWorkbenchAudit();
        builder.Services.TryAddSingleton<IConversationAudit, AuditLogConversationAudit>();
        builder.Services.AddSingleton<GenerationCoordinator>();
        builder.Services.AddSingleton<ConversationService>();
        builder.Services.AddSingleton<ConversationTurns>();
        builder.Services.AddSingleton<PromptRateLimiter>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChatSettings>();
        builder.Services.AddSingleton<PromptBuilder>();
        builder.Services.AddSingleton<GroundedAnswers>();
        builder.Services.AddSingleton<ConversationExporter>();
        builder.Services.AddSingleton<ModelOutputRenderer>();
        builder.Services.AddHostedService<ConversationsLifetimeService>();
        builder.Services.AddHostedService<GenerationLeaseSweeper>();
        return builder;
    }
}

/// <summary>Start: generating → interrupted for answers of a previous process. Stop: running generations end interrupted with their text.</summary>
internal sealed partial class ConversationsLifetimeService(
    ConversationService conversations, GenerationCoordinator coordinator, ILogger<ConversationsLifetimeService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var recovered = await conversations.RecoverInterruptedAsync(cancellationToken);
        if (recovered > 0)
        {
            LogRecovered(logger, recovered);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await coordinator.StopAllAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Out of shutdown time: the rows still say generating and the next start marks them interrupted.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} answers were left generating by the previous run and are now marked interrupted (their text is kept)")]
    private static partial void LogRecovered(ILogger logger, int count);
}
