using System.Text.RegularExpressions;
using Plotly.NET;

namespace ClassicCnn.Notebooks;

/// <summary>A library value that knows how to show itself as HTML in a notebook (summaries, tables).</summary>
public interface IHtmlRenderable
{
    string ToHtml();
}

/// <summary>How notebook outputs are rendered to HTML; the kernel extension routes charts and library values here.</summary>
public static partial class NotebookHtml
{
    /// <summary>Set to "embed" (or "offline") to put plotly.js inside every chart instead of loading it from a CDN.</summary>
    public const string ChartsVariable = "CLASSICCNN_CHARTS";

    const string PlotlyResource = "Plotly.NET.plotly-2.28.0.min.js";
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.28.0.min.js";

    public static bool EmbedPlotlyJs =>
        Environment.GetEnvironmentVariable(ChartsVariable)?.Trim().ToLowerInvariant() is "embed" or "offline";

    /// <summary>plotly.js as Plotly.NET ships it (about 3.5 MB), for offline pages and PNG export.</summary>
    public static string PlotlyJs
    {
        get
        {
            using var stream = typeof(GenericChart).Assembly.GetManifestResourceStream(PlotlyResource)
                ?? throw new InvalidOperationException($"Plotly.NET no longer carries {PlotlyResource}; update NotebookHtml.PlotlyResource to the version it ships.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>
    /// A chart as notebook HTML. Plotly.NET's chart HTML assumes plotly.js is already on the page; this version loads it
    /// from the CDN when the page lacks it, or carries it inline when charts must work offline (<see cref="ChartsVariable"/>).
    /// </summary>
    public static string Chart(GenericChart chart, bool? embed = null)
    {
        string html = GenericChart.toChartHTML(chart);
        var call = RenderCall().Match(html);
        if (!call.Success) return html;
        string render = call.Groups[1].Value;
        string loader = (embed ?? EmbedPlotlyJs)
            ? $"{render}();"
            : $"if (window.Plotly) {{ {render}(); }} else {{ var s = document.createElement('script'); s.src = '{PlotlyCdn}'; s.onload = {render}; document.head.appendChild(s); }}";
        html = html[..call.Index] + loader + html[(call.Index + call.Groups[1].Length + 3)..];
        return (embed ?? EmbedPlotlyJs) ? $"<script type=\"text/javascript\">{PlotlyJs}</script>{html}" : html;
    }

    [GeneratedRegex(@"(renderPlotly_\w+)\(\);")]
    private static partial Regex RenderCall();

    public static string Encode(string text) => System.Net.WebUtility.HtmlEncode(text);

    /// <summary>A plain HTML table; the first row is the header.</summary>
    public static string Table(IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        var all = rows.ToList();
        var html = new System.Text.StringBuilder("<table>");
        if (caption is not null) html.Append($"<caption>{Encode(caption)}</caption>");
        for (int r = 0; r < all.Count; r++)
        {
            string tag = r == 0 ? "th" : "td";
            html.Append("<tr>");
            foreach (var cell in all[r]) html.Append($"<{tag}>{Encode(cell)}</{tag}>");
            html.Append("</tr>");
        }
        return html.Append("</table>").ToString();
    }
}
