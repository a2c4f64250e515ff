using AxWorkbench.Core.Inference;

namespace AxWorkbench.Core.Tests.Inference;

/// <summary>The shared-prefix cache on its own: what it keeps, when a request reuses it, and which KV cells move.</summary>
public sealed class PrefixCacheTests
{
    private const int PrefixSequence = 4;
    private static readonly int[] SystemPrompt = [1, 10, 11, 12, 13, 14, 15, 16, 17, 18];

    private static Sequence Evaluated(int[] prompt, int slot)
    {
        var seq = FakeSequenceMemory.Sequence(prompt);
        seq.SeqId = slot;
        seq.Pos = prompt.Length;
        return seq;
    }

    [Fact]
    public void AnEvaluatedPrompt_IsKeptWithoutItsLastToken_InThePrefixSequence()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        cache.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        Assert.Equal(["remove 4", "copy 0->4", "remove 4 from 10"], memory.Operations);
    }

    [Fact]
    public void ARequestSharingThePrefix_CopiesItsCells_AndContinuesAfterThem()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        cache.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        memory.Operations.Clear();

        var next = FakeSequenceMemory.Sequence([.. SystemPrompt, 60, 61]);
        next.SeqId = 2;
        Assert.Equal(SystemPrompt.Length, cache.Reuse(next, memory));
        Assert.Equal(["remove 2", "copy 4->2"], memory.Operations);
        Assert.Equal(1, cache.Hits);
        Assert.Equal(SystemPrompt.Length, next.ReusedPrefixTokens);
    }

    [Fact]
    public void APartlySharedPrefix_IsCopiedThenCutWhereTheyDiffer()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        cache.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        memory.Operations.Clear();

        var next = FakeSequenceMemory.Sequence([1, 10, 11, 12, 13, 14, 99, 98]);
        next.SeqId = 1;
        Assert.Equal(6, cache.Reuse(next, memory));
        Assert.Equal(["remove 1", "copy 4->1", "remove 1 from 6"], memory.Operations);
    }

    [Fact]
    public void TooFewSharedTokens_AreEvaluatedAgain_NothingMoves()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        cache.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        memory.Operations.Clear();

        var next = FakeSequenceMemory.Sequence([1, 10, 11, 77, 78, 79]);
        next.SeqId = 1;
        Assert.Equal(0, cache.Reuse(next, memory));
        Assert.Empty(memory.Operations);
        Assert.Equal(0, cache.Hits);
    }

    [Fact]
    public void AtLeastOneTokenIsLeftToDecode_EvenForTheSamePrompt()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        int[] prompt = [.. SystemPrompt, 50];
        cache.MaybeStore(Evaluated(prompt, slot: 0), memory);

        var same = FakeSequenceMemory.Sequence(SystemPrompt);
        same.SeqId = 1;
        Assert.Equal(SystemPrompt.Length - 1, cache.Reuse(same, memory)); // the last token still gives the logits
    }

    [Fact]
    public void ARequestThatReusedThePrefix_DoesNotReplaceIt_AndShortPromptsAreNotKept()
    {
        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        var memory = new FakeSequenceMemory();
        var reused = Evaluated([.. SystemPrompt, 70], slot: 1);
        reused.ReusedPrefixTokens = 10;
        cache.MaybeStore(reused, memory);
        cache.MaybeStore(Evaluated([1, 2, 3, 4], slot: 0), memory); // 3 tokens before the last: under the minimum
        Assert.Empty(memory.Operations);
    }

    [Fact]
    public void Disabled_NeverStoresOrReuses_AndResetForgets()
    {
        var off = new PrefixCache(minTokens: 0, PrefixSequence);
        var memory = new FakeSequenceMemory();
        off.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        Assert.Empty(memory.Operations);

        var cache = new PrefixCache(minTokens: 4, PrefixSequence);
        cache.MaybeStore(Evaluated([.. SystemPrompt, 50], slot: 0), memory);
        cache.Reset(); // new weights
        var next = FakeSequenceMemory.Sequence([.. SystemPrompt, 60]);
        next.SeqId = 1;
        Assert.Equal(0, cache.Reuse(next, memory));
    }
}
