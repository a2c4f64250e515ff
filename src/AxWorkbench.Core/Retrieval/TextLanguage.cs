namespace AxWorkbench.Core.Retrieval;

/// <summary>A coarse language guess that is enough to decide whether an embedder can read a text: "ko" or "en".</summary>
public static class TextLanguage
{
    public const string Korean = "ko";
    public const string English = "en";

    public static string Detect(ReadOnlySpan<char> text)
    {
        int hangul = 0, latin = 0;
        foreach (var c in text)
        {
            if (c is >= '\uAC00' and <= '\uD7A3' or >= '\u1100' and <= '\u11FF' or >= '\u3130' and <= '\u318F')
            {
                hangul++;
            }
            else if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z')
            {
                latin++;
            }
        }

        // A Hangul syllable carries about three Latin letters' worth of text.
        return hangul * 3 >= latin && hangul > 0 ? Korean : English;
    }
}
