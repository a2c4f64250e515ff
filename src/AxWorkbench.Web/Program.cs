using AxWorkbench.Core.Data;
using AxWorkbench.Core.Lightweighting;
using AxWorkbench.Core.Documents;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Conversations;
using AxWorkbench.Web.Audit;
using AxWorkbench.Web.Retrieval;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Health;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Model;
using AxWorkbench.Web.Review;
using AxWorkbench.Web.Shell;
using Microsoft.Extensions.Options;

if (OperatorCli.IsOperatorCommand(args))
{
    return await OperatorCli.RunAsync(args);
}

try
{
    return await RunWebAsync(args);
}
catch (Exception ex) when (SettingsErrors(ex) is { Count: > 0 } messages)
{
    // A wrong setting stops the app with a message that names it, not a stack trace.
    foreach (var message in messages)
    {
        await Console.Error.WriteLineAsync($"AxWorkbench cannot start: {message}");
    }
    return 2;
}

static List<string> SettingsErrors(Exception ex) => ex switch
{
    AggregateException aggregate => aggregate.InnerExceptions.Select(SettingsErrors).Any(e => e.Count == 0)
        ? []
        : [.. aggregate.InnerExceptions.SelectMany(SettingsErrors).Distinct()],
    OptionsValidationException or DatabaseConfigurationException => [ex.Message],
    InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" } => [ex.Message],
    _ => [],
};

static async Task<int> RunWebAsync(string[] args)
{
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets();

builder.AddWorkbenchData();
builder.AddMarkings();
builder.AddWorkbenchAuditWeb();
builder.AddWorkbenchIdentity();
builder.AddWorkbenchShell();
builder.AddWorkbenchHealth();
builder.AddWorkbenchModel();
builder.AddLightweighting();
builder.AddDocuments();
builder.AddConversationsWeb();
builder.AddRetrievalWeb();
builder.AddDocumentJobs();
builder.AddReviewWeb();

var app = builder.Build();

await app.InitializeWorkbenchAsync();

app.UseWorkbenchShell();
app.MapWorkbenchIdentity();
app.MapWorkbenchHealth();
app.MapWorkbenchPages();
app.MapConversationsWeb();
app.MapReviewEndpoints();

await app.RunAsync();
return 0;
}

public partial class Program;
