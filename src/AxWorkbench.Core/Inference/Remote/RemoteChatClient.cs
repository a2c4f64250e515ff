using System.ClientModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// <see cref="IChatClient"/> over an OpenAI-compatible server (the inner client: Microsoft.Extensions.AI.OpenAI over the
/// official OpenAI client, on an HttpClient with retries before the first byte only). It adds what the workbench
/// expects of any provider: the node's concurrency limit with fair queueing and queue-position updates
/// (<see cref="InferenceChatOptions.GetQueuePosition"/>), the who/priority options kept off the wire, and failures as
/// <see cref="RemoteInferenceException"/> naming the server. Cancelling the token aborts the HTTP request.
/// </summary>
public sealed class RemoteChatClient : IChatClient
{
    private readonly IChatClient _inner;
    private readonly RemoteSlots _slots;
    private readonly RemoteInferenceStatus _status;
    private readonly string _endpoint;
    private readonly string _model;

    internal RemoteChatClient(IChatClient inner, RemoteSlots slots, RemoteInferenceStatus status, string endpoint, string model)
    {
        _inner = inner;
        _slots = slots;
        _status = status;
        _endpoint = endpoint;
        _model = model;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var waiter = _slots.Enter(options.GetUserId() ?? "anonymous", options.GetPriority());
        try
        {
            await foreach (var _ in waiter.Positions.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                var response = await _inner.GetResponseAsync(messages, WireOptions(options), cancellationToken).ConfigureAwait(false);
                _status.RecordCall(Stopwatch.GetElapsedTime(started), null);
                response.ModelId ??= _model;
                return response;
            }
            catch (Exception ex) when (Describe(ex) is { } failure && !cancellationToken.IsCancellationRequested)
            {
                _status.RecordCall(null, failure.Message);
                throw failure;
            }
        }
        finally
        {
            _slots.Leave(waiter);
        }
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var waiter = _slots.Enter(options.GetUserId() ?? "anonymous", options.GetPriority());
        try
        {
            await foreach (var position in waiter.Positions.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var waiting = InferenceChatOptions.QueueUpdate(position);
                waiting.ModelId = _model;
                yield return waiting;
            }

            var started = Stopwatch.GetTimestamp();
            var first = true;
            var running = false;
            // The inference node's own queue positions (when it is a workbench) arrive as stream comments, read by
            // QueuePositionRelayHandler for the call made in this flow; they are yielded while no text has come yet.
            var relayed = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
            await using var updates = _inner.GetStreamingResponseAsync(messages, WireOptions(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
            QueuePositionRelay.Listener.Value = position => relayed.Writer.TryWrite(position);
            var next = updates.MoveNextAsync();
            QueuePositionRelay.Listener.Value = null;
            while (true)
            {
                if (!running && !next.IsCompleted)
                {
                    var pending = next.AsTask();
                    while (!pending.IsCompleted)
                    {
                        await Task.WhenAny(pending, relayed.Reader.WaitToReadAsync(cancellationToken).AsTask()).ConfigureAwait(false);
                        while (relayed.Reader.TryRead(out var position))
                        {
                            var waiting = InferenceChatOptions.QueueUpdate(position);
                            waiting.ModelId = _model;
                            yield return waiting;
                        }
                    }

                    next = new ValueTask<bool>(pending);
                }

                ChatResponseUpdate update;
                try
                {
                    if (!await next.ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception ex) when (Describe(ex) is { } failure && !cancellationToken.IsCancellationRequested)
                {
                    _status.RecordCall(null, failure.Message);
                    throw failure;
                }

                if (first)
                {
                    first = false;
                    _status.RecordCall(Stopwatch.GetElapsedTime(started), null);
                }

                running |= update.Text.Length > 0 || update.FinishReason is not null;
                update.ModelId ??= _model;
                yield return update;
                next = updates.MoveNextAsync();
            }
        }
        finally
        {
            _slots.Leave(waiter);
        }
    }

    /// <summary>The caller's options without the workbench's own keys (user, priority): they stay on this node.</summary>
    private static ChatOptions? WireOptions(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } extra)
        {
            return options;
        }

        var copy = options.Clone();
        copy.AdditionalProperties = new AdditionalPropertiesDictionary(extra.Where(p => p.Key != InferenceChatOptions.UserIdKey && p.Key != InferenceChatOptions.PriorityKey));
        if (copy.AdditionalProperties.Count == 0)
        {
            copy.AdditionalProperties = null;
        }

        return copy;
    }

    /// <summary>A failure of the server or the network in words an analyst can act on; null for anything else.</summary>
    private RemoteInferenceException? Describe(Exception ex) => ex switch
    {
        RemoteInferenceException r => r,
        ClientResultException { Status: 429 or 503 } busy => new RemoteInferenceException($"The inference server {_endpoint} is busy (HTTP {busy.Status}). Try again shortly.", ex),
        ClientResultException { Status: 401 or 403 } refused => new RemoteInferenceException($"The inference server {_endpoint} refused this node's key (HTTP {refused.Status}); check Inference:Remote:ApiKeyFile.", ex),
        ClientResultException { Status: > 0 } failed => new RemoteInferenceException($"The inference server {_endpoint} answered HTTP {failed.Status}: {failed.Message}", ex),
        ClientResultException or HttpRequestException or IOException => new RemoteInferenceException($"The inference server {_endpoint} cannot be reached or stopped answering: {ex.Message}", ex),
        OperationCanceledException or TimeoutException => new RemoteInferenceException($"The inference server {_endpoint} did not answer in time.", ex),
        _ => null,
    };

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("AxWorkbench.Remote", new Uri(_endpoint), _model)
        : serviceType.IsInstanceOfType(this) ? this
        : _inner.GetService(serviceType, serviceKey);

    public void Dispose() => _inner.Dispose();
}
