using System.CommandLine;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Lightweighting;

namespace AxWorkbench.Web.Cli;

/// <summary>`model inspect &lt;path&gt;` and `model write-fixture &lt;path&gt; [--size small|medium|large] [--seed N]`.</summary>
internal static class ModelCommandsCli
{
    public static Command Build(CliContext context)
    {
        var model = new Command("model", "Inspect GGUF model files and write the fixture model.");

        var path = new Argument<string>("path") { Description = "Path of a GGUF file." };
        var inspect = new Command("inspect", "Print a GGUF's metadata and whether this build can load it (non-zero exit with the reason when not).") { path };
        inspect.SetAction(parse => ModelCommands.Inspect(parse.GetValue(path)!, context.Output));

        var size = new Option<string>("--size") { Description = "small (~0.3M parameters), medium (~4M) or large (~1.1B, 2.3 GB in F16: bandwidth-bound speed tests, a GPU run).", DefaultValueFactory = _ => "small" };
        size.AcceptOnlyFromAmong("small", "medium", "large");
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights (same seed, same file).", DefaultValueFactory = _ => 42 };
        var writeFixture = new Command("write-fixture", "Write the tiny random-weights fixture model (for tests and the no-model demo).") { path, size, seed };
        writeFixture.SetAction(parse => ModelCommands.WriteFixture(parse.GetValue(path)!, parse.GetValue(size)!, parse.GetValue(seed), context.Output));

        model.Subcommands.Add(inspect);
        model.Subcommands.Add(writeFixture);
        model.Subcommands.Add(BuildQuantize(context));
        model.Subcommands.Add(BuildEvaluate(context));
        return model;
    }

    // Lightweighting lab: `model quantize <src> <dst> --type T` and `model evaluate <base> <variant> --text FILE [--windows N]`.
    private static Command BuildQuantize(CliContext context)
    {
        var source = new Argument<string>("src") { Description = "GGUF to quantize (F16, BF16 or F32 weights)." };
        var destination = new Argument<string?>("dst") { Description = "Output GGUF (default: next to the source, named for the type).", Arity = ArgumentArity.ZeroOrOne };
        var type = new Option<string>("--type") { Description = "Q8_0, Q6_K, Q5_K_M, Q4_K_M or Q4_0.", Required = true };
        var json = new Option<string?>("--json") { Description = "Where to write the figures as JSON (default: <dst>.quantize.json)." };
        var command = new Command("quantize", "Quantize a GGUF (refused up front, with the reason, when the tensor shapes do not allow the type).") { source, destination, type, json };
        command.SetAction((parse, ct) => LightweightingCommands.QuantizeAsync(parse.GetValue(source)!, parse.GetValue(destination), parse.GetValue(type)!, parse.GetValue(json), context.Output, ct));
        return command;
    }

    private static Command BuildEvaluate(CliContext context)
    {
        var baseModel = new Argument<string>("base") { Description = "The source GGUF." };
        var variant = new Argument<string>("variant") { Description = "The quantized GGUF to measure against it." };
        var text = new Option<string>("--text") { Description = "UTF-8 text file to evaluate on (Korean works).", Required = true };
        var windows = new Option<int>("--windows") { Description = "Most token windows to score.", DefaultValueFactory = _ => 8 };
        var windowTokens = new Option<int>("--window-tokens") { Description = "Tokens per window (the second half is scored).", DefaultValueFactory = _ => 256 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0 = all cores; fix it to reproduce figures exactly).", DefaultValueFactory = _ => 0 };
        var json = new Option<string?>("--json") { Description = "Where to write the figures as JSON (default: <variant>.evaluation.json)." };
        var command = new Command("evaluate", "Perplexity, KL divergence and top-1 agreement of a variant against its source, plus decode speed and memory of each.") { baseModel, variant, text, windows, windowTokens, threads, json };
        command.SetAction((parse, ct) => LightweightingCommands.EvaluateAsync(parse.GetValue(baseModel)!, parse.GetValue(variant)!, parse.GetValue(text)!, parse.GetValue(windows), parse.GetValue(windowTokens), parse.GetValue(threads), parse.GetValue(json), context.Output, ct));
        return command;
    }
}
