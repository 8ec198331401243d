using ClassicCnn.Tool;
using static ClassicCnn.NotebookTests.ExecutedNotebookFixture;

namespace ClassicCnn.NotebookTests;

/// <summary>The figure export's pages (the PNGs are photographed from the same chart HTML).</summary>
public class FigureExportTests
{
    [Fact]
    public void Each_exported_figure_page_carries_plotly_js_once_whether_or_not_its_chart_embedded_it()
    {
        using var temp = new TempFolder();
        string executed = temp.File("executed");
        Write(Path.Combine(executed, "01-lesson.ipynb"),
            Markdown("# 01 · A lesson"),
            Code("Chart()", TimeSpan.Zero, TimeSpan.FromSeconds(1), Chart("embedded", embedsLibrary: true), Chart("fromcdn")));

        var pages = FigureExport.Export(executed, temp.File("figures"), _ => { }).Where(f => f.EndsWith(".html")).ToList();

        Assert.Equal(2, pages.Count);
        foreach (var page in pages)
        {
            string html = File.ReadAllText(page);
            Assert.Equal(1, html.Split("* plotly.js v").Length - 1); // the page's own copy, in its head
            Assert.DoesNotContain("notTheLibrary", html);           // the stand-in library the first chart embedded
            Assert.Contains("Plotly.newPlot(", html);                // each chart's drawing script stays
        }
    }
}
