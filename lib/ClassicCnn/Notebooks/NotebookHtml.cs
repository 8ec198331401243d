using System.Text.RegularExpressions;
using ClassicCnn.Platform;
using Plotly.NET;

namespace ClassicCnn.Notebooks;

/// <summary>A library value that knows how to show itself as HTML in a notebook (summaries, tables).</summary>
public interface IHtmlRenderable
{
    string ToHtml();
}

/// <summary>How notebook outputs are rendered to HTML; the kernel extension routes charts and library values here.</summary>
internal static partial class NotebookHtml
{
    const string PlotlyResource = "Plotly.NET.plotly-2.28.0.min.js";
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.28.0.min.js";
    const string PlotlyCdnHost = "cdn.plot.ly";

    /// <summary>Whether the CDN answered, asked once per process (a TCP connection within two seconds).</summary>
    static readonly Lazy<bool> cdnReachable = new(() => CanConnect(PlotlyCdnHost, 443, TimeSpan.FromSeconds(2)));

    /// <summary>
    /// Where charts get plotly.js (<see cref="EnvironmentVariables.Charts"/>): "cdn" (load it from the CDN when the page
    /// lacks it), "embed" (every chart carries it, about 3.5 MB, so charts draw with no network) or "auto", the default:
    /// embed when the CDN cannot be reached.
    /// </summary>
    public static bool EmbedPlotlyJs => ShouldEmbed(Environment.GetEnvironmentVariable(EnvironmentVariables.Charts), () => cdnReachable.Value);

    /// <summary>The decision behind <see cref="EmbedPlotlyJs"/>, with the network probe passed in so tests can pose as offline.</summary>
    public static bool ShouldEmbed(string? setting, Func<bool> cdnIsReachable) =>
        setting?.Trim().ToLowerInvariant() switch
        {
            "embed" or "offline" => true,
            "cdn" or "online" => false,
            null or "" or "auto" => !cdnIsReachable(),
            var other => throw new ArgumentException(
                $"{EnvironmentVariables.Charts}='{other}' is not a chart setting; use auto (the default), embed or cdn.", EnvironmentVariables.Charts),
        };

    /// <summary>True when a TCP connection to host:port opens within the timeout; false on any failure (no DNS, refused, timed out).</summary>
    public static bool CanConnect(string host, int port, TimeSpan timeout)
    {
        try
        {
            using var client = new System.Net.Sockets.TcpClient();
            return client.ConnectAsync(host, port).Wait(timeout) && client.Connected;
        }
        catch (Exception e) when (e is AggregateException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

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
    /// from the CDN when the page lacks it, or carries it inline when charts must work offline (<see cref="EnvironmentVariables.Charts"/>,
    /// decided once per chart so a notebook's outputs stay self-consistent).
    /// </summary>
    public static string Chart(GenericChart chart, bool? embed = null)
    {
        string html = GenericChart.toChartHTML(chart);
        var call = RenderCall().Match(html);
        if (!call.Success) return html;
        string render = call.Groups[1].Value;
        bool inline = embed ?? EmbedPlotlyJs;
        string loader = inline
            ? $"{render}();"
            : $"if (window.Plotly) {{ {render}(); }} else {{ var s = document.createElement('script'); s.src = '{PlotlyCdn}'; s.onload = {render}; document.head.appendChild(s); }}";
        html = html[..call.Index] + loader + html[(call.Index + call.Groups[1].Length + 3)..];
        return inline ? $"<script type=\"text/javascript\">{PlotlyJs}</script>{html}" : html;
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
