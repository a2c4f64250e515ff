using System.Globalization;
using System.Text;
using System.Text.Json;
using AxWorkbench.Core.Audit;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Inference.Remote;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Web.Api;

/// <summary>
/// <c>POST /v1/chat/completions</c> over the workbench's <see cref="IChatClient"/> (the in-process engine, or the remote
/// provider), as an API caller: <see cref="RequestPriority.Api"/> (after analysts, before background work) and the
/// key's name in the engine's round-robin. Streaming answers are server-sent events, one
/// <c>data: {chunk}\n\n</c> per piece (pieces that come within <see cref="ApiOptions.StreamCoalesceMs"/> of the last
/// event share one), ending <c>data: [DONE]\n\n</c>.
/// </summary>
internal sealed class ChatCompletionsEndpoint(IChatClient chat, ApiGate gate, IOptions<ApiOptions> options)
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The id GET /v1/models lists and requests must name.</summary>
    public string ModelId => chat.GetService<ChatClientMetadata>()?.DefaultModelId ?? "local";

    public async Task HandleAsync(HttpContext http)
    {
        ApiCall? call = null;
        try
        {
            call = await gate.AdmitAsync(http);
            var request = ChatCompletionRequest.Parse(await ApiBody.ReadAsync(http, options.Value.MaxRequestBytes));
            if (!string.Equals(request.Model, ModelId, StringComparison.Ordinal))
            {
                throw new ApiError(StatusCodes.Status404NotFound, "invalid_request_error", "model_not_found",
                    $"The model '{request.Model}' is not served here; GET /v1/models lists '{ModelId}'.", "model");
            }

            var chatOptions = ToChatOptions(request, call);
            if (request.Stream)
            {
                await StreamAsync(http, call, request, chatOptions);
            }
            else
            {
                var response = await chat.GetResponseAsync(request.Messages, chatOptions, http.RequestAborted);
                var id = response.ResponseId is { } rid && rid.StartsWith("chatcmpl-", StringComparison.Ordinal) ? rid : "chatcmpl-" + (response.ResponseId ?? Guid.NewGuid().ToString("N"));
                var body = new
                {
                    id,
                    @object = "chat.completion",
                    created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                    model = ModelId,
                    choices = new[] { new { index = 0, message = new { role = "assistant", content = response.Text }, finish_reason = Finish(response.FinishReason) } },
                    usage = Usage(response.Usage),
                };
                // Audited before the answer leaves: a call the audit cannot record gets no answer.
                await gate.AuditCallAsync(http, call, AuditOutcomes.Success, ModelId, response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount, 200);
                http.Response.ContentType = "application/json; charset=utf-8";
                await http.Response.WriteAsync(JsonSerializer.Serialize(body, Json), http.RequestAborted);
            }
        }
        catch (Exception ex) when (ApiErrors.From(ex, http) is { } error)
        {
            await ApiErrors.FailAsync(http, gate, call, error, ModelId);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested && call is not null)
        {
            // The caller went away: the generation was cancelled with the request; the call is still on record.
            try
            {
                await gate.AuditCallAsync(http, call, AuditOutcomes.Failure, ModelId, null, null, 499, "The caller closed the request.");
            }
            catch (AuditUnavailableException)
            {
                // Nobody is listening for an answer; the audit writer logs its own failure.
            }
        }
    }

    private ChatOptions ToChatOptions(ChatCompletionRequest request, ApiCall call)
    {
        var ceiling = Math.Min(call.Account.MaxTokens ?? options.Value.MaxTokens, options.Value.MaxTokens);
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = Math.Min(request.MaxTokens ?? options.Value.DefaultMaxTokens, ceiling),
            Temperature = request.Temperature,
            TopP = request.TopP,
            Seed = request.Seed,
            StopSequences = request.Stop.Count > 0 ? [.. request.Stop] : null,
        };
        return chatOptions.ForUser(call.Account.AuditName).WithPriority(RequestPriority.Api);
    }

    private async Task StreamAsync(HttpContext http, ApiCall call, ChatCompletionRequest request, ChatOptions chatOptions)
    {
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var started = false;
        var relayQueue = http.Request.Headers[QueuePositionRelay.HeaderName] == QueuePositionRelay.HeaderValue;
        var text = new TextBatch(TimeSpan.FromMilliseconds(options.Value.StreamCoalesceMs));
        UsageDetails? usage = null;
        string? finish = null;
        await using var updates = chat.GetStreamingResponseAsync(request.Messages, chatOptions, http.RequestAborted).GetAsyncEnumerator(http.RequestAborted);
        try
        {
            var next = updates.MoveNextAsync();
            while (true)
            {
                if (!next.IsCompleted && text.Length > 0)
                {
                    // Nothing more is ready: send what is held now, or once the coalescing window closes if sooner.
                    if (text.Wait is { } wait)
                    {
                        var pending = next.AsTask();
                        next = new ValueTask<bool>(pending);
                        if (await Task.WhenAny(pending, Task.Delay(wait, http.RequestAborted)) == pending)
                        {
                            continue;
                        }
                    }

                    await WriteEventAsync(http, Chunk(id, created, new { content = text.Take() }, null));
                    continue;
                }

                if (!await next)
                {
                    break;
                }

                var update = updates.Current;
                next = updates.MoveNextAsync();
                if (update.GetQueuePosition() is { } position)
                {
                    if (relayQueue)
                    {
                        // A workbench node asked for the positions: the stream starts now, each position a comment line.
                        started = await StartStreamAsync(http, id, created, started);
                        await WriteRawAsync(http, QueuePositionRelay.Comment(position));
                    }

                    continue;
                }

                // Otherwise headers go with the first piece: until then a failure is still an ordinary JSON error with its status.
                started = await StartStreamAsync(http, id, created, started);
                usage = update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details ?? usage;
                finish = Finish(update.FinishReason) ?? finish;
                text.Add(update.Text);
            }
        }
        catch (Exception ex) when (started && ApiErrors.From(ex, http) is { } error)
        {
            // The stream has begun: the text already made goes out, then the error as one more event, then the end.
            if (text.Length > 0)
            {
                await WriteEventAsync(http, Chunk(id, created, new { content = text.Take() }, null), flush: false);
            }

            await WriteEventAsync(http, error.ToJson());
            await WriteRawAsync(http, "data: [DONE]\n\n");
            await gate.AuditCallAsync(http, call, AuditOutcomes.Failure, ModelId, usage?.InputTokenCount, usage?.OutputTokenCount, error.Status, error.Message);
            return;
        }

        await StartStreamAsync(http, id, created, started);
        if (text.Length > 0)
        {
            await WriteEventAsync(http, Chunk(id, created, new { content = text.Take() }, null), flush: false);
        }

        await WriteEventAsync(http, Chunk(id, created, new { }, finish ?? "stop"));
        if (request.IncludeUsage)
        {
            await WriteEventAsync(http, JsonSerializer.Serialize(new
            {
                id, @object = "chat.completion.chunk", created, model = ModelId, choices = Array.Empty<object>(), usage = Usage(usage),
            }, Json));
        }

        await WriteRawAsync(http, "data: [DONE]\n\n");
        await gate.AuditCallAsync(http, call, AuditOutcomes.Success, ModelId, usage?.InputTokenCount, usage?.OutputTokenCount, 200);
    }

    /// <summary>Sends the headers and the assistant's empty first piece unless <paramref name="started"/>; true.</summary>
    private async Task<bool> StartStreamAsync(HttpContext http, string id, long created, bool started)
    {
        if (!started)
        {
            http.Response.ContentType = "text/event-stream; charset=utf-8";
            http.Response.Headers.CacheControl = "no-cache";
            await WriteEventAsync(http, Chunk(id, created, new { role = "assistant", content = "" }, null));
        }

        return true;
    }

    private string Chunk(string id, long created, object delta, string? finish) => JsonSerializer.Serialize(new
    {
        id,
        @object = "chat.completion.chunk",
        created,
        model = ModelId,
        choices = new[] { new { index = 0, delta, finish_reason = finish } },
    }, Json);

    private static Task WriteEventAsync(HttpContext http, string json, bool flush = true) => WriteRawAsync(http, "data: " + json + "\n\n", flush);

    private static async Task WriteRawAsync(HttpContext http, string text, bool flush = true)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), http.RequestAborted);
        if (flush)
        {
            await http.Response.Body.FlushAsync(http.RequestAborted);
        }
    }

    private static string? Finish(ChatFinishReason? reason) =>
        reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.Stop ? "stop"
        : reason is { } other ? other.Value
        : null;

    private static object Usage(UsageDetails? usage)
    {
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        return new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = usage?.TotalTokenCount ?? prompt + completion };
    }
}

