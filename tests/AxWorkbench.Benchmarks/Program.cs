using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AxWorkbench.Benchmarks;
using AxWorkbench.Core.Inference;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

// AxWorkbench benchmarks. The first argument picks one: `audit` (writer throughput, verifier time), `audit-nodes` (writer events/s on PostgreSQL, one writer vs two),
// `retrieval` (recall and latency on SQuAD-format sets), `embedding` (MiniLM chunks/s, before and after), `keysentences` (ROUGE against QMSum summaries), `crash` (the kill -9 loop, 200 runs), `propagation` (retrieval change delay between two nodes on PostgreSQL); anything else runs the inference benchmark:
// the workbench engine through IChatClient against llama.cpp's llama-batched-bench and the bare decode loop (see
// Inference/EngineBenchmark.cs and results/README.md).
// Usage: dotnet run -c Release --project tests/AxWorkbench.Benchmarks -- [--model PATH] [--threads N] [--out report.json] [--tokens T] [--reps R]
//   [--native-bin DIR | --no-native] [--no-native-on-library] [--lib libllama.so] [--temperature X] [--native-sampling] [--contend [--corpora DIR]] [--decode-nice N]
switch (args)
{
    case ["audit", .. var rest]:
        return await AxWorkbench.Benchmarks.Audit.AuditBenchmark.RunAsync(rest);
    case ["audit-nodes", .. var rest]:
        return await AxWorkbench.Benchmarks.Audit.AuditNodesBenchmark.RunAsync(rest);
    case ["retrieval", .. var rest]:
        return await AxWorkbench.Benchmarks.Retrieval.RetrievalBenchmark.RunAsync(rest);
    case ["embedding", .. var rest]:
        return await AxWorkbench.Benchmarks.Retrieval.EmbeddingBenchmark.RunAsync(rest);
    case ["keysentences", .. var rest]:
        return await AxWorkbench.Benchmarks.KeySentences.KeySentencesBenchmark.RunAsync(rest);
    case ["ocr", .. var rest]:
        return await AxWorkbench.Benchmarks.Ocr.OcrBenchmark.RunAsync(rest);
    case ["api", .. var rest]:
        return await AxWorkbench.Benchmarks.Api.ApiBenchmark.RunAsync(rest);
    case ["bare", .. var rest]:
        return AxWorkbench.Benchmarks.Inference.BareLoopCommand.Run(rest);
    case ["ingest", .. var rest]:
        return await AxWorkbench.Benchmarks.Inference.ContendLoad.IngestAsync(rest);
    case ["propagation", .. var rest]:
        return await AxWorkbench.Benchmarks.Cluster.PropagationBenchmark.RunAsync(rest);
    case ["crash", .. var rest]:
        return await AxWorkbench.Benchmarks.Crash.CrashBenchmark.RunAsync(rest);
}

return await AxWorkbench.Benchmarks.Inference.EngineBenchmark.RunAsync(args);
