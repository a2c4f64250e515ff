using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Web.Api;

/// <summary>The fields of an OpenAI chat completion request the workbench serves, read and checked (400 names the field).</summary>
public sealed record ChatCompletionRequest
{
    public required string Model { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    public int? MaxTokens { get; init; }

    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <exception cref="ApiError">400: the body is not such a request; the message names the field.</exception>
    public static ChatCompletionRequest Parse(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiError.BadRequest("The request body must be a JSON object.");
        }

        var model = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String && m.GetString() is { Length: > 0 } name
            ? name
            : throw ApiError.BadRequest("'model' is required: a model id from GET /v1/models.", "model", "missing_required_parameter");
        if (!body.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            throw ApiError.BadRequest("'messages' is required: a non-empty array of {role, content}.", "messages", "missing_required_parameter");
        }

        var messages = list.EnumerateArray().Select((e, i) => ParseMessage(e, i)).ToList();
        if (body.TryGetProperty("n", out var n) && n.ValueKind != JsonValueKind.Null && (!n.TryGetInt32(out var count) || count != 1))
        {
            throw ApiError.BadRequest("'n' must be 1: one choice per request.", "n");
        }

        return new ChatCompletionRequest
        {
            Model = model,
            Messages = messages,
            Stream = Bool(body, "stream"),
            IncludeUsage = body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object && Bool(so, "include_usage"),
            MaxTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens"),
            Temperature = Number(body, "temperature", 0, 2),
            TopP = Number(body, "top_p", 0, 1),
            Seed = body.TryGetProperty("seed", out var s) && s.ValueKind != JsonValueKind.Null
                ? (s.TryGetInt64(out var seed) ? seed : throw ApiError.BadRequest("'seed' must be an integer.", "seed"))
                : null,
            Stop = ParseStop(body),
        };
    }

    private static ChatMessage ParseMessage(JsonElement e, int index)
    {
        var param = $"messages[{index}]";
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("role", out var r) || r.ValueKind != JsonValueKind.String)
        {
            throw ApiError.BadRequest($"{param} must be an object with a 'role'.", param);
        }

        var role = r.GetString() switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            var other => throw ApiError.BadRequest($"{param}.role '{other}' is not served: use system, developer, user or assistant.", $"{param}.role"),
        };
        var text = !e.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null ? ""
            : c.ValueKind == JsonValueKind.String ? c.GetString()!
            : c.ValueKind == JsonValueKind.Array ? string.Concat(c.EnumerateArray().Select(p => TextPart(p, param)))
            : throw ApiError.BadRequest($"{param}.content must be a string or an array of text parts.", $"{param}.content");
        return new ChatMessage(role, text);
    }

    private static string TextPart(JsonElement part, string param) =>
        part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.GetString() == "text"
        && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()!
            : throw ApiError.BadRequest($"{param}.content: only text parts ({{\"type\":\"text\",\"text\":…}}) are served.", $"{param}.content");

    private static bool Bool(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw ApiError.BadRequest($"'{name}' must be true or false.", name),
        };

    private static int? Int(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.TryGetInt32(out var value) && value >= 1 ? value : throw ApiError.BadRequest($"'{name}' must be a whole number of at least 1.", name);
    }

    private static float? Number(JsonElement body, string name, double min, double max)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.TryGetDouble(out var value) && value >= min && value <= max
            ? (float)value
            : throw ApiError.BadRequest($"'{name}' must be a number between {min} and {max}.", name);
    }

    private static List<string> ParseStop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        List<string> stops = v.ValueKind switch
        {
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Array when v.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => [.. v.EnumerateArray().Select(s => s.GetString()!)],
            _ => throw ApiError.BadRequest("'stop' must be a string or an array of strings.", "stop"),
        };
        return stops.Count <= 4 && stops.All(s => s.Length > 0) ? stops : throw ApiError.BadRequest("'stop' takes at most 4 non-empty strings.", "stop");
    }
}
