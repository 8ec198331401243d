using Microsoft.FSharp.Core;
using Plotly.NET;

namespace ClassicCnn.Notebooks;

/// <summary>A library value that knows how to show itself as HTML in a notebook (summaries, tables).</summary>
public interface IHtmlRenderable
{
    string ToHtml();
}

/// <summary>How notebook outputs are rendered to HTML; the kernel extension routes charts and library values here.</summary>
public static class NotebookHtml
{
    /// <summary>Set to "embed" (or "offline") to put plotly.js inside every chart instead of loading it from a CDN.</summary>
    public const string ChartsVariable = "CLASSICCNN_CHARTS";

    public static bool EmbedPlotlyJs =>
        Environment.GetEnvironmentVariable(ChartsVariable)?.Trim().ToLowerInvariant() is "embed" or "offline";

    public static string Chart(GenericChart chart) =>
        GenericChart.toChartHTML(EmbedPlotlyJs ? Embedded(chart) : chart);

    static GenericChart Embedded(GenericChart chart) =>
        GenericChart.setDisplayOptions(
            DisplayOptions.init(null, null, null, null, null, null, FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full)), chart);

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
