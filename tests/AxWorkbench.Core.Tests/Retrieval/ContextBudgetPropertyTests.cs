using AxWorkbench.Core.Inference;
using AxWorkbench.Core.Markings;
using AxWorkbench.Core.Retrieval;
using AxWorkbench.Core.Tests.Inference;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace AxWorkbench.Core.Tests.Retrieval;

/// <summary>
/// The grounded prompt's budget, measured by the real fixture model's tokenizer and chat template (the fixture GGUF
/// through LLamaSharp): for random retrieved passages (English, Korean, mixed, long) and random answer lengths, the
/// assembled prompt plus the answer's tokens never exceeds the context, and a source is placed whenever one fits.
/// </summary>
[Collection(ModelCollection.Name)]
public sealed class ContextBudgetPropertyTests(ModelFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] _english =
        ["border", "activity", "convoy", "brief", "reported", "battalion", "moved", "fuel", "north", "of", "the", "river", "at", "dawn", "observed", "artillery", "3.5km", "U.S.", "e.g.", "(S//NF)"];

    private static readonly string[] _korean =
        ["국경", "활동", "보고서에", "따르면", "북쪽", "해안", "선박", "이동이", "증가했다", "대대가", "연료를", "옮겼다", "새벽에", "관측됨", "’26년", "7.5억원", "신뢰도", "높음"];

    private static Gen<string> Words(string[] vocabulary, int most) =>
        from count in Gen.Choose(1, most)
        from words in Gen.ArrayOf(Gen.Elements(vocabulary), count)
        select string.Join(' ', words);

    /// <summary>A passage: English, Korean, mixed, or long (up to several hundred words).</summary>
    private static Gen<string> Passage => Gen.OneOf(
        Words(_english, 60),
        Words(_korean, 60),
        Words([.. _english, .. _korean], 80),
        Words([.. _english, .. _korean], 600));

    /// <summary>A question (now and then one too long to leave room for anything), up to 16 passages, an answer length and a context size (the fixture's own 512, or larger).</summary>
    private static Gen<(string Question, List<string> Passages, int MaxTokens, int Context)> Case =>
        from question in Gen.OneOf(Words(_english, 12), Words(_korean, 12), Words([.. _english, .. _korean], 12), Words([.. _english, .. _korean], 400))
        from count in Gen.Choose(0, 16)
        from passages in Gen.ListOf(Passage, count)
        from maxTokens in Gen.Choose(1, 300)
        from context in Gen.OneOf(Gen.Constant(512), Gen.Choose(600, 4096))
        select (question, passages.ToList(), maxTokens, context);

    private ModelTokenCounter Tokens => new(fixture.Engine, Options.Create(fixture.Options));

    /// <summary>The prompt's tokens as the engine itself tokenizes it for generation (its chat template applied).</summary>
    private int EngineTokens(IEnumerable<ChatMessage> messages) =>
        fixture.Engine.CountTokens(fixture.Engine.ApplyChatTemplate(messages.Select(m => (m.Role.Value, m.Text))));

    [Fact]
    public void GroundedPrompt_PlusTheAnswer_NeverExceedsTheContext_AndASourceIsPlacedWheneverOneFits()
    {
        var model = Tokens;
        Assert.True(model.IsExact);
        var unbounded = new WithContext(model, int.MaxValue / 2);
        var systemTokens = model.CountChatTokens([new ChatMessage(ChatRole.System, ContextAssembler.SystemPrompt)]);
        int cases = 0, placedTotal = 0, leftOutTotal = 0, questionTooLong = 0, peak = int.MinValue;
        var property = Prop.ForAll(Case.ToArbitrary(), c =>
        {
            // The real tokenizer and chat template; the context the budget is for varies.
            var context = c.Context == 512 ? model.ContextSize : c.Context;
            var tokens = new WithContext(model, context);
            var hits = c.Passages.Select((text, i) => Hit(i + 1, text)).ToList();
            var built = ContextAssembler.Build(c.Question, hits, tokens, c.MaxTokens, maxSources: 8, nonce: "0123456789ABCDEF");

            var measured = EngineTokens(built.Messages);
            Assert.Equal(measured, built.PromptTokens);
            if (built.QuestionFits)
            {
                Assert.True(measured + c.MaxTokens <= context, $"prompt {measured} + answer {c.MaxTokens} > context {context}");
            }
            else
            {
                Assert.Empty(built.Sources);
                Assert.True(measured + c.MaxTokens > context, "the question alone fits, yet it was refused");
            }

            // Rank order kept; every place (up to 8 of the passages found) is filled or counted as left out.
            Assert.Equal(built.Sources.Select(s => s.Hit.ChunkId).Order(), built.Sources.Select(s => s.Hit.ChunkId));
            Assert.Equal(Enumerable.Range(1, built.Sources.Count), built.Sources.Select(s => s.Number));
            Assert.Equal(Math.Min(hits.Count, 8), built.Sources.Count + built.LeftOut);

            // The oracle: each passage alone in a prompt (assembled with no budget), measured by the engine.
            var oneFits = hits.Any(h => EngineTokens(ContextAssembler.Build(c.Question, [h], unbounded, 0, 8, "0123456789ABCDEF").Messages) + c.MaxTokens <= context);
            Assert.True(!oneFits || built.Sources.Count > 0, "a source fits alone, yet none was placed");

            cases++;
            placedTotal += built.Sources.Count;
            leftOutTotal += built.LeftOut;
            questionTooLong += built.QuestionFits ? 0 : 1;
            peak = Math.Max(peak, built.QuestionFits ? measured + c.MaxTokens - context : int.MinValue);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), property);

        output.WriteLine($"{cases} cases (system message alone {systemTokens} tokens; contexts 512..4096): {placedTotal} sources placed, {leftOutTotal} left out, {questionTooLong} questions too long alone, closest prompt+answer to the context {peak} tokens");
        Assert.True(leftOutTotal > 0, "the generator must produce passages that do not fit");
        Assert.True(placedTotal > 0);
    }

    /// <summary>The real counts over another context size (with a huge one every passage offered is placed).</summary>
    private sealed class WithContext(ITokenCounter inner, int contextSize) : ITokenCounter
    {
        public bool IsExact => inner.IsExact;

        public int ContextSize => contextSize;

        public int CountTokens(string text) => inner.CountTokens(text);

        public int CountChatTokens(IEnumerable<ChatMessage> messages) => inner.CountChatTokens(messages);
    }

    private static SearchHit Hit(long id, string text) =>
        new(id, Guid.NewGuid(), 1, "brief-" + id, 1, 0, text.Length, Marking.Unclassified, text, [], 1, null, null, null, null);
}
