using System.Text;

namespace ClassicCnn.Tool;

/// <summary>The chart outputs of executed notebooks, as the website and the figure export put them on their pages.</summary>
internal static class ChartHtml
{
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
            bool library = content.Length > 100_000 && !content.Contains("Plotly.newPlot", StringComparison.Ordinal)
                || content.TrimStart().StartsWith("/**\n* plotly.js v", StringComparison.Ordinal);
            kept.Append(html, from, open - from);
            if (!library) kept.Append(html, open, close + "</script>".Length - open);
            from = close + "</script>".Length;
        }
        return kept.Append(html, from, html.Length - from).ToString();
    }
}
