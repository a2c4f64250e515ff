using AxWorkbench.Web.Api;
using AxWorkbench.Web.Audit;
using AxWorkbench.Web.Cluster;
using AxWorkbench.Web.Conversations;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.DemoData;
using AxWorkbench.Web.Documents;
using AxWorkbench.Web.Health;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Inference;
using AxWorkbench.Web.Lightweighting;
using AxWorkbench.Web.Retrieval;
using AxWorkbench.Web.Review;
using AxWorkbench.Web.Security;
using AxWorkbench.Web.Shell;

// No command word (or `serve`) starts the web app; a command word runs an operator command; any other word exits 2.
if (!OperatorCli.IsServe(args, out var webArgs))
{
    return await OperatorCli.RunAsync(args);
}

try
{
    var builder = WebApplication.CreateBuilder(webArgs);
    builder.AddShellWeb();
    builder.AddAuditWeb();
    builder.AddIdentityWeb();
    builder.AddSecurityWeb();
    builder.AddHealthWeb();
    builder.AddInferenceWeb();
    builder.AddLightweightingWeb();
    builder.AddDocumentsWeb();
    builder.AddConversationsWeb();
    builder.AddRetrievalWeb();
    builder.AddReviewWeb();
    builder.AddDemoDataWeb();
    builder.AddApiWeb();
    builder.AddClusterWeb();

    var app = builder.Build();
    await app.InitializeWorkbenchAsync();
    app.UseSecurityWeb();
    app.UseShellWeb();
    app.MapShellWeb();
    app.MapIdentityWeb();
    app.MapSecurityWeb();
    app.MapHealthWeb();
    app.MapConversationsWeb();
    app.MapReviewWeb();
    app.MapApiWeb();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (StartupErrors.SettingsMessages(ex) is { Count: > 0 } messages)
{
    return await StartupErrors.ReportAsync(messages);
}

public partial class Program;
