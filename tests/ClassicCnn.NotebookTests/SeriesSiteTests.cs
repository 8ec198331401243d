using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;
using Xunit.Abstractions;

namespace ClassicCnn.NotebookTests;

/// <summary>
/// The course website of the real series: every notebook executed (once per test run, shared with the other series
/// tests), the site built, and every page opened in Chromium. Screenshots and a table of page sizes and load times
/// go to artifacts/site-screenshots/.
/// </summary>
[Collection(SeriesCollection.Name)]
public class SeriesSiteTests(SeriesFixture series, ITestOutputHelper output)
{
    [Fact]
    public async Task The_site_of_the_executed_series_loads_every_page_in_chromium_with_every_chart_drawn_and_every_link_resolving()
    {
        // Both editions, every notebook: the pages CI publishes.
        var editions = new List<EditionNotebooks>();
        foreach (var edition in Edition.All)
        {
            var executed = new List<string>();
            foreach (var notebook in series.Runner.SeriesNotebooks(edition))
            {
                var result = series.Run(notebook, edition);
                Assert.True(File.Exists(result.OutputPath), $"{result.Name} ({edition.Language}) left no executed notebook (log {result.LogPath}):\n{string.Join("\n", result.Failures)}");
                executed.Add(result.OutputPath);
            }
            editions.Add(new EditionNotebooks(edition, executed));
        }
        using var temp = new TempFolder();
        var build = CourseSite.Build(editions, temp.File("site"));

        Assert.Empty(build.Warnings);
        Assert.Empty(SiteCheck.Problems(build.Folder));
        Assert.Equal(editions.Sum(e => e.Executed.Count + 1), build.Pages.Count);
        Assert.Contains(build.Pages, p => p.Page == "zh-CN/02-alexnet.html");
        Assert.All(build.Pages, p => Assert.InRange(p.Bytes, 1, CourseSite.PageBudgetBytes));
        // The course table holds what the runs produced: every notebook's time, and LeNet-5's accuracy as printed.
        string index = File.ReadAllText(Path.Combine(build.Folder, "index.html"));
        Assert.Matches(@"<td><a href=""01-lenet5.html"">.*?</td><td class=""number"">\d+ (s|min \d+ s)</td><td>LeNet-5 \d+\.\d+ %", index);
        string chineseIndex = File.ReadAllText(Path.Combine(build.Folder, "zh-CN", "index.html"));
        Assert.Contains("以 quick 配置的无界面运行", chineseIndex);
        Assert.Contains("个核心中的", chineseIndex);

        if (SiteBrowser.Chromium is not { } chromium) { output.WriteLine(SiteBrowser.NoBrowser); return; }
        string screenshots = Path.Combine(series.Repository.Artifacts, "site-screenshots");
        if (Directory.Exists(screenshots)) Directory.Delete(screenshots, recursive: true);
        var visits = await SiteBrowser.VisitAll(build.Folder, chromium, screenshots);
        string report = SiteBrowser.Report(visits);
        File.WriteAllText(Path.Combine(screenshots, "pages.txt"), report + "\n");
        output.WriteLine(report);

        Assert.Equal(build.Pages.Count, visits.Count);
        Assert.All(visits, v => Assert.True(v.Problems.Count == 0, $"{v.Page}:\n  {string.Join("\n  ", v.Problems)}"));
        Assert.True(visits.Where(v => !v.Page.EndsWith("index.html", StringComparison.Ordinal)).All(v => v.Charts > 0), "every notebook of the series draws at least one chart");
        Assert.All(visits, v => Assert.True(File.Exists(Path.Combine(screenshots, v.Page.Replace('/', '_').Replace(".html", ".png"))), $"no screenshot of {v.Page}"));
        Assert.Contains(visits, v => v.Page == "zh-CN/02-alexnet.html");
    }
}
