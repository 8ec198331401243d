using ClassicCnn.Platform;

namespace ClassicCnn.Notebooks;

/// <summary>
/// The language of what the library draws itself (chart titles and axes, table headers): English, or Chinese for the
/// Chinese edition of the series. Chosen by CLASSICCNN_LANG (en or zh-CN), which `run --lang zh-CN` sets for the
/// kernels; text a notebook's own code passes in stays as written, so both editions run the same code.
/// </summary>
internal static class DisplayLanguage
{
    public static bool Chinese => Parse(Environment.GetEnvironmentVariable(EnvironmentVariables.Language)) == "zh-CN";

    /// <summary>The English or the Chinese text, by the current language.</summary>
    public static string Text(string english, string chinese) => Chinese ? chinese : english;

    internal static string Parse(string? value) => value?.Trim() switch
    {
        null or "" or "en" => "en",
        "zh-CN" or "zh" or "zh-Hans" => "zh-CN",
        var other => throw new ArgumentException($"{EnvironmentVariables.Language} is '{other}': use en or zh-CN.", EnvironmentVariables.Language),
    };
}
