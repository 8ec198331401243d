using System.Net;
using System.Text.RegularExpressions;

namespace ClassicCnn.Tool.Site;

/// <summary>
/// Checks a built site without a browser: every link and source inside it names a file of the site (and an id
/// on that page when it has a #fragment), nothing is loaded from the network, every chart's data and layout parse,
/// plotly.js is there once and in no page, and every page stays within <see cref="CourseSite.PageBudgetBytes"/>.
/// </summary>
public static partial class SiteCheck
{
    /// <summary>The problems found, each naming the page and what to fix; empty when the site is whole.</summary>
    public static IReadOnlyList<string> Problems(string siteFolder)
    {
        siteFolder = Path.GetFullPath(siteFolder);
        var problems = new List<string>();
        if (!File.Exists(Path.Combine(siteFolder, CourseSite.AssetsFolder, CourseSite.PlotlyFile)))
            problems.Add($"{siteFolder}: {CourseSite.AssetsFolder}/{CourseSite.PlotlyFile} is missing, so no chart can draw.");
        var ids = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> IdsOf(string page) => ids.TryGetValue(page, out var known) ? known
            : ids[page] = Id().Matches(File.ReadAllText(page)).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

        foreach (var page in Directory.EnumerateFiles(siteFolder, "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(siteFolder, page).Replace('\\', '/');
            string html = File.ReadAllText(page);
            long bytes = new FileInfo(page).Length;
            if (bytes > CourseSite.PageBudgetBytes)
                problems.Add($"{relative} is {bytes / 1048576.0:0.0} MB, over the {CourseSite.PageBudgetBytes / 1048576} MB a page may weigh: show fewer or smaller outputs in its notebook.");
            if (html.Contains("* plotly.js v", StringComparison.Ordinal))
                problems.Add($"{relative} carries its own copy of plotly.js: the site's pages must load {CourseSite.AssetsFolder}/{CourseSite.PlotlyFile}.");
            // Plotly.NET writes each chart's data and layout as JSON literals; one that does not parse draws nothing.
            int chart = 0;
            foreach (Match literal in ChartLiteral().Matches(html))
            {
                if (literal.Groups[1].Value == "data") chart++;
                try
                {
                    System.Text.Json.JsonDocument.Parse(literal.Groups[2].Value).Dispose();
                }
                catch (System.Text.Json.JsonException e)
                {
                    problems.Add($"{relative}: chart {chart}'s {literal.Groups[1].Value} is not valid JSON ({e.Message}), so it draws nothing: run its notebook again.");
                }
            }
            foreach (Match reference in Reference().Matches(html))
            {
                string attribute = reference.Groups[1].Value.ToLowerInvariant();
                string target = WebUtility.HtmlDecode(reference.Groups[2].Value);
                if (target.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)) continue;
                if (target.Contains("://") || target.StartsWith("//", StringComparison.Ordinal))
                {
                    if (attribute == "src") problems.Add($"{relative} loads {target} from the network: the site must work offline; serve it from the site.");
                    continue;
                }
                int hash = target.IndexOf('#');
                string path = Uri.UnescapeDataString((hash < 0 ? target : target[..hash]).Split('?')[0]);
                string fragment = hash < 0 ? "" : Uri.UnescapeDataString(target[(hash + 1)..]);
                string file = path.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, path));
                if (!file.StartsWith(siteFolder + Path.DirectorySeparatorChar, StringComparison.Ordinal) && file != siteFolder)
                    problems.Add($"{relative} links to {target}, outside the site.");
                else if (!File.Exists(file))
                    problems.Add($"{relative} links to {target}, which is not in the site ({Path.GetRelativePath(siteFolder, file)} does not exist).");
                else if (fragment.Length > 0 && file.EndsWith(".html", StringComparison.Ordinal) && !IdsOf(file).Contains(fragment))
                    problems.Add($"{relative} links to {target}, but {Path.GetRelativePath(siteFolder, file)} has no element with id \"{fragment}\".");
            }
        }
        return problems;
    }

    [GeneratedRegex("""<(?:a|link|script|img|iframe|source)\b[^>]*?\s(href|src)="([^"]*)""", RegexOptions.IgnoreCase)]
    private static partial Regex Reference();

    [GeneratedRegex(@"^\s*var (data|layout) = (.*);\s*$", RegexOptions.Multiline)]
    private static partial Regex ChartLiteral();

    [GeneratedRegex("""\sid="([^"]*)""")]
    private static partial Regex Id();
}