/// <summary>Reads a request body up to the limit (413 beyond it) as JSON (400 when it is not).</summary>
internal static class ApiBody
{
    public static async Task<JsonElement> ReadAsync(HttpContext http, int maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"The request body is not valid JSON: {ex.Message}", code: "invalid_json");
        }
    }

    private static ApiError TooLarge(int maxBytes) => new(StatusCodes.Status413RequestEntityTooLarge, "invalid_request_error", "request_too_large",
        $"The request body is larger than {maxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (Api:MaxRequestBytes).");
}

/// <summary>Exceptions of the model and the audit as OpenAI errors with their status.</summary>
internal static class ApiErrors
{
    public static ApiError? From(Exception ex, HttpContext http) => ex switch
    {
        ApiError e => e,
        OperationCanceledException when http.RequestAborted.IsCancellationRequested => null,
        EngineBusyException busy => new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "engine_busy", busy.Message),
        ModelUnavailableException down => new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "model_unavailable", down.Message),
        RemoteInferenceException remote => new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "upstream_unavailable", remote.Message),
        AuditUnavailableException audit => new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "audit_unavailable", audit.Message),
        PromptTooLongException tooLong => ApiError.BadRequest(tooLong.Message, "messages", "context_length_exceeded"),
        GenerationFailedException failed => new ApiError(StatusCodes.Status500InternalServerError, "server_error", "generation_failed", failed.Message),
        _ => null,
    };

    /// <summary>Writes the error (when the response has not started) and audits the admitted call's failure.</summary>
    public static async Task FailAsync(HttpContext http, ApiGate gate, ApiCall? call, ApiError error, string model)
    {
        if (!http.Response.HasStarted)
        {
            await error.WriteAsync(http.Response);
        }

        if (call is not null && error.Code != "audit_unavailable")
        {
            try
            {
                var outcome = error.Status is StatusCodes.Status400BadRequest or StatusCodes.Status404NotFound or StatusCodes.Status413RequestEntityTooLarge
                    ? AuditOutcomes.Denied : AuditOutcomes.Failure;
                await gate.AuditCallAsync(http, call, outcome, model, null, null, error.Status, error.Message);
            }
            catch (AuditUnavailableException)
            {
                // The refusal stands; the audit's own failure is logged by the audit writer.
            }
        }
    }
}

/// <summary>
/// Text made but not yet sent. <see cref="Wait"/> says how long it may still be held: null when it must go now (the
/// window since the last event has closed, or nothing was sent yet: the first piece is never held).
/// </summary>
internal sealed class TextBatch(TimeSpan window)
{
    private readonly StringBuilder _text = new();
    private long _lastSent;

    public int Length => _text.Length;

    public TimeSpan? Wait
    {
        get
        {
            if (_lastSent == 0 || window <= TimeSpan.Zero)
            {
                return null;
            }

            var left = window - System.Diagnostics.Stopwatch.GetElapsedTime(_lastSent);
            return left > TimeSpan.Zero ? left : null;
        }
    }

    public void Add(string text) => _text.Append(text);

    public string Take()
    {
        var text = _text.ToString();
        _text.Clear();
        _lastSent = System.Diagnostics.Stopwatch.GetTimestamp();
        return text;
    }
}
