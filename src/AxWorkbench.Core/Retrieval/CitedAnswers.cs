using AxWorkbench.Core.Actors;
using System.Security.Cryptography;
using System.Text;
using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using Microsoft.Extensions.AI;

namespace AxWorkbench.Core.Retrieval;

/// <summary>
/// A question over libraries, answered with citations; the prompt plus <see cref="MaxOutputTokens"/> (the answer's
/// tokens) fits the model's context, counted by its own tokenizer.
/// </summary>
public sealed record AnswerRequest(string Question, IReadOnlyCollection<Guid>? Libraries = null, int MaxOutputTokens = 512, int MaxSources = 8);

/// <summary>A passage placed in the prompt as source [Number].</summary>
public sealed record AnswerSource(int Number, SearchHit Hit);

/// <summary>A citation [n] in the answer; <see cref="Quote"/> is the quoted span before it, if any. Unsupported: no such source, or the quote is not in it.</summary>
public sealed record Citation(int Number, AnswerSource? Source, string? Quote, bool Supported);

/// <summary>What it takes to reproduce an answer: the chunks and document versions used, the embedder, the model and the sampling settings.</summary>
public sealed record AnswerReproducibility(
    IReadOnlyList<(long ChunkId, Guid DocumentId, int Version)> Chunks,
    string? Embedder,
    string? ModelId,
    string? ModelHash,
    float? Temperature,
    float? TopP,
    long? Seed,
    int? MaxOutputTokens,
    string PromptSha256);

/// <summary>
/// An answer. <see cref="Marking"/> is the join of every chunk placed in the prompt (not only the cited ones):
/// the model saw them all. <see cref="NothingFound"/>: no passage was found and the model was not asked.
/// </summary>
public sealed record CitedAnswer(string Text, Marking Marking, IReadOnlyList<AnswerSource> Sources, IReadOnlyList<Citation> Citations, bool NothingFound, AnswerReproducibility Reproducibility);

/// <summary>
/// Answers a question over the libraries the analyst may search: retrieval (access decided before ranking), context
/// assembly inside the token budget, the model through <see cref="IChatClient"/>, citation check, answer marking
/// and reproducibility record. When nothing is found the answer says so and the model is not asked.
/// </summary>
public sealed class CitedAnswerService(RetrievalService retrieval, RetrievalIndexHost indexHost, IChatClient chatClient, ITokenCounter tokens)
{
    public const string ModelHashKey = "ax.modelSha256";
    public const string NothingFoundText = "No passage in the selected libraries answers this question.";

    public async Task<CitedAnswer> AnswerAsync(WorkbenchActor principal, AnswerRequest request, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The answer's tokens are reserved in the context: the caller's limit when it sets one, else the request's.
        request = request with { MaxOutputTokens = options?.MaxOutputTokens ?? request.MaxOutputTokens };
        options = options?.Clone() ?? new ChatOptions();
        options.MaxOutputTokens = request.MaxOutputTokens;
        var prepared = await PrepareAsync(principal, request, cancellationToken);
        if (prepared.DoesNotFit)
        {
            throw new SourcesDoNotFitException(prepared.DoesNotFitMessage(request.MaxOutputTokens));
        }

        if (prepared.NothingFound)
        {
            return new CitedAnswer(NothingFoundText, prepared.Marking, [], [], true, Record(prepared, null, null, options));
        }

        var response = await chatClient.GetResponseAsync(prepared.Messages, options, cancellationToken);
        var text = response.Text;
        var modelHash = response.AdditionalProperties?.TryGetValue(ModelHashKey, out var hash) == true ? hash?.ToString() : null;
        var modelId = response.ModelId ?? chatClient.GetService<ChatClientMetadata>()?.DefaultModelId;
        return new CitedAnswer(text, prepared.Marking, prepared.Sources, ContextAssembler.CheckCitations(text, prepared.Sources), false, Record(prepared, modelId, modelHash, options));
    }

    /// <summary>
    /// Retrieval (the principal's access decided before ranking) and context assembly, without asking the model: for
    /// callers that stream the answer themselves (chat). <see cref="PreparedAnswer.Marking"/> joins every placed chunk.
    /// </summary>
    public async Task<PreparedAnswer> PrepareAsync(WorkbenchActor principal, AnswerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(request);
        var results = await retrieval.SearchAsync(principal, new SearchRequest(request.Question, Math.Max(request.MaxSources * 2, 10), request.Libraries), cancellationToken);
        var context = ContextAssembler.Build(request.Question, results.Hits, tokens, request.MaxOutputTokens, request.MaxSources, ContextAssembler.NewNonce());
        var prompt = string.Join("\n", context.Messages.Select(m => m.Role + ": " + m.Text));
        return new PreparedAnswer(context.Sources, context.Messages, Marking.Join(context.Sources.Select(s => s.Hit.Marking)), indexHost.Embedder?.Id,
            Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(prompt))))
        {
            LeftOut = context.LeftOut,
            PromptTokens = context.PromptTokens,
            QuestionFits = context.QuestionFits,
            ContextSize = tokens.ContextSize,
        };
    }

    /// <summary>The reproducibility record of a prepared answer once the model (id, file hash) and sampling are known.</summary>
    public static AnswerReproducibility Record(PreparedAnswer prepared, string? modelId, string? modelHash, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        return new([.. prepared.Sources.Select(s => (s.Hit.ChunkId, s.Hit.DocumentId, s.Hit.Version))], prepared.Embedder, modelId, modelHash,
            options?.Temperature, options?.TopP, options?.Seed, options?.MaxOutputTokens, prepared.PromptSha256);
    }
}

/// <summary>
/// Sources placed in the prompt, the prompt itself, the join of their markings, the embedder and the prompt hash;
/// <see cref="LeftOut"/>: retrieved passages left out to fit the model's context; <see cref="PromptTokens"/>: the whole
/// prompt as the model counts it; <see cref="QuestionFits"/>: false when even the question alone leaves no room for the answer.
/// </summary>
public sealed record PreparedAnswer(IReadOnlyList<AnswerSource> Sources, IReadOnlyList<ChatMessage> Messages, Marking Marking, string? Embedder, string PromptSha256)
{
    public int LeftOut { get; init; }

    public int PromptTokens { get; init; }

    public bool QuestionFits { get; init; } = true;

    public int ContextSize { get; init; }

    /// <summary>Nothing was retrieved: the model is not asked. (Passages found but none fitting is not this: see <see cref="DoesNotFit"/>.)</summary>
    public bool NothingFound => Sources.Count == 0 && LeftOut == 0 && QuestionFits;

    /// <summary>Passages were found but no prompt with one of them (or the question alone) fits the context.</summary>
    public bool DoesNotFit => Sources.Count == 0 && !NothingFound;

    /// <summary>Why a prompt that does not fit was refused, in words an analyst can act on.</summary>
    public string DoesNotFitMessage(int maxOutputTokens) => QuestionFits
        ? $"None of the {LeftOut:N0} passages found fits the model's context of {ContextSize:N0} tokens beside this question and the {maxOutputTokens:N0} tokens reserved for the answer. Ask for a shorter answer or raise Inference:ContextSize."
        : $"This prompt needs {PromptTokens:N0} tokens but the model's context leaves {Math.Max(ContextSize - maxOutputTokens, 0):N0} after the {maxOutputTokens:N0} reserved for the answer. Shorten the prompt or ask for a shorter answer.";
}

/// <summary>A grounded prompt cannot fit the model's context: even the question alone, or with any one passage found, is too long.</summary>
public sealed class SourcesDoNotFitException(string message) : Exception(message);
