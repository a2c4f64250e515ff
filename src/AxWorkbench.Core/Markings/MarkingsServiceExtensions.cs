using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AxWorkbench.Core.Markings;

/// <summary>Which marking scheme the site uses.</summary>
public sealed class MarkingOptions
{
    public const string SectionName = "Markings";

    /// <summary>"Us" (U, CUI, C, S, TS) or "Rok" (일반, 대외비, Ⅲ급, Ⅱ급, Ⅰ급 비밀).</summary>
    public MarkingSchemeKind Scheme { get; set; } = MarkingSchemeKind.Us;
}

public static class MarkingsServiceExtensions
{
    public static IHostApplicationBuilder AddMarkings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<MarkingOptions>()
            .Bind(builder.Configuration.GetSection(MarkingOptions.SectionName))
            .Validate(o => Enum.IsDefined(o.Scheme), "Markings:Scheme must be 'Us' or 'Rok'.");
        builder.Services.AddSingleton(sp => MarkingSchemes.For(sp.GetRequiredService<IOptions<MarkingOptions>>().Value.Scheme));
        return builder;
    }
}
