using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;
using Xunit.Abstractions;
using static ClassicCnn.NotebookTests.ExecutedNotebookFixture;

namespace ClassicCnn.NotebookTests;

/// <summary>
/// The browser check itself, on sites built from small notebooks: a whole site passes, and a broken chart, a broken
/// link and a broken image are each reported. Needs a Chromium-family browser; without one each test says so and passes.
/// </summary>
public class CourseSiteBrowserTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_browser_check_passes_a_whole_site_and_reports_a_broken_chart_link_and_image()
    {
        if (SiteBrowser.Chromium is not { } chromium) { output.WriteLine(SiteBrowser.NoBrowser); return; }
        using var temp = new TempFolder();
        string folder = temp.File("executed");
        var notebooks = new List<string>
        {
            Write(Path.Combine(folder, "00-setup.ipynb"),
                Markdown("# 00 · Setting up\n\nOn to [the lesson](01-lesson.ipynb)."),
                Code("Chart()", TimeSpan.Zero, TimeSpan.FromSeconds(1), Chart("goodchart", embedsLibrary: true))),
            Write(Path.Combine(folder, "01-lesson.ipynb"),
                Markdown("# 01 · A lesson with faults\n\nSee [the missing page](02-missing.html)."),
                Code("Chart()", TimeSpan.Zero, TimeSpan.FromSeconds(1),
                    Chart("goodtoo"),
                    Chart("brokenchart", data: """[{"type":"scatter","x":[1,2,3],"y":[2,1,"""),
                    Html("<div class=\"classiccnn-image-grid\"><img alt=\"gone\" src=\"data:image/png;base64,bm90IGEgcG5n\"></div>"))),
        };
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, notebooks)], temp.File("site"));

        var visits = await SiteBrowser.VisitAll(build.Folder, chromium);
        output.WriteLine(SiteBrowser.Report(visits));
        foreach (var visit in visits) foreach (var problem in visit.Problems) output.WriteLine($"{visit.Page}: {problem}");

        var good = visits.Where(v => v.Page != "01-lesson.html").ToList();
        Assert.All(good, v => Assert.Empty(v.Problems));
        Assert.Equal(1, good.Single(v => v.Page == "00-setup.html").Charts);

        var bad = visits.Single(v => v.Page == "01-lesson.html");
        Assert.Equal(2, bad.Charts);
        Assert.Contains(bad.Problems, p => p == "chart(s) 2 of 2 drew nothing (no svg.main-svg)");
        Assert.Contains(bad.Problems, p => p.StartsWith("script error: ") && p.Contains("SyntaxError", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(bad.Problems, p => p.StartsWith("link file://") && p.EndsWith("leads to no file (02-missing.html is missing)"));
        Assert.Contains(bad.Problems, p => p.StartsWith("image did not load: data:image/png;base64,bm90IGEgcG5n"));
    }

    [Fact]
    public async Task A_figure_photographed_for_its_png_shows_no_plotly_mode_bar()
    {
        if (SiteBrowser.Chromium is not { } chromium) { output.WriteLine(SiteBrowser.NoBrowser); return; }
        string chart = HtmlOf(Chart("figure"));
        var (picture, interactive) = await AskPictureAndChart<string>(chromium, chart,
            "() => { const bar = document.querySelector('.modebar-container'); return bar ? getComputedStyle(bar).display : 'absent'; }");
        Assert.DoesNotContain(interactive, new[] { "none", "absent" }); // the interactive chart keeps its tools
        Assert.Equal("none", picture);
    }

    [Fact]
    public async Task A_figure_photographed_for_its_png_is_as_wide_as_its_title_needs()
    {
        // Plotly never wraps a title and cuts it at the chart's edge: a 480 px chart with an 80-character title.
        string title = "VGG configurations: parameters barely grow with depth, compute does (and so on)";
        string chart = HtmlOf(Chart("figure")).Replace("\"title\":{\"text\":\"figure\"}", $"\"title\":{{\"text\":\"{title}\"}}");
        var (width, height) = FigureExport.SizeOf(chart);
        Assert.InRange(width, 80 * 9, 1400);
        Assert.Equal((500, 320), FigureExport.SizeOf(HtmlOf(Chart("short"))));

        if (SiteBrowser.Chromium is not { } chromium) { output.WriteLine(SiteBrowser.NoBrowser); return; }
        var (picture, interactive) = await AskPictureAndChart<bool>(chromium, chart,
            "() => { const chart = document.querySelector('.js-plotly-plot'); const box = chart.querySelector('.gtitle').getBBox(); return box.x >= 0 && box.x + box.width <= chart._fullLayout.width; }",
            new() { Width = width, Height = height });
        Assert.False(interactive); // the chart as the notebook drew it cuts its title
        Assert.True(picture);
    }

    /// <summary>
    /// One chart opened twice in Chromium, once as the PNG export photographs it and once as a notebook shows it, and
    /// <paramref name="script"/>'s answer on each once the chart has drawn.
    /// </summary>
    static async Task<(T Picture, T Interactive)> AskPictureAndChart<T>(string chromium, string chart, string script, Microsoft.Playwright.ViewportSize? viewport = null)
    {
        using var temp = new TempFolder();
        string picture = temp.File("picture.html"), interactive = temp.File("interactive.html");
        File.WriteAllText(picture, FigureExport.PicturePage(ClassicCnn.Notebooks.NotebookHtml.PlotlyJs, chart));
        File.WriteAllText(interactive, $"<!DOCTYPE html><html><head><script>{ClassicCnn.Notebooks.NotebookHtml.PlotlyJs}</script></head><body style=\"margin:0\">{chart}</body></html>");
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        async Task<T> Ask(string file)
        {
            var page = await browser.NewPageAsync(new() { ViewportSize = viewport ?? new() { Width = 1280, Height = 720 } });
            await page.GotoAsync(new Uri(file).AbsoluteUri);
            await page.WaitForSelectorAsync("svg.main-svg");
            return await page.EvaluateAsync<T>(script);
        }
        return (await Ask(picture), await Ask(interactive));
    }
}
