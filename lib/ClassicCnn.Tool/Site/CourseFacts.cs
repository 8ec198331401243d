using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace ClassicCnn.Tool.Site;

/// <summary>One section heading of the article the series follows, as a notebook numbers it ("1.1") with its name.</summary>
public sealed record ArticleSection(string Number, string Name);

/// <summary>
/// What the course table and a page's note say about one executed notebook, all read from the notebook itself: its
/// title and headings, how long the headless run took (the runner's cell times), the test accuracies its cells
/// printed, and the profile and machine tables the library displays.
/// </summary>
public sealed partial record CourseFacts(
    string Title,
    string Lead,
    IReadOnlyList<string> Topics,
    IReadOnlyList<ArticleSection> ArticleSections,
    TimeSpan? Duration,
    DateTimeOffset? ExecutedAt,
    IReadOnlyList<(string Model, string Accuracy)> Accuracies,
    string? Profile,
    IReadOnlyDictionary<string, string> Machine)
{
    /// <summary>
    /// The part of the article "初识CNN04——经典网络认识" each notebook follows, by file name (the same in every edition).
    /// Its subsections come from the notebooks' own numbered headings.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ArticlePart = new Dictionary<string, string>
    {
        ["01-lenet5"] = "一、LeNet-5",
        ["02-alexnet"] = "二、AlexNet",
        ["03-vgg"] = "三、VGGNet",
        ["04-compare"] = "总结",
    };

    /// <summary>
    /// Rows by which the library's tables are found whatever a notebook's caption says: the machine table
    /// (TorchRuntime.Describe, shown by 00-setup) and the training profile table (TrainingProfile).
    /// </summary>
    const string MachineRow = "CPU threads (libtorch)";
    /// <summary>TrainingProfile.Describe's first row in each display language.</summary>
    static readonly string[] ProfileRows = ["profile", "配置"];

    public static CourseFacts Of(Notebook notebook)
    {
        var markdown = notebook.Cells.OfType<MarkdownCell>().Select(c => c.Source).ToList();
        var headings = markdown.SelectMany(s => s.Split('\n')).Select(l => l.TrimEnd()).ToList();
        string title = headings.Select(l => H1().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value.Trim()
            ?? Path.GetFileNameWithoutExtension(notebook.Path);
        // The first paragraph under the title, in Markdown.
        string lead = string.Join('\n', (markdown.FirstOrDefault() ?? "").Split('\n')
            .SkipWhile(l => l.TrimStart().StartsWith('#') || l.Trim().Length == 0).TakeWhile(l => l.Trim().Length > 0));
        var h2 = headings.Select(l => H2().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value.Trim()).ToList();

        var sections = new List<ArticleSection>();
        var topics = new List<string>();
        foreach (var heading in h2)
        {
            var numbered = Numbered().Match(heading);
            // "1.1 Overall structure (模型整体结构)": the number and the article's own name in brackets, or the rest.
            string text = numbered.Success ? numbered.Groups[2].Value : heading;
            var bracket = Bracketed().Match(text);
            if (numbered.Success)
                sections.Add(new ArticleSection(numbered.Groups[1].Value, bracket.Success ? bracket.Groups[2].Value : text));
            string topic = bracket.Success ? bracket.Groups[1].Value.Trim() : text.Trim();
            if (!ClosingHeading().IsMatch(topic)) topics.Add(topic);
        }

        var started = notebook.CodeCells.Select(c => c.Started).Where(t => t.HasValue).Select(t => t!.Value).ToList();
        var ended = notebook.CodeCells.Select(c => c.Ended).Where(t => t.HasValue).Select(t => t!.Value).ToList();
        TimeSpan? duration = started.Count > 0 && ended.Count > 0 ? ended.Max() - started.Min() : null;

        var outputs = notebook.CodeCells.SelectMany(c => c.Outputs).ToList();
        var accuracies = outputs.Where(o => o.Kind == "stream" && o.StreamName == "stdout")
            .SelectMany(o => o.Text.Split('\n'))
            .Select(l => AccuracyLine().Match(l.Trim()))
            .Where(m => m.Success)
            .Select(m => (m.Groups["model"].Value.Trim(), m.Groups["value"].Value + " %"))
            .ToList();
        string? profile = ProfileRows.Select(row => TableRows(outputs, row).GetValueOrDefault(row)).FirstOrDefault(p => p is not null);
        return new CourseFacts(title, lead, topics, sections, duration, started.Count > 0 ? started.Min() : null, accuracies,
            profile, TableRows(outputs, MachineRow));
    }

    /// <summary>
    /// The rows, first column to second, of the first two-column HTML table (NotebookHtml.Table) that has a row named
    /// <paramref name="row"/>; empty when no output holds one.
    /// </summary>
    static Dictionary<string, string> TableRows(IEnumerable<CellOutput> outputs, string row)
    {
        string marker = $"<tr><td>{WebUtility.HtmlEncode(row)}</td>";
        foreach (var html in outputs.Select(o => o.Data.GetValueOrDefault("text/html")).OfType<string>())
        {
            int at = html.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0) continue;
            int start = html.LastIndexOf("<table", at, StringComparison.Ordinal);
            int end = html.IndexOf("</table>", at, StringComparison.Ordinal);
            string table = html[Math.Max(start, 0)..(end < 0 ? html.Length : end)];
            var rows = new Dictionary<string, string>();
            foreach (Match match in TwoCellRow().Matches(table))
                rows.TryAdd(WebUtility.HtmlDecode(match.Groups[1].Value), WebUtility.HtmlDecode(match.Groups[2].Value));
            return rows;
        }
        return [];
    }

    /// <summary>"1 min 23 s", "45 s", or "-" when the notebook carries no cell times.</summary>
    public static string FormatDuration(TimeSpan? duration) => duration switch
    {
        null => "-",
        { TotalSeconds: < 60 } d => $"{d.TotalSeconds:0} s",
        var d => $"{(int)d.Value.TotalMinutes} min {d.Value.Seconds} s",
    };

    public static string FormatDate(DateTimeOffset? time) =>
        time is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "-";

    [GeneratedRegex(@"^#\s+(.+)$")]
    private static partial Regex H1();

    [GeneratedRegex(@"^##\s+(.+)$")]
    private static partial Regex H2();

    [GeneratedRegex(@"^(\d+\.\d+)\s+(.+)$")]
    private static partial Regex Numbered();

    [GeneratedRegex(@"^(.*?)\s*[(（]([^()（）]+)[)）]\s*$")]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"^(Summary|Recap|总结|小结|回顾)$", RegexOptions.IgnoreCase)]
    private static partial Regex ClosingHeading();

    /// <summary>The line the series prints after training a model, e.g. "LeNet-5: test accuracy 96.86 % after 12 epochs".</summary>
    [GeneratedRegex(@"^(?<model>[^:\n]{1,60}):\s*test accuracy\s+(?<value>\d+(?:\.\d+)?)\s?%")]
    private static partial Regex AccuracyLine();

    [GeneratedRegex(@"<tr><td>(.*?)</td><td>(.*?)</td></tr>")]
    private static partial Regex TwoCellRow();
}
