namespace ClassicCnn.Notebooks;

/// <summary>A bit of HTML that prints as plain text outside notebooks.</summary>
internal sealed record HtmlText(string Html, string Text) : IHtmlRenderable
{
    public string ToHtml() => Html;
    public override string ToString() => Text;

    /// <summary>A one-line status in a notebook, in a fixed-width font.</summary>
    public static HtmlText Status(string text) => new($"<div style=\"font-family:monospace\">{NotebookHtml.Encode(text)}</div>", text);
}
