using System.Text.Json;

namespace AxWorkbench.Web.Api;

/// <summary>
/// A refusal in OpenAI's error shape, <c>{"error":{"message","type","param","code"}}</c>, with its HTTP status.
/// Thrown inside the endpoint, written by it (and audited with the outcome it names).
/// </summary>
public sealed class ApiError(int status, string type, string code, string message, string? param = null) : Exception(message)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string Code { get; } = code;

    public string? Param { get; } = param;

    public static ApiError BadRequest(string message, string? param = null, string code = "invalid_value") =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", code, message, param);

    public string ToJson() => JsonSerializer.Serialize(new { error = new { message = Message, type = Type, param = Param, code = Code } }, Json);

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task WriteAsync(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = Status;
        response.ContentType = "application/json; charset=utf-8";
        await response.WriteAsync(ToJson(), response.HttpContext.RequestAborted);
    }
}
