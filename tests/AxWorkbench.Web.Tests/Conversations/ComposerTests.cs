using AxWorkbench.Core.Conversations;
using AxWorkbench.Core.Markings;
using AxWorkbench.Web.Conversations;
using Microsoft.AspNetCore.Components.Web;

namespace AxWorkbench.Web.Tests.Conversations;

/// <summary>The composer: what it hands the page when the user sends, and when it refuses to send (observed through OnSend).</summary>
public sealed class ComposerTests : WorkbenchTestContext
{
    private static readonly UserAuthorization SecretNoforn = new(ClassificationLevel.Secret, new HashSet<string>(["NOFORN"]), "USA");

    private readonly List<(string Text, Marking Marking, SamplingRequest Sampling)> _sent = [];

    public ComposerTests()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", true));
    }

    private IRenderedComponent<Composer> RenderComposer(bool accept = true, bool busy = false, Marking? session = null) =>
        Render<Composer>(p => p
            .Add(c => c.Clearance, SecretNoforn)
            .Add(c => c.DefaultMarking, session ?? Marking.Unclassified)
            .Add(c => c.Busy, busy)
            .Add(c => c.OnSend, turn => { _sent.Add(turn); return Task.FromResult(accept); }));

    /// <summary>The input of a MudBlazor field, whichever element the test id lands on.</summary>
    private static AngleSharp.Dom.IElement Input(IRenderedComponent<Composer> cut, string testId) =>
        cut.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    [Fact]
    public void Send_HandsOverTheTextTheChosenMarkingAndTheSampling_ThenClearsTheBox()
    {
        var cut = RenderComposer(session: new Marking(ClassificationLevel.Confidential));

        cut.Find("[data-testid=chat-input]").Input("Convoy status?");
        Input(cut, "caveat-NOFORN").Change(true);
        Input(cut, "sampling-temperature").Change("0.3");
        Input(cut, "sampling-max-tokens").Change("64");
        cut.WaitForAssertion(() => Assert.Equal("(C//NF)", cut.Find("[data-testid=composer-marking]").TextContent), TimeSpan.FromSeconds(10));
        cut.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter" });

        cut.WaitForAssertion(() => Assert.Single(_sent), TimeSpan.FromSeconds(10));
        var turn = Assert.Single(_sent);
        Assert.Equal("Convoy status?", turn.Text);
        Assert.Equal(new Marking(ClassificationLevel.Confidential, ["NOFORN"]), turn.Marking);
        Assert.Equal(0.3f, turn.Sampling.Temperature);
        Assert.Equal(64, turn.Sampling.MaxTokens);
        Assert.Null(turn.Sampling.TopP);
        Assert.Equal("", cut.Find("[data-testid=chat-input]").GetAttribute("value") ?? "");
        Assert.Equal("(C//NF)", cut.Find("[data-testid=composer-marking]").TextContent);
    }

    [Fact]
    public void RefusedTurn_KeepsTheTextForAnotherTry()
    {
        var cut = RenderComposer(accept: false);

        cut.Find("[data-testid=chat-input]").Input("Too much to ask");
        cut.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter" });

        Assert.Single(_sent);
        Assert.Equal("Too much to ask", cut.Find("[data-testid=chat-input]").GetAttribute("value"));
    }

    [Fact]
    public void WhileAnAnswerGenerates_OrWithAnEmptyBox_NothingIsSent()
    {
        var busy = RenderComposer(busy: true);
        busy.Find("[data-testid=chat-input]").Input("Next question");
        Assert.True(busy.Find("[data-testid=send]").HasAttribute("disabled"));
        busy.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter" });

        var idle = RenderComposer();
        idle.Find("[data-testid=chat-input]").Input("   ");
        Assert.True(idle.Find("[data-testid=send]").HasAttribute("disabled"));
        idle.Find("[data-testid=chat-input]").KeyDown(new KeyboardEventArgs { Key = "Enter" });

        Assert.Empty(_sent);
    }

    [Fact]
    public void MarkingLevels_StopAtTheClearance_AndTheSessionMarkingIsTheDefault()
    {
        var cut = RenderComposer(session: new Marking(ClassificationLevel.Secret, ["NOFORN"]));

        Assert.Equal("(S//NF)", cut.Find("[data-testid=composer-marking]").TextContent);
        Assert.NotNull(cut.Find("[data-testid=caveat-NOFORN]"));
    }
}
