using AxWorkbench.Core.Data;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Cli;
using AxWorkbench.Web.Health;
using AxWorkbench.Web.Identity;
using AxWorkbench.Web.Shell;

if (OperatorCli.IsOperatorCommand(args))
{
    return await OperatorCli.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseStaticWebAssets();

builder.AddWorkbenchData();
builder.AddMarkings();
builder.AddWorkbenchIdentity();
builder.AddWorkbenchShell();
builder.AddWorkbenchHealth();

var app = builder.Build();

await app.InitializeWorkbenchAsync();

app.UseWorkbenchShell();
app.MapWorkbenchIdentity();
app.MapWorkbenchHealth();
app.MapWorkbenchPages();

await app.RunAsync();
return 0;

public partial class Program;
