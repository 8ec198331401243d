using System.Text.RegularExpressions;
using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

/// <summary>
/// Exports every Plotly chart of the executed notebooks as a PNG: each chart's HTML output is put on a page with
/// plotly.js inlined (no network needed) and photographed by headless Chromium.
/// </summary>
public static partial class FigureExport
{
    /// <summary>A Chromium-family browser: CLASSICCNN_CHROMIUM, else one on the PATH, else one where its installer puts it.</summary>
    public static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariables.Chromium) is { Length: > 0 } configured) return configured;
        string[] names = OperatingSystem.IsWindows() ? ["chrome.exe", "msedge.exe"] : ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return folders.SelectMany(f => names.Select(n => Path.Combine(f, n))).Concat(InstalledBrowsers()).FirstOrDefault(File.Exists);
    }

    /// <summary>Where Chrome, Edge and Chromium install themselves on Windows and macOS (neither puts them on the PATH).</summary>
    static IEnumerable<string> InstalledBrowsers()
    {
        if (OperatingSystem.IsWindows())
        {
            var roots = new[] { Environment.SpecialFolder.ProgramFiles, Environment.SpecialFolder.ProgramFilesX86, Environment.SpecialFolder.LocalApplicationData }
                .Select(Environment.GetFolderPath).Where(r => r.Length > 0);
            return roots.SelectMany(r => new[] { Path.Combine(r, "Google", "Chrome", "Application", "chrome.exe"), Path.Combine(r, "Microsoft", "Edge", "Application", "msedge.exe") });
        }
        if (OperatingSystem.IsMacOS())
            return ["/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Applications/Chromium.app/Contents/MacOS/Chromium",
                    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge"];
        return [];
    }

    static string InstallHint => OperatingSystem.IsLinux()
        ? "install one (Debian/Ubuntu: sudo apt-get install chromium)"
        : "install Google Chrome or Microsoft Edge";

    /// <summary>The figures README shows, found by their titles among the exported PNGs and copied to .github/readme/.</summary>
    public static readonly IReadOnlyList<(string Title, string File)> ReadmeFigures =
    [
        ("Table I: which S2 maps", "lenet5-c3-table.png"),
        ("LeNet (ReLU, Max pooling)", "lenet-training.png"),
        ("AlexNet (paper): parameters and compute per layer", "alexnet-parameters.png"),
        ("VGG configurations: parameters barely grow", "vgg-configurations.png"),
    ];

    /// <summary>Copies the PNG of each chart of <see cref="ReadmeFigures"/> from the export into <paramref name="readmeFolder"/>.</summary>
    public static IReadOnlyList<string> CopyReadmeFigures(string figuresFolder, string readmeFolder)
    {
        Directory.CreateDirectory(readmeFolder);
        var copied = new List<string>();
        var pages = Directory.EnumerateFiles(figuresFolder, "*.html").Order(StringComparer.Ordinal).ToList();
        foreach (var (title, file) in ReadmeFigures)
        {
            string? page = pages.LastOrDefault(p => File.Exists(Path.ChangeExtension(p, ".png")) && File.ReadAllText(p).Contains($"\"title\":{{\"text\":\"{title}"));
            if (page is null) continue;
            File.Copy(Path.ChangeExtension(page, ".png"), Path.Combine(readmeFolder, file), overwrite: true);
            copied.Add(Path.Combine(readmeFolder, file));
        }
        return copied;
    }

    /// <summary>
    /// Writes NOTEBOOK-cellNN-K.html (a standalone page that works offline) for every chart, and a .png beside it when
    /// Chromium is available; returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Export(string executedFolder, string outputFolder, Action<string> log)
    {
        string? chromium = FindChromium();
        if (chromium is null)
            log($"No Chromium, Chrome or Edge found, so the figures are written as HTML only. For PNGs {InstallHint}, or set {EnvironmentVariables.Chromium} to its path.");
        if (!Directory.Exists(executedFolder))
            throw new DirectoryNotFoundException($"{executedFolder} does not exist: run the notebooks first (dotnet run --project lib/ClassicCnn.Tool -- run).");
        Directory.CreateDirectory(outputFolder);
        // An earlier export's figures go first: cells renumbered since would leave figures of cells that are gone.
        foreach (var old in Directory.EnumerateFiles(outputFolder).Where(f => FigureFile().IsMatch(Path.GetFileName(f))))
            File.Delete(old);
        string plotly = ClassicCnn.Notebooks.NotebookHtml.PlotlyJs;
        var written = new List<string>();
        // Inside the output folder, not the system's temp folder: a browser installed as a snap cannot read the latter.
        string work = Path.Combine(outputFolder, $".work-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            foreach (var path in Directory.EnumerateFiles(executedFolder, "*.ipynb").Order(StringComparer.Ordinal))
            {
                var notebook = Notebook.Load(path);
                string name = Path.GetFileNameWithoutExtension(path);
                foreach (var cell in notebook.CodeCells)
                {
                    var charts = cell.Outputs.Where(o => o.MimeTypes.Contains("text/html") && (ChartHtml.IsPlotlyChart(o.Text) || ChartHtml.IsImageGrid(o.Text))).ToList();
                    for (int k = 0; k < charts.Count; k++)
                    {
                        string stem = Path.Combine(outputFolder, $"{name}-cell{cell.Number:00}-{k + 1}");
                        string page = stem + ".html";
                        ClassicCnn.Platform.AtomicFile.WriteAllText(page, FigurePage(plotly, charts[k].Text));
                        written.Add(page);
                        if (chromium is null) continue;
                        var (width, height) = SizeOf(charts[k].Text);
                        // The PNG is a picture, not an interactive chart: photographed without Plotly's mode bar.
                        string shot = Path.Combine(work, "figure.html");
                        File.WriteAllText(shot, PicturePage(plotly, charts[k].Text));
                        if (Render(chromium, shot, stem + ".png", width, height, work) is { } problem)
                        {
                            log($"warning: no PNG for {stem}.html: {problem}");
                            continue;
                        }
                        written.Add(stem + ".png");
                        log($"wrote {stem}.png");
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return written;
    }

    /// <summary>
    /// The page a PNG is taken from: the chart alone, with Plotly's mode bar hidden. A chart whose title is longer than
    /// the chart is redrawn as wide as the window, which <see cref="SizeOf"/> made wide enough for the title.
    /// </summary>
    public static string PicturePage(string plotly, string chart) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>.modebar-container{{display:none !important}}</style>{PlotlyScript(plotly, chart)}</head>" +
        $"<body style=\"margin:0;background:white\">{ChartHtml.WithoutPlotlyLibrary(chart)}{FitTitle}</body></html>";

    /// <summary>The standalone page of one figure (NOTEBOOK-cellNN-K.html): the chart as the notebook drew it, working offline.</summary>
    public static string FigurePage(string plotly, string chart) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\">{PlotlyScript(plotly, chart)}</head>" +
        $"<body style=\"margin:0;background:white\">{ChartHtml.WithoutPlotlyLibrary(chart)}</body></html>";

    /// <summary>
    /// plotly.js for a figure's page, once: a chart that embeds its own copy loses it (parsing 3.5 MB of script takes
    /// Chromium a second or two), and an image grid needs none.
    /// </summary>
    static string PlotlyScript(string plotly, string chart) => ChartHtml.IsPlotlyChart(chart) ? $"<script>{plotly}</script>" : "";

    const string FitTitle = """
        <script>
        for (const chart of document.querySelectorAll('.js-plotly-plot')) {
          const title = chart.querySelector('.gtitle');
          if (!chart._fullLayout || !title) continue;
          const box = title.getBBox(), width = chart._fullLayout.width;
          if (box.x < 0 || box.x + box.width > width) Plotly.relayout(chart, { width: Math.max(width, window.innerWidth - 20) });
        }
        </script>
        """;

    /// <summary>Photographs <paramref name="page"/> into <paramref name="png"/>; what went wrong when it could not, else null.</summary>
    static string? Render(string chromium, string page, string png, int width, int height, string work)
    {
        string temp = png + ".tmp.png";
        var result = ChildProcess.Run(chromium,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(work, "profile")}", "--hide-scrollbars",
            "--virtual-time-budget=5000", $"--window-size={width},{height}", $"--screenshot={temp}", new Uri(page).AbsoluteUri,
        ], work, TimeSpan.FromMinutes(1));
        if (!File.Exists(temp))
            return $"{Path.GetFileName(chromium)} wrote no screenshot (exit code {result.ExitCode}{(result.TimedOut ? ", stopped after a minute" : "")}):\n{ChildProcess.Tail(result.Output, 10)}";
        File.Move(temp, png, overwrite: true);
        return null;
    }

    /// <summary>
    /// The chart's layout width and height when it sets them, else 800 x 500; wider where the title needs it (Plotly
    /// never wraps a title, and cuts it at the chart's edge).
    /// </summary>
    internal static (int Width, int Height) SizeOf(string html)
    {
        var grid = GridSize().Match(html);
        if (grid.Success) return (int.Parse(grid.Groups[1].Value) + 10, int.Parse(grid.Groups[2].Value) + 10);
        var width = Width().Match(html);
        var height = Height().Match(html);
        int chartWidth = width.Success ? int.Parse(width.Groups[1].Value) + 20 : 800;
        return (Math.Max(chartWidth, TitleWidth(html)), height.Success ? int.Parse(height.Groups[1].Value) + 20 : 500);
    }

    /// <summary>
    /// About the width a chart needs for its title: Plotly's 17 px title font, roughly 9.5 px a Latin character and 17
    /// px a Chinese one, starting 5% in from the left; 0 when the layout has no title.
    /// </summary>
    static int TitleWidth(string html)
    {
        int start = html.IndexOf("var layout = ", StringComparison.Ordinal);
        int end = start < 0 ? -1 : html.IndexOf('\n', start);
        if (end < 0) return 0;
        try
        {
            using var layout = System.Text.Json.JsonDocument.Parse(html[(start + "var layout = ".Length)..end].TrimEnd().TrimEnd(';'));
            if (!layout.RootElement.TryGetProperty("title", out var title) || !title.TryGetProperty("text", out var text) || text.GetString() is not { } words)
                return 0;
            double pixels = words.Sum(c => c >= '\u2E80' ? 17.0 : 9.5);
            return (int)Math.Ceiling((pixels + 40) / 0.95);
        }
        catch (System.Text.Json.JsonException)
        {
            return 0;
        }
    }

    /// <summary>The files an export writes: NOTEBOOK-cellNN-K.html and .png.</summary>
    [GeneratedRegex(@"^.+-cell\d+-\d+\.(html|png)$")]
    private static partial Regex FigureFile();

    [GeneratedRegex("data-width=\"(\\d+)\" data-height=\"(\\d+)\"")]
    private static partial Regex GridSize();

    [GeneratedRegex("\"width\":(\\d+)")]
    private static partial Regex Width();

    [GeneratedRegex("\"height\":(\\d+)")]
    private static partial Regex Height();
}
