using System.Globalization;

namespace AxWorkbench.Core.Inference;

/// <summary>Operator commands behind `model inspect &lt;path&gt;` and `model write-fixture &lt;path&gt; [--size] [--seed]`.</summary>
public static class ModelCommands
{
    public const int Ok = 0;
    public const int Unusable = 2;
    public const int BadArguments = 64;

    /// <summary>Prints the GGUF's metadata and the validation verdict. Returns 0 when usable, 2 with the reason when not.</summary>
    public static int Inspect(string path, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var result = GgufValidator.Validate(path);
        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(FormattableString.Invariant($"file:          {path}"));
        output.WriteLine(FormattableString.Invariant($"size:          {result.FileSize:N0} bytes"));
        if (result.Header is { } h)
        {
            var arch = h.GetString("general.architecture") ?? "?";
            output.WriteLine(FormattableString.Invariant($"gguf version:  {h.Version}"));
            output.WriteLine(FormattableString.Invariant($"name:          {h.GetString("general.name") ?? "-"}"));
            output.WriteLine(FormattableString.Invariant($"architecture:  {arch}"));
            output.WriteLine(FormattableString.Invariant($"file type:     {FileTypeName(h.GetInteger("general.file_type"))}"));
            output.WriteLine(FormattableString.Invariant($"parameters:    {h.Tensors.Aggregate(0UL, (a, t) => a + t.ElementCount):N0}"));
            output.WriteLine(FormattableString.Invariant($"context:       {h.GetInteger(arch + ".context_length")?.ToString(ci) ?? "-"}"));
            output.WriteLine(FormattableString.Invariant($"embedding:     {h.GetInteger(arch + ".embedding_length")?.ToString(ci) ?? "-"}"));
            output.WriteLine(FormattableString.Invariant($"layers:        {h.GetInteger(arch + ".block_count")?.ToString(ci) ?? "-"}"));
            output.WriteLine(FormattableString.Invariant($"heads:         {h.GetInteger(arch + ".attention.head_count")?.ToString(ci) ?? "-"} (kv {h.GetInteger(arch + ".attention.head_count_kv")?.ToString(ci) ?? "-"})"));
            output.WriteLine(FormattableString.Invariant($"tokenizer:     {h.GetString("tokenizer.ggml.model") ?? "-"}, {h.ArrayLength("tokenizer.ggml.tokens")} tokens"));
            var template = h.GetString("tokenizer.chat_template");
            output.WriteLine(FormattableString.Invariant($"chat template: {(template is null ? "none" : template.Length > 80 ? template[..80].ReplaceLineEndings(" ") + "…" : template.ReplaceLineEndings(" "))}"));
            output.WriteLine(FormattableString.Invariant($"tensors:       {h.Tensors.Count} ({string.Join(", ", h.Tensors.GroupBy(t => GgufValidator.TypeName(t.GgmlType)).Select(g => $"{g.Key} x{g.Count()}"))})"));
            output.WriteLine(FormattableString.Invariant($"fixture:       {(FixtureModelWriter.IsFixture(h) ? "yes (random weights: output is noise)" : "no")}"));
        }

        output.WriteLine(result.IsValid ? $"verdict:       usable ({result.Message})" : $"verdict:       UNUSABLE {result}");
        return result.IsValid ? Ok : Unusable;
    }

    /// <summary>Writes the fixture model (size "small" or "medium") and prints its summary.</summary>
    public static int WriteFixture(string path, string size, int seed, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        try
        {
            FixtureModelWriter.Write(path, size, seed);
        }
        catch (ArgumentException ex)
        {
            output.WriteLine(ex.Message);
            return BadArguments;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            output.WriteLine($"Could not write '{path}': {ex.Message}");
            return Unusable;
        }

        output.WriteLine(FormattableString.Invariant($"wrote fixture model ({size}, seed {seed}) to {path}"));
        return Inspect(path, output);
    }

    internal static string FileTypeName(long? fileType) => fileType switch
    {
        null => "-",
        0 => "ALL_F32", 1 => "MOSTLY_F16", 2 => "MOSTLY_Q4_0", 3 => "MOSTLY_Q4_1", 7 => "MOSTLY_Q8_0", 8 => "MOSTLY_Q5_0",
        9 => "MOSTLY_Q5_1", 10 => "MOSTLY_Q2_K", 11 => "MOSTLY_Q3_K_S", 12 => "MOSTLY_Q3_K_M", 13 => "MOSTLY_Q3_K_L",
        14 => "MOSTLY_Q4_K_S", 15 => "MOSTLY_Q4_K_M", 16 => "MOSTLY_Q5_K_S", 17 => "MOSTLY_Q5_K_M", 18 => "MOSTLY_Q6_K",
        32 => "MOSTLY_BF16", { } n => $"type {n}",
    };
}
