using System.Collections.Concurrent;

namespace AxWorkbench.Core.Inference;

/// <summary>
/// Native work from outside the engine (an evaluation window, say) queued to run on the loop's thread between two
/// decode steps, so it never competes with serving for llama.cpp's process-wide decode lock.
/// </summary>
internal sealed class ExclusiveWork
{
    private readonly ConcurrentQueue<Action> _pending = new();

    /// <summary>Queues <paramref name="work"/> for the loop (<paramref name="loopRunning"/>; <paramref name="wake"/> rouses it), or runs it on a thread of its own when no loop runs.</summary>
    public Task<T> Run<T>(Func<T> work, bool loopRunning, Action wake, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                done.TrySetResult(work());
            }
#pragma warning disable CA1031 // the caller receives the failure through its task
            catch (Exception ex)
#pragma warning restore CA1031
            {
                done.TrySetException(ex);
            }
        }

        if (!loopRunning)
        {
            var thread = new Thread(Run) { IsBackground = true, Name = "ax-exclusive-work" };
            thread.Start();
            return done.Task;
        }

        _pending.Enqueue(Run);
        wake();
        return done.Task;
    }

    /// <summary>On the loop's thread: runs everything queued so far.</summary>
    public void RunPending()
    {
        while (_pending.TryDequeue(out var work))
        {
            work();
        }
    }
}
