namespace ClassicCnn.Notebooks;

/// <summary>A bit of HTML that prints as plain text outside notebooks.</summary>
public sealed record HtmlText(string Html, string Text) : IHtmlRenderable
{
    public string ToHtml() => Html;
    public override string ToString() => Text;
}
