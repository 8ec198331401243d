using ClassicCnn.Notebooks;
using ClassicCnn.Tool;
using static ClassicCnn.NotebookTests.ExecutedNotebookFixture;

namespace ClassicCnn.NotebookTests;

/// <summary>The pages of the figure export: the standalone HTML of each figure and the page its PNG is photographed from.</summary>
public class FigureExportTests
{
    static int Count(string text, string part) => text.Split(part).Length - 1;

    public static TheoryData<string, string> Charts => new()
    {
        // As NotebookHtml.Chart writes a chart for a kernel without network: plotly.js itself in front of the chart.
        { "embedded", $"<script type=\"text/javascript\">{NotebookHtml.PlotlyJs}</script>{HtmlOf(Chart("embedded"))}" },
        { "standin", HtmlOf(Chart("standin", embedsLibrary: true)) },
        { "fromcdn", HtmlOf(Chart("fromcdn")) },
    };

    [Theory]
    [MemberData(nameof(Charts))]
    public void A_figures_pages_carry_plotly_js_once_whether_or_not_its_chart_embedded_it(string id, string chart)
    {
        string plotly = NotebookHtml.PlotlyJs;
        foreach (var page in new[] { FigureExport.FigurePage(plotly, chart), FigureExport.PicturePage(plotly, chart) })
        {
            Assert.Equal(1, Count(page, "* plotly.js v")); // the page's own copy, in its head
            Assert.Equal(1, Count(page, plotly));
            Assert.DoesNotContain("notTheLibrary", page);  // the stand-in library a chart embedded
            Assert.Contains($"Plotly.newPlot('{id}'", page); // the chart's drawing script stays
        }
    }

    [Fact]
    public void An_image_grids_pages_carry_no_plotly_js()
    {
        string grid = "<div class=\"classiccnn-image-grid\" data-width=\"120\" data-height=\"60\"><img alt=\"digit\" src=\"data:image/png;base64,iVBORw0KGgo=\"></div>";
        foreach (var page in new[] { FigureExport.FigurePage(NotebookHtml.PlotlyJs, grid), FigureExport.PicturePage(NotebookHtml.PlotlyJs, grid) })
        {
            Assert.Equal(0, Count(page, "plotly.js v"));
            Assert.Contains(grid, page);
        }
    }
}
