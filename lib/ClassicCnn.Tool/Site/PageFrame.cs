using System.Net;
using System.Text;

namespace ClassicCnn.Tool.Site;

/// <summary>
/// The frame around every page of one edition: head (style, and plotly.js where the page has charts), the header with
/// the way home and to the same page in the other editions, and the previous / next links.
/// </summary>
sealed class PageFrame(Edition edition, IReadOnlyList<(Edition Edition, IReadOnlySet<string> Names)> editions)
{
    static string E(string s) => WebUtility.HtmlEncode(s);

    public string Page(string name, string title, string note, string body, bool charts, (string File, string Title)? previous, (string File, string Title)? next)
    {
        var html = new StringBuilder();
        html.Append(Head($"{title} · {edition.Text.Course}", charts));
        html.Append(Header(name));
        html.Append("<main>");
        html.Append(Pager(previous, next));
        html.Append($"<p class=\"note\">{E(note)}</p>");
        html.Append(body);
        html.Append(Pager(previous, next));
        html.Append("</main>");
        if (charts) html.Append(FitCharts);
        html.Append(Footer());
        return html.ToString();
    }

    /// <summary>
    /// Charts keep the width the notebook gave them: up to 1,400 px, wider than the page's column on most screens, or
    /// Plotly.NET's 600 px, narrower than a long title. Once drawn, a chart is redrawn at the width its title needs,
    /// but never wider than its &lt;figure&gt; (the page's column), so its legend and title stay in view.
    /// </summary>
    const string FitCharts = """
        <script>
        window.addEventListener('load', () => {
          for (const chart of document.querySelectorAll('figure.chart .js-plotly-plot')) {
            const room = chart.closest('figure').clientWidth;
            if (!chart._fullLayout || room <= 0) continue;
            const current = chart._fullLayout.width;
            const title = chart.querySelector('.gtitle');
            const box = title ? title.getBBox() : null;
            // A title is placed relative to the width, so widen by its overhang on both sides.
            const overhang = box ? Math.max(0, -box.x, box.x + box.width - current) : 0;
            const width = Math.min(room, Math.max(current, Math.ceil(current + 2 * overhang + 20 * Math.sign(overhang))));
            if (width !== current) Plotly.relayout(chart, { width: width });
          }
        });
        </script>
        """;

    public string Index(string body, (string File, string Title)? first)
    {
        var html = new StringBuilder();
        html.Append(Head(edition.Text.Course, charts: false));
        html.Append(Header(null));
        html.Append("<main>").Append(body).Append(Pager(null, first)).Append("</main>");
        html.Append(Footer());
        return html.ToString();
    }

    string Head(string title, bool charts)
    {
        string root = edition.ToRoot;
        var html = new StringBuilder($"<!DOCTYPE html><html lang=\"{edition.Language}\"><head><meta charset=\"utf-8\">");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append($"<title>{E(title)}</title>");
        html.Append($"<link rel=\"stylesheet\" href=\"{root}{CourseSite.AssetsFolder}/{CourseSite.StyleFile}\">");
        // Loaded before the body so that every chart's own script finds Plotly and never reaches for the network.
        if (charts) html.Append($"<script src=\"{root}{CourseSite.AssetsFolder}/{CourseSite.PlotlyFile}\"></script>");
        return html.Append("</head><body>").ToString();
    }

    /// <param name="name">the notebook's file name without extension; null on the index.</param>
    string Header(string? name)
    {
        var html = new StringBuilder("<header class=\"site\">");
        html.Append($"<a class=\"home\" href=\"index.html\">{E(edition.Text.Course)}</a>");
        var others = editions.Where(e => e.Edition != edition).ToList();
        if (others.Count > 0)
        {
            html.Append($"<nav class=\"editions\">{E(edition.Text.Editions)}: ");
            html.AppendJoin(" ", others.Select(o =>
            {
                string file = name is not null && o.Names.Contains(name) ? name + ".html" : "index.html";
                return $"<a hreflang=\"{o.Edition.Language}\" lang=\"{o.Edition.Language}\" href=\"{edition.ToRoot}{o.Edition.SitePath(file)}\">{E(o.Edition.Label)}</a>";
            }));
            html.Append("</nav>");
        }
        return html.Append("</header>").ToString();
    }

    string Pager((string File, string Title)? previous, (string File, string Title)? next)
    {
        var html = new StringBuilder("<nav class=\"pager\">");
        html.Append(previous is { } p ? $"<a rel=\"prev\" href=\"{E(p.File)}\">← {E(edition.Text.Previous)}: {E(p.Title)}</a>" : "<span></span>");
        html.Append(next is { } n ? $"<a rel=\"next\" href=\"{E(n.File)}\">{E(edition.Text.Next)}: {E(n.Title)} →</a>" : "<span></span>");
        return html.Append("</nav>").ToString();
    }

    string Footer() => $"<footer><p>{edition.Text.BuiltBy}</p></footer></body></html>";
}
