using System.Text;
using System.Text.RegularExpressions;

namespace ClassicCnn.Tool;

/// <summary>The chart outputs of executed notebooks, as the website and the figure export put them on their pages.</summary>
internal static partial class ChartHtml
{
    /// <summary>The class of the library's image grids (ClassicCnn.Plots.ImageGrid), which are figures too.</summary>
    const string ImageGridMarker = "classiccnn-image-grid";

    /// <summary>Whether a notebook's HTML output is a Plotly chart (it draws itself with Plotly.newPlot).</summary>
    public static bool IsPlotlyChart(string html) => html.Contains("Plotly.newPlot", StringComparison.Ordinal);

    /// <summary>Whether a notebook's HTML output is one of the library's image grids.</summary>
    public static bool IsImageGrid(string html) => html.Contains(ImageGridMarker, StringComparison.Ordinal);

    /// <summary>
    /// A chart that carries plotly.js itself (the notebooks embed it when the kernel had no network) without that copy,
    /// for a page that loads plotly.js once for all its charts. The chart's own drawing script stays.
    /// </summary>
    public static string WithoutPlotlyLibrary(string html)
    {
        var kept = new StringBuilder();
        int from = 0;
        while (true)
        {
            int open = html.IndexOf("<script", from, StringComparison.OrdinalIgnoreCase);
            if (open < 0) break;
            int body = html.IndexOf('>', open) + 1;
            int close = html.IndexOf("</script>", body, StringComparison.OrdinalIgnoreCase);
            if (body <= 0 || close < 0) break;
            var content = html.AsSpan(body, close - body);
            // plotly.js opens with its banner; its body is no test (it mentions Plotly.newPlot in an error message).
            bool library = PlotlyBanner().IsMatch(content);
            kept.Append(html, from, open - from);
            if (!library) kept.Append(html, open, close + "</script>".Length - open);
            from = close + "</script>".Length;
        }
        return kept.Append(html, from, html.Length - from).ToString();
    }

    [GeneratedRegex(@"^\s*/\*\*\s*\*\s*plotly\.js v")]
    private static partial Regex PlotlyBanner();
}
