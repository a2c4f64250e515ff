using System.CommandLine;
using AxWorkbench.Core.Inference;

namespace AxWorkbench.Web.Cli;

/// <summary>`model inspect &lt;path&gt;` and `model write-fixture &lt;path&gt; [--size small|medium] [--seed N]`.</summary>
internal static class ModelCommandsCli
{
    public static Command Build(CliContext context)
    {
        var model = new Command("model", "Inspect GGUF model files and write the fixture model.");

        var path = new Argument<string>("path") { Description = "Path of a GGUF file." };
        var inspect = new Command("inspect", "Print a GGUF's metadata and whether this build can load it (non-zero exit with the reason when not).") { path };
        inspect.SetAction(parse => ModelCommands.Inspect(parse.GetValue(path)!, context.Output));

        var size = new Option<string>("--size") { Description = "small (~0.3M parameters) or medium (~4M).", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong("small", "medium");
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights (same seed, same file).", DefaultValueFactory = _ => 42 };
        var writeFixture = new Command("write-fixture", "Write the tiny random-weights fixture model (for tests and the no-model demo).") { path, size, seed };
        writeFixture.SetAction(parse => ModelCommands.WriteFixture(parse.GetValue(path)!, parse.GetValue(size)!, parse.GetValue(seed), context.Output));

        model.Subcommands.Add(inspect);
        model.Subcommands.Add(writeFixture);
        return model;
    }
}
