using ClassicCnn.Platform;
using Plotly.NET;

namespace ClassicCnn.Notebooks;

/// <summary>
/// What `display` does in the file-based apps generated from the notebooks: text is printed, charts and HTML values
/// are written as pages (plotly.js inside, so they open offline) into the folder named by CLASSICCNN_APP_OUTPUT
/// (default: app-output/ under the current folder), and their paths printed.
/// </summary>
public static class FileAppDisplay
{
    static int counter;

    internal static string OutputFolder =>
        Environment.GetEnvironmentVariable(EnvironmentVariables.AppOutput) is { Length: > 0 } folder ? folder : Path.Combine(Environment.CurrentDirectory, "app-output");

    public static void Show(object? value)
    {
        switch (value)
        {
            case null:
                return;
            case GenericChart chart:
                Console.WriteLine($"[chart] {Write(NotebookHtml.Chart(chart, embed: true))}");
                break;
            case IHtmlRenderable html:
                Console.WriteLine(value.ToString());
                Write(html.ToHtml());
                break;
            default:
                Console.WriteLine(value);
                break;
        }
    }

    static string Write(string html)
    {
        Directory.CreateDirectory(OutputFolder);
        string path = Path.Combine(OutputFolder, $"output-{Interlocked.Increment(ref counter):000}.html");
        Platform.AtomicFile.WriteAllText(path, $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>{html}</body></html>");
        return path;
    }
}
