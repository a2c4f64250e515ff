using System.Globalization;
using System.Net;

namespace AxWorkbench.Core.Inference.Remote;

/// <summary>
/// Queue positions across nodes. A workbench's <c>/v1</c> that is asked for them (the request header
/// <see cref="HeaderName"/>: <c>relay</c>) starts its event stream while the request still waits for an engine slot
/// and sends each position as an SSE comment line, <c>: queue-position N</c> — a comment, so any OpenAI client reads
/// the stream as usual and ignores it. The web node's HttpClient handler below asks for it and hands each position to
/// the request's listener (<see cref="Listener"/>, set by <see cref="RemoteChatClient"/> around the call), so an analyst
/// on a web node hears the inference node's queue as if it were local.
/// </summary>
public static class QueuePositionRelay
{
    public const string HeaderName = "X-AxWorkbench-Queue";
    public const string HeaderValue = "relay";
    public const string CommentPrefix = ": queue-position ";

    /// <summary>Who hears the positions of the HTTP call started in this async flow; null: nobody (no header sent).</summary>
    internal static readonly AsyncLocal<Action<int>?> Listener = new();

    /// <summary>The comment line for a position: <c>: queue-position N\n\n</c>.</summary>
    public static string Comment(int position) => CommentPrefix + position.ToString(CultureInfo.InvariantCulture) + "\n\n";
}

/// <summary>Asks an inference node for its queue positions and reads them out of the event stream as it passes.</summary>
internal sealed class QueuePositionRelayHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var listener = QueuePositionRelay.Listener.Value;
        if (listener is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        request.Headers.TryAddWithoutValidation(QueuePositionRelay.HeaderName, QueuePositionRelay.HeaderValue);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            response.Content = new RelayContent(response.Content, listener);
        }

        return response;
    }

    /// <summary>The response body unchanged, with the queue-position comments reported as they are read.</summary>
    private sealed class RelayContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly Action<int> _listener;

        public RelayContent(HttpContent inner, Action<int> listener)
        {
            _inner = inner;
            _listener = listener;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync() =>
            new CommentScanningStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), _listener);

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new CommentScanningStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _listener);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await using var scanning = new CommentScanningStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), _listener);
            await scanning.CopyToAsync(stream).ConfigureAwait(false);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// A read-only pass-through stream that watches line starts for <see cref="QueuePositionRelay.CommentPrefix"/> and
/// reports the number that follows. Bytes are never changed, held back or reordered.
/// </summary>
internal sealed class CommentScanningStream(Stream inner, Action<int> listener) : Stream
{
    private static readonly byte[] Prefix = System.Text.Encoding.ASCII.GetBytes(QueuePositionRelay.CommentPrefix);

    private bool _atLineStart = true;
    private int _matched = -1; // -1: not in a candidate line; 0..Prefix.Length: bytes of the prefix matched so far
    private int _number;
    private int _digits;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Scan(buffer.AsSpan(offset, read));
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Scan(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Scan(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b == (byte)'\n')
            {
                if (_matched == Prefix.Length && _digits > 0)
                {
                    listener(_number);
                }

                _atLineStart = true;
                _matched = -1;
                continue;
            }

            if (_atLineStart)
            {
                _atLineStart = false;
                _matched = 0;
                _number = 0;
                _digits = 0;
            }

            if (_matched < 0)
            {
                continue;
            }

            if (_matched < Prefix.Length)
            {
                _matched = b == Prefix[_matched] ? _matched + 1 : -1;
            }
            else if (b is >= (byte)'0' and <= (byte)'9' && _digits < 9)
            {
                _number = (_number * 10) + (b - '0');
                _digits++;
            }
            else if (b != (byte)'\r')
            {
                _matched = -1;
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
