using AxWorkbench.Core.Actors;
using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Conversations;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AxWorkbench.Web.Tests.Conversations;

public sealed class ChatComponentTests : WorkbenchTestContext
{
    private static readonly Guid _session = Guid.NewGuid();

    public ChatComponentTests()
    {
        Services.AddSingleton<ModelOutputRenderer>();
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", true));
    }

    private static ChatMessageRecord Message(MessageRole role, string content, Marking marking, Guid? parent = null, MessageStatus status = MessageStatus.Complete) => new()
    {
        Id = Guid.NewGuid(), SessionId = _session, ParentId = parent, Role = role, Content = content, Status = status, Marking = marking,
        ModelName = "fixture", ModelSha256 = new string('a', 64), CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
    };

    private static ActiveGeneration Active(ChatMessageRecord answer) =>
        new(new GenerationJob(answer.Id, _session, new WorkbenchActor("u", "u", [Roles.Analyst], new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>())),
            [new ChatMessage(ChatRole.User, "q")], 0.7f, 0.9f, 32, 1, answer.Marking));

    [Fact]
    public void MessageList_ShowsEveryMessageWithRolePortionMarkAndRenderedMarkdown()
    {
        var user = Message(MessageRole.User, "Give me the **BLUF**", new Marking(ClassificationLevel.Secret, ["NOFORN"]));
        var answer = Message(MessageRole.Assistant, "**BLUF**: the unit moved.", new Marking(ClassificationLevel.Secret, ["NOFORN"]), user.Id);

        var cut = Render<MessageList>(p => p.Add(c => c.Path, [new MessageView(user, [user.Id]), new MessageView(answer, [answer.Id])]));

        var messages = cut.FindAll("[data-testid=message]");
        Assert.Equal(["user", "assistant"], messages.Select(m => m.GetAttribute("data-role")));
        Assert.All(cut.FindAll("[data-testid=portion-mark]"), m => Assert.Equal("(S//NF)", m.TextContent));
        Assert.Equal("Give me the **BLUF**", cut.Find("[data-testid=user-text]").TextContent);
        Assert.Contains("<strong>BLUF</strong>", cut.Find("[data-testid=model-output]").InnerHtml, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageList_BranchSwitcher_ShowsPositionAndRaisesTheSibling()
    {
        var first = Message(MessageRole.User, "v1", Marking.Unclassified);
        var second = Message(MessageRole.User, "v2", Marking.Unclassified);
        Guid? switchedTo = null;
        var cut = Render<MessageList>(p => p
            .Add(c => c.Path, [new MessageView(second, [first.Id, second.Id])])
            .Add(c => c.OnSwitchBranch, id => switchedTo = id));

        Assert.Equal("2/2", cut.Find("[data-testid=branch-position]").TextContent);
        cut.Find("[data-testid=branch-prev]").Click();
        Assert.Equal(first.Id, switchedTo);
    }

    [Fact]
    public void StreamingMessage_ShowsQueuePositionThenText_AndOnlyIt_ReRenders()
    {
        var user = Message(MessageRole.User, "q", Marking.Unclassified);
        var answer = Message(MessageRole.Assistant, "", Marking.Unclassified, user.Id, MessageStatus.Generating);
        var active = Active(answer);
        var cut = Render<MessageList>(p => p
            .Add(c => c.Path, [new MessageView(user, [user.Id]), new MessageView(answer, [answer.Id])])
            .Add(c => c.Active, active));
        var finished = cut.FindComponent<MessageItem>();
        var before = finished.RenderCount;

        active.SetQueuePosition(3);
        cut.WaitForAssertion(() => Assert.Contains("position 3", cut.Find("[data-testid=queue-position]").TextContent, StringComparison.Ordinal));

        foreach (var piece in new[] { "Hello", " **world**", "!" })
        {
            active.Append(piece);
        }

        cut.WaitForAssertion(() => Assert.Contains("<strong>world</strong>!", cut.Find(".ax-streaming [data-testid=model-output]").InnerHtml, StringComparison.Ordinal));
        Assert.Equal(before, finished.RenderCount);
        Assert.Equal(before, cut.FindComponent<MessageItem>().RenderCount);
    }

    [Fact]
    public async Task StreamingMessage_ManyPieces_RendersAtMostEvery50Milliseconds()
    {
        var answer = Message(MessageRole.Assistant, "", Marking.Unclassified, null, MessageStatus.Generating);
        var active = Active(answer);
        var cut = Render<StreamingMessage>(p => p.Add(c => c.Message, answer).Add(c => c.Generation, active));
        var start = cut.RenderCount;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < 400; i++)
        {
            active.Append("x");
            if (i % 20 == 0)
            {
                await Task.Delay(5);
            }
        }

        cut.WaitForAssertion(() => Assert.Equal(new string('x', 400), cut.Find("[data-testid=model-output]").TextContent.Trim()));
        var renders = cut.RenderCount - start;
        var allowed = (clock.ElapsedMilliseconds / StreamingMessage.RenderIntervalMs) + 2;
        Assert.True(renders <= allowed, $"{renders} renders for 400 pieces in {clock.ElapsedMilliseconds} ms (allowed {allowed})");
    }

    [Fact]
    public void StopButton_IsEnabledWhileGenerating_RaisesStopOnce_ThenIsDisabled()
    {
        var answer = Message(MessageRole.Assistant, "", Marking.Unclassified, null, MessageStatus.Generating);
        var stopped = new List<Guid>();
        var cut = Render<StreamingMessage>(p => p.Add(c => c.Message, answer).Add(c => c.Generation, Active(answer)).Add(c => c.OnStop, id => stopped.Add(id)));

        var stop = cut.Find("[data-testid=stop]");
        Assert.False(stop.HasAttribute("disabled"));
        stop.Click();

        Assert.Equal([answer.Id], stopped);
        Assert.True(cut.Find("[data-testid=stop]").HasAttribute("disabled"));
    }

    [Fact]
    public void StreamingMessage_WhenTheGenerationEnds_RaisesFinished()
    {
        var answer = Message(MessageRole.Assistant, "", Marking.Unclassified, null, MessageStatus.Generating);
        var active = Active(answer);
        var finished = 0;
        Render<StreamingMessage>(p => p.Add(c => c.Message, answer).Add(c => c.Generation, active).Add(c => c.OnFinished, () => finished++));

        active.Finish();

        WaitFor(() => finished == 1);
    }

    [Fact]
    public void Composer_EnterSends_ShiftEnterAndImeCompositionDoNot()
    {
        var sent = new List<(string Text, Marking Marking, SamplingRequest Sampling)>();
        var cut = Render<Composer>(p => p
            .Add(c => c.Clearance, new UserAuthorization(ClassificationLevel.Secret, new HashSet<string>(), "USA"))
            .Add(c => c.DefaultMarking, new Marking(ClassificationLevel.Confidential))
            .Add(c => c.OnSend, turn => { sent.Add(turn); return Task.FromResult(true); }));
        var box = cut.Find("[data-testid=chat-input]");

        box.Input("안녕하세요");
        // Enter while the Korean IME is composing confirms the syllable: it must not send.
        box.KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter", IsComposing = true });
        box.KeyDown(new KeyboardEventArgs { Key = "Process", Code = "Enter", IsComposing = true });
        box.KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter", ShiftKey = true });
        Assert.Empty(sent);

        box.KeyDown(new KeyboardEventArgs { Key = "Enter", Code = "Enter" });

        Assert.Equal([("안녕하세요", new Marking(ClassificationLevel.Confidential), new SamplingRequest())], sent);
        Assert.Equal("", cut.Find("[data-testid=chat-input]").GetAttribute("value") ?? "");
    }

    [Fact]
    public void Composer_MarkingPicker_OffersOnlyLevelsUpToTheClearance_AndDefaultsToTheSessionMarking()
    {
        var cut = Render<Composer>(p => p
            .Add(c => c.Clearance, new UserAuthorization(ClassificationLevel.Confidential, new HashSet<string>(), "USA"))
            .Add(c => c.DefaultMarking, new Marking(ClassificationLevel.Secret)));

        // A session above the user's clearance is never the default: it is lowered to what they hold.
        Assert.Equal("(C)", cut.Find("[data-testid=composer-marking]").TextContent);
        Assert.True(Composer.ShouldSend(new KeyboardEventArgs { Key = "Enter" }));
        Assert.False(Composer.ShouldSend(new KeyboardEventArgs { Key = "Enter", IsComposing = true }));
    }

    [Fact]
    public void ModelOutput_HostileText_IsNeverMarkup()
    {
        var cut = Render<ModelOutput>(p => p.Add(c => c.Text, "<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))"));

        Assert.Empty(cut.FindAll("img, script, a"));
        Assert.All(cut.Find("[data-testid=model-output]").QuerySelectorAll("*"), e => Assert.Empty(e.Attributes));
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void AnswerSources_SaysHowManySourcesWereLeftOutToFitTheContext()
    {
        var answerId = Guid.NewGuid();
        var source = new StoredSource(1, 7, Guid.NewGuid(), 1, "Border brief", 2, 0, 20, "Artillery moved north.", "U");
        var reproducibility = new AxWorkbench.Core.Retrieval.AnswerReproducibility([], null, null, null, null, null, null, 256, "00");
        IReadOnlyDictionary<Guid, GroundedAnswerView> answers = new Dictionary<Guid, GroundedAnswerView>
        {
            [answerId] = new(answerId, [source], [], false, reproducibility) { SourcesLeftOut = 3 },
        };

        var cut = Render<AnswerSources>(p => p.Add(c => c.MessageId, answerId).AddCascadingValue(answers));

        Assert.Single(cut.FindAll("[data-testid=answer-source]"));
        Assert.Equal("3 sources left out to fit the model's context", cut.Find("[data-testid=answer-sources-left-out]").TextContent);
    }

    [Fact]
    public void AnswerSources_ASourceFromAScannedPage_SaysOcrWithItsConfidence_AndATextSourceDoesNot()
    {
        var answerId = Guid.NewGuid();
        var scanned = new StoredSource(1, 7, Guid.NewGuid(), 1, "Ferry scan", 2, 0, 20, "The ferry leaves at noon.", "U", Ocr: true, OcrConfidence: 0.91);
        var typed = new StoredSource(2, 8, Guid.NewGuid(), 1, "Harbor brief", 1, 0, 20, "Barges move on Tuesday.", "U");
        var reproducibility = new AxWorkbench.Core.Retrieval.AnswerReproducibility([], null, null, null, null, null, null, 256, "00");
        IReadOnlyDictionary<Guid, GroundedAnswerView> answers = new Dictionary<Guid, GroundedAnswerView>
        {
            [answerId] = new(answerId, [scanned, typed], [], false, reproducibility),
        };

        var cut = Render<AnswerSources>(p => p.Add(c => c.MessageId, answerId).AddCascadingValue(answers));

        var sources = cut.FindAll("[data-testid=answer-source]");
        Assert.Equal(2, sources.Count);
        var chip = Assert.Single(sources[0].QuerySelectorAll("[data-testid=source-ocr]"));
        Assert.Equal("OCR 91%", chip.TextContent.Trim());
        Assert.Empty(sources[1].QuerySelectorAll("[data-testid=source-ocr]"));
    }
}
