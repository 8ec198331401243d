using ClassicCnn.Platform;

namespace ClassicCnn.Notebooks;

/// <summary>An output that can be redrawn in place (a notebook display handle).</summary>
internal interface IDisplayHandle
{
    void Update(object value);
}

/// <summary>
/// Shows values that change while a cell runs (training curves, progress lines). The kernel extension plugs in the
/// notebook's display handles; elsewhere (console, tests, file-based apps) <see cref="InNotebook"/> is false and the
/// progress reporters print instead.
/// </summary>
internal static class LiveDisplay
{
    /// <summary>Set by the .NET Interactive kernel extension: shows a value and returns its handle.</summary>
    public static Func<object, IDisplayHandle>? Factory { get; set; }

    public static bool InNotebook => Factory is not null;

    /// <summary>
    /// Set (CLASSICCNN_HEADLESS=1) when notebooks run without a person watching, as in CI: a headless runner keeps every
    /// redraw as a separate output, so progress is then drawn once per epoch and the chart once at the end.
    /// </summary>
    public static bool Headless => Environment.GetEnvironmentVariable(EnvironmentVariables.Headless) == "1";

    public static IDisplayHandle? Show(object value) => Factory?.Invoke(value);
}
