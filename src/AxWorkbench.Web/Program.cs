using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Health;
using AxWorkbench.Web.Identity;
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
catch (Exception ex) when (ex is OptionsValidationException or DatabaseConfigurationException or InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" })
{
    // A wrong setting stops the app with a message that names it, not a stack trace.
    await Console.Error.WriteLineAsync($"AxWorkbench cannot start: {ex.Message}");
    return 2;
}

static async Task<int> RunWebAsync(string[] args)
{
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets();

builder.AddWorkbenchData();
builder.AddMarkings();
builder.AddWorkbenchIdentity();
builder.AddWorkbenchShell();
builder.AddWorkbenchHealth();
builder.AddRetrieval();

var app = builder.Build();

await app.InitializeWorkbenchAsync();

app.UseWorkbenchShell();
app.MapWorkbenchIdentity();
app.MapWorkbenchHealth();
app.MapWorkbenchPages();

await app.RunAsync();
return 0;
}

public partial class Program;
