using System.Text.RegularExpressions;

namespace AxWorkbench.Core.Markings;

/// <summary>
/// Korean markings: 일반, 대외비, Ⅲ급비밀, Ⅱ급비밀, Ⅰ급비밀; portions (일반), (대외비), (Ⅲ급), (Ⅱ급), (Ⅰ급).
/// Grades may be written Ⅰ/Ⅱ/Ⅲ, I/II/III or 1/2/3, with any spacing, with or without 비밀, and with the
/// military prefix 군사 (군사Ⅱ급비밀 is Ⅱ급비밀). 평문 and UNCLASSIFIED are read as 일반.
/// </summary>
internal sealed partial class RokMarkingScheme : MarkingScheme
{
    public override MarkingSchemeKind Kind => MarkingSchemeKind.Rok;

    protected override string HomeCountry => "KOR";

    public override string LevelName(ClassificationLevel level) => level switch
    {
        ClassificationLevel.Unclassified => "일반",
        ClassificationLevel.Controlled => "대외비",
        ClassificationLevel.Confidential => "Ⅲ급비밀",
        ClassificationLevel.Secret => "Ⅱ급비밀",
        ClassificationLevel.TopSecret => "Ⅰ급비밀",
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Unknown classification level."),
    };

    protected override string PortionLevelName(ClassificationLevel level) => level switch
    {
        ClassificationLevel.Confidential => "Ⅲ급",
        ClassificationLevel.Secret => "Ⅱ급",
        ClassificationLevel.TopSecret => "Ⅰ급",
        _ => LevelName(level),
    };

    /// <summary>The text arrives NFKC-normalized, so Ⅱ is already "II" and full-width digits are ASCII.</summary>
    protected override (ClassificationLevel? Level, string? Reason) ParseLevel(string text)
    {
        var compact = ControlMarkings.Spaces().Replace(text, "").ToUpperInvariant();
        switch (compact)
        {
            case "일반" or "평문" or "UNCLASSIFIED":
                return (ClassificationLevel.Unclassified, null);
            case "대외비" or "군사대외비":
                return (ClassificationLevel.Controlled, null);
        }

        var graded = GradePattern().Match(compact);
        if (!graded.Success)
        {
            return (null, null);
        }

        return graded.Groups["grade"].Value switch
        {
            "I" or "1" => (ClassificationLevel.TopSecret, null),
            "II" or "2" => (ClassificationLevel.Secret, null),
            "III" or "3" => (ClassificationLevel.Confidential, null),
            var grade => (null, $"'{grade}급' is not a grade: secrets are graded Ⅰ, Ⅱ or Ⅲ"),
        };
    }

    [GeneratedRegex("^(?:군사)?(?<grade>[^급]+)급(?:비밀)?$", RegexOptions.CultureInvariant)]
    private static partial Regex GradePattern();
}
