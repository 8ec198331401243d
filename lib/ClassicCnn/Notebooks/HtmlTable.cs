namespace ClassicCnn.Notebooks;

/// <summary>A table that shows as HTML in a notebook and as aligned text everywhere else. The first row is the header.</summary>
public sealed class HtmlTable(IReadOnlyList<IReadOnlyList<string>> rows, string? caption = null) : IHtmlRenderable
{
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; } = rows;
    public string? Caption { get; } = caption;

    public static HtmlTable FromPairs(IEnumerable<(string Name, string Value)> pairs, string nameHeader = "", string valueHeader = "", string? caption = null) =>
        new([[nameHeader, valueHeader], .. pairs.Select(p => (IReadOnlyList<string>)[p.Name, p.Value])], caption);

    public string ToHtml() => NotebookHtml.Table(Rows, Caption);

    public override string ToString()
    {
        int columns = Rows.Max(r => r.Count);
        var widths = Enumerable.Range(0, columns).Select(c => Rows.Max(r => c < r.Count ? r[c].Length : 0)).ToArray();
        var lines = new List<string>();
        if (Caption is not null) lines.Add(Caption);
        for (int r = 0; r < Rows.Count; r++)
        {
            lines.Add(string.Join("  ", Rows[r].Select((cell, c) => IsNumber(cell) ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
            if (r == 0) lines.Add(string.Join("  ", widths.Select(w => new string('-', w))));
        }
        return string.Join(Environment.NewLine, lines);
    }

    static bool IsNumber(string text) => text.Length > 0 && (char.IsDigit(text[0]) || text[0] == '-' && text.Length > 1 && char.IsDigit(text[1]));
}
