using System.Text.Json;
using AxWorkbench.Core.ApiKeys;
using AxWorkbench.Core.Audit;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Api;

public static class ApiWebExtensions
{
    /// <summary>The <c>/v1</c> endpoint's options, API keys (Core) and the gate every call passes.</summary>
    public static WebApplicationBuilder AddApiWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptionsWithValidateOnStart<ApiOptions>()
            .Bind(builder.Configuration.GetSection(ApiOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.DefaultMaxTokens <= o.MaxTokens, "Api:DefaultMaxTokens must not exceed Api:MaxTokens.");
        builder.AddApiKeys();
        builder.Services.AddSingleton<ApiGate>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        return builder;
    }

    /// <summary>
    /// <c>GET /v1/models</c>, <c>POST /v1/chat/completions</c> and <c>POST /v1/embeddings</c> (when an embedder is
    /// configured) for callers with an API key; with <c>Api:Enabled</c> off every <c>/v1</c> path answers 404 saying so.
    /// </summary>
    public static WebApplication MapApiWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var v1 = app.MapGroup("/v1").AllowAnonymous().DisableAntiforgery();
        if (!app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.Enabled)
        {
            v1.Map("/{**rest}", (HttpContext http) => new ApiError(StatusCodes.Status404NotFound, "invalid_request_error", "api_disabled",
                "The API is not enabled on this workbench (Api:Enabled is false).").WriteAsync(http.Response));
            return app;
        }

        v1.MapGet("/models", ModelsAsync);
        v1.MapPost("/chat/completions", (HttpContext http, ChatCompletionsEndpoint endpoint) => endpoint.HandleAsync(http));
        v1.MapPost("/embeddings", EmbeddingsAsync);
        return app;
    }

    private static async Task ModelsAsync(HttpContext http, ApiGate gate, ChatCompletionsEndpoint chat)
    {
        ApiCall? call = null;
        try
        {
            call = await gate.AdmitAsync(http);
            var body = new
            {
                @object = "list",
                data = new[] { new { id = chat.ModelId, @object = "model", created = 0, owned_by = "axworkbench" } },
            };
            await gate.AuditCallAsync(http, call, AuditOutcomes.Success, chat.ModelId, null, null, 200);
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(JsonSerializer.Serialize(body, ChatCompletionsEndpoint.Json), http.RequestAborted);
        }
        catch (Exception ex) when (ApiErrors.From(ex, http) is { } error)
        {
            await ApiErrors.FailAsync(http, gate, call, error, chat.ModelId);
        }
    }

    private static async Task EmbeddingsAsync(HttpContext http, ApiGate gate, IOptions<ApiOptions> options, IServiceProvider services)
    {
        ApiCall? call = null;
        var embedder = services.GetService<IEmbeddingGenerator<string, Embedding<float>>>();
        var model = embedder?.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId ?? embedder?.GetType().Name ?? "none";
        try
        {
            call = await gate.AdmitAsync(http);
            if (embedder is null || embedder.GetType().Name == "NoEmbeddingGenerator")
            {
                throw new ApiError(StatusCodes.Status404NotFound, "invalid_request_error", "embeddings_unavailable",
                    "No embedder is configured on this workbench (Retrieval:Embedder is 'None').");
            }

            var body = await ApiBody.ReadAsync(http, options.Value.MaxRequestBytes);
            var inputs = ReadInputs(body, options.Value.MaxEmbeddingInputs);
            var embeddings = await embedder.GenerateAsync(inputs, cancellationToken: http.RequestAborted);
            var counter = services.GetRequiredService<Core.Inference.ITokenCounter>();
            var tokens = inputs.Sum(i => (long)counter.CountTokens(i));
            var response = new
            {
                @object = "list",
                data = embeddings.Select((e, i) => new { @object = "embedding", index = i, embedding = e.Vector.ToArray() }),
                model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : model,
                usage = new { prompt_tokens = tokens, total_tokens = tokens },
            };
            await gate.AuditCallAsync(http, call, AuditOutcomes.Success, model, tokens, 0, 200);
            http.Response.ContentType = "application/json; charset=utf-8";
            await http.Response.WriteAsync(JsonSerializer.Serialize(response, ChatCompletionsEndpoint.Json), http.RequestAborted);
        }
        catch (Exception ex) when (ApiErrors.From(ex, http) is { } error)
        {
            await ApiErrors.FailAsync(http, gate, call, error, model);
        }
    }

    private static List<string> ReadInputs(JsonElement body, int max)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("input", out var input))
        {
            throw ApiError.BadRequest("'input' is required: a string or an array of strings.", "input", "missing_required_parameter");
        }

        List<string> inputs = input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array when input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => [.. input.EnumerateArray().Select(e => e.GetString()!)],
            _ => throw ApiError.BadRequest("'input' must be a string or an array of strings (token arrays are not served).", "input"),
        };
        if (inputs.Count == 0 || inputs.Count > max)
        {
            throw ApiError.BadRequest($"'input' must hold between 1 and {max} strings (Api:MaxEmbeddingInputs).", "input");
        }

        return inputs;
    }
}
