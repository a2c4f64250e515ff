using AxWorkbench.Core.Conversations;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Tests.Conversations;

public sealed class PromptRateLimiterTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Window_Slides_APromptIsAdmittedAgainOnceTheOldestIsAMinuteOld()
    {
        var clock = new ManualClock();
        var limiter = new PromptRateLimiter(Options.Create(new ConversationOptions { MaxPromptsPerMinute = 3 }), clock);
        limiter.Admit("u");
        clock.Now += TimeSpan.FromSeconds(20);
        limiter.Admit("u");
        limiter.Admit("u");
        clock.Now += TimeSpan.FromSeconds(10);

        var refused = Assert.Throws<ConversationLimitException>(() => limiter.Admit("u"));
        Assert.Contains("Wait 30 s", refused.Message, StringComparison.Ordinal);

        clock.Now += TimeSpan.FromSeconds(30);
        limiter.Admit("u");
        Assert.Throws<ConversationLimitException>(() => limiter.Admit("u"));
    }

    [Fact]
    public void Zero_MeansNoLimit()
    {
        var limiter = new PromptRateLimiter(Options.Create(new ConversationOptions { MaxPromptsPerMinute = 0 }), new ManualClock());
        for (var i = 0; i < 1000; i++)
        {
            limiter.Admit("u");
        }
    }
}
