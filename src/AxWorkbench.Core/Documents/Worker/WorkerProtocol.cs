using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using AxWorkbench.Core.Documents.Parsing;

namespace AxWorkbench.Core.Documents.Worker;

/// <summary>One request to the parser worker: parse the file at <see cref="Path"/>. Test commands run only when the worker allows them.</summary>
public sealed record WorkerRequest(long Id, string Command, string? Path, ParserLimits? Limits);

/// <summary>
/// The worker's answer: pages, or a rejection with its reason. A frame with <see cref="Progress"/> set is not the answer
/// but a note that a long parse (OCR) reached another page; the answer follows it.
/// </summary>
public sealed record WorkerResponse(
    long Id,
    bool Ok,
    DocumentKind? Format,
    IReadOnlyList<ParsedPage>? Pages,
    IReadOnlyList<string>? Warnings,
    RejectionReason? Reason,
    string? Message,
    long ElapsedMs,
    ParseProgress? Progress = null);

/// <summary>Frames: a 4-byte little-endian length, then UTF-8 JSON.</summary>
public static class WorkerProtocol
{
    public const string ParseCommand = "parse";
    public const string PingCommand = "ping";

    /// <summary>Test commands: honoured only when the worker runs with <see cref="TestCommandsVariable"/>=1.</summary>
    public const string CrashCommand = "test-crash";
    public const string HangCommand = "test-hang";
    public const string TestCommandsVariable = "AXWB_PARSER_TEST_COMMANDS";

    /// <summary>Frames larger than this are a protocol error (a parsed document is capped well below it).</summary>
    public const int MaxFrameBytes = 256 * 1024 * 1024;

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task WriteAsync<T>(Stream stream, T message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, JsonOptions);
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        await stream.WriteAsync(header, cancellationToken);
        await stream.WriteAsync(payload, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Writes one frame synchronously (progress notes from inside a synchronous parser).</summary>
    public static void Write<T>(Stream stream, T message)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var payload = JsonSerializer.SerializeToUtf8Bytes(message, JsonOptions);
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        stream.Write(header);
        stream.Write(payload);
        stream.Flush();
    }

    /// <summary>The next message, or default when the stream ended cleanly before a frame.</summary>
    public static async Task<T?> ReadAsync<T>(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken))
        {
            return default;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxFrameBytes)
        {
            throw new InvalidDataException($"Parser worker frame of {length} bytes is out of range.");
        }
        var payload = new byte[length];
        if (!await ReadExactlyOrEndAsync(stream, payload, cancellationToken))
        {
            return default;
        }
        return JsonSerializer.Deserialize<T>(payload, JsonOptions);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(offset), cancellationToken);
            if (read == 0)
            {
                return false;
            }
            offset += read;
        }
        return true;
    }
}
