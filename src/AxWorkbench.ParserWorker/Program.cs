using System.Diagnostics;
using AxWorkbench.Core.Documents.Parsing;
using AxWorkbench.Core.Documents.Worker;

// The parent talks over stdin/stdout in length-prefixed JSON frames; nothing else may write to stdout.
var input = Console.OpenStandardInput();
var output = Console.OpenStandardOutput();
Console.SetOut(Console.Error);
var testCommands = Environment.GetEnvironmentVariable(WorkerProtocol.TestCommandsVariable) == "1";

while (true)
{
    var request = await WorkerProtocol.ReadAsync<WorkerRequest>(input, CancellationToken.None);
    if (request is null)
    {
        return 0; // The parent closed stdin: shut down.
    }

    var clock = Stopwatch.StartNew();
    WorkerResponse response;
    switch (request.Command)
    {
        case WorkerProtocol.PingCommand:
            response = new WorkerResponse(request.Id, true, null, [], [], null, null, 0);
            break;
        case WorkerProtocol.CrashCommand when testCommands:
            Environment.FailFast("Crash requested by a test.");
            return 134;
        case WorkerProtocol.HangCommand when testCommands:
            await Task.Delay(Timeout.Infinite);
            return 0;
        case WorkerProtocol.ParseCommand when request.Path is not null:
            response = Parse(request, clock, new FrameProgress(output, request.Id));
            break;
        default:
            response = new WorkerResponse(request.Id, false, null, null, null, RejectionReason.Malformed, $"Unknown command '{request.Command}'.", 0);
            break;
    }
    await WorkerProtocol.WriteAsync(output, response, CancellationToken.None);
}

static WorkerResponse Parse(WorkerRequest request, Stopwatch clock, IProgress<ParseProgress> progress)
{
    try
    {
        var content = File.ReadAllBytes(request.Path!);
        var document = DocumentParsing.Parse(content, request.Limits ?? ParserLimits.Default, CancellationToken.None, progress);
        return new WorkerResponse(request.Id, true, document.Format, document.Pages, document.Warnings, null, null, clock.ElapsedMilliseconds);
    }
    catch (DocumentRejectedException ex)
    {
        return new WorkerResponse(request.Id, false, null, null, null, ex.Reason, ex.Message, clock.ElapsedMilliseconds);
    }
    catch (IOException ex)
    {
        return new WorkerResponse(request.Id, false, null, null, null, RejectionReason.Malformed, $"The file could not be read: {ex.Message}", clock.ElapsedMilliseconds);
    }
#pragma warning disable CA1031 // Any other failure refuses this one file; the worker stays up for the next.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        return new WorkerResponse(request.Id, false, null, null, null, RejectionReason.Malformed,
            $"The file could not be read ({ex.GetType().Name}: {ex.Message})", clock.ElapsedMilliseconds);
    }
}

/// <summary>Sends a progress frame (the page a long parse reaches) before the answer; the parent restarts its wall clock on each.</summary>
internal sealed class FrameProgress(Stream output, long id) : IProgress<ParseProgress>
{
    public void Report(ParseProgress value) =>
        WorkerProtocol.Write(output, new WorkerResponse(id, true, null, null, null, null, null, 0, value));
}
