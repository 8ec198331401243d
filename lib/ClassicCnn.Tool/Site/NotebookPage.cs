using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ColorCode;
using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ClassicCnn.Tool.Site;

/// <summary>
/// The body of one notebook's page: Markdown cells rendered by Markdig (formulas as MathML, links between notebooks
/// pointed at their pages), code cells highlighted by ColorCode, and each output as the notebook showed it.
/// </summary>
sealed partial class NotebookPage(Notebook notebook, IReadOnlyCollection<string> seriesNames)
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    static readonly HtmlClassFormatter Highlighter = new();

    readonly List<string> warnings = [];
    string Name => Path.GetFileName(notebook.Path);

    /// <summary>Formulas the site could not render, each naming the notebook and cell.</summary>
    public IReadOnlyList<string> Warnings => warnings;
    public bool HasCharts { get; private set; }

    public string Render()
    {
        var html = new StringBuilder("<article class=\"notebook\">");
        foreach (var cell in notebook.Cells)
        {
            if (cell is MarkdownCell markdown)
                html.Append($"<section class=\"prose\" id=\"cell-{cell.Number}\">{Markdown(markdown.Source, cell.Number)}</section>");
            else if (cell is CodeCell code)
            {
                html.Append($"<section class=\"cell\" id=\"cell-{cell.Number}\">");
                html.Append($"<div class=\"code\">{Highlighter.GetHtmlString(code.Source, Languages.CSharp)}</div>");
                var outputs = code.Outputs.Where(o => !IsTransient(o)).ToList();
                if (outputs.Count > 0)
                {
                    html.Append("<div class=\"outputs\">");
                    foreach (var output in outputs) html.Append(Output(output));
                    html.Append("</div>");
                }
                html.Append("</section>");
            }
        }
        return html.Append("</article>").ToString();
    }

    /// <summary>Markdown written in this notebook's cell <paramref name="cell"/>, rendered as its cells are (links, formulas).</summary>
    public string Markdown(string source, int cell)
    {
        var document = Markdig.Markdown.Parse(source, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
            if (link.Url is { } url) link.Url = PageLink(url);
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.Replace<HtmlMathInlineRenderer>(new MathInlineRenderer(this, cell));
        renderer.ObjectRenderers.Replace<HtmlMathBlockRenderer>(new MathBlockRenderer(this, cell));
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    /// <summary>A link to a notebook of the series ("02-alexnet.ipynb#dropout") goes to its page instead.</summary>
    string PageLink(string url)
    {
        if (url.Contains(':') || url.StartsWith('#') || url.StartsWith('/')) return url;
        int hash = url.IndexOf('#');
        string path = hash < 0 ? url : url[..hash];
        string fragment = hash < 0 ? "" : url[hash..];
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)) return url;
        string name = Path.GetFileNameWithoutExtension(path);
        return seriesNames.Contains(name) && !path.Contains('/') ? $"{name}.html{fragment}" : url;
    }

    string Formula(string tex, bool display, int cell)
    {
        var (html, problem) = TexMath.ToHtml(tex, display);
        if (problem is not null) warnings.Add($"{notebook.Path}: cell {cell}: {problem}; it is shown as TeX. Rewrite it, or teach TexMath the command.");
        return html;
    }

    /// <summary>
    /// The kernel's own chatter rather than the lesson's: package-restore progress (redrawn in place in a notebook,
    /// recorded once per redraw) and the extensions it loads (with the running machine's package paths).
    /// </summary>
    static bool IsTransient(CellOutput output) =>
        output.Data.TryGetValue("text/html", out var html) && html.Contains("<strong>Installing Packages</strong>", StringComparison.Ordinal)
        || output.Data.TryGetValue("text/plain", out var text) && output.Data.Count == 1 && text.StartsWith("Loading extensions from `", StringComparison.Ordinal);

    string Output(CellOutput output)
    {
        switch (output.Kind)
        {
            case "stream":
                return $"<pre class=\"output stream {(output.StreamName == "stderr" ? "stderr" : "stdout")}\">{E(output.Text)}</pre>";
            case "error":
                return $"<pre class=\"output error\">{E(Ansi().Replace(output.Text, ""))}</pre>";
        }
        if (output.Data.TryGetValue("text/html", out var html))
        {
            if (ChartHtml.IsPlotlyChart(html))
            {
                HasCharts = true;
                return $"<figure class=\"chart\">{ChartHtml.WithoutPlotlyLibrary(html)}</figure>";
            }
            string kind = ChartHtml.IsImageGrid(html) ? "image-grid" : "html";
            return $"<div class=\"output {kind}\">{html}</div>";
        }
        foreach (var image in new[] { "image/png", "image/jpeg" })
            if (output.Data.TryGetValue(image, out var base64))
                return $"<div class=\"output image\"><img alt=\"\" src=\"data:{image};base64,{base64.Trim()}\"></div>";
        if (output.Data.TryGetValue("image/svg+xml", out var svg)) return $"<div class=\"output image\">{svg}</div>";
        if (output.Data.TryGetValue("text/markdown", out var markdown)) return $"<div class=\"output html\">{Markdig.Markdown.ToHtml(markdown, Pipeline)}</div>";
        if (output.Data.TryGetValue("text/plain", out var plain)) return $"<pre class=\"output text\">{E(plain)}</pre>";
        return "";
    }

    static string E(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex Ansi();

    sealed class MathInlineRenderer(NotebookPage page, int cell) : HtmlObjectRenderer<MathInline>
    {
        protected override void Write(HtmlRenderer renderer, MathInline math) =>
            renderer.Write(page.Formula(math.Content.ToString(), display: false, cell));
    }

    sealed class MathBlockRenderer(NotebookPage page, int cell) : HtmlObjectRenderer<MathBlock>
    {
        protected override void Write(HtmlRenderer renderer, MathBlock math) =>
            renderer.Write($"<div class=\"math\">{page.Formula(math.Lines.ToString(), display: true, cell)}</div>");
    }
}
