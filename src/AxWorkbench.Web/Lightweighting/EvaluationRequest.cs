namespace AxWorkbench.Web.Lightweighting;

/// <summary>What the evaluate form asks for: the variant to measure, a text file on the server (or null for the upload) and how many windows.</summary>
public sealed record EvaluationRequest(string Variant, string? TextPath, int Windows);
