using Plotly.NET;
using Plotly.NET.CSharp;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace ClassicCnn.Plots;

/// <summary>Grids of small images (digits, filters, feature maps, RBF codes) and matrices as heatmaps.</summary>
public static class ImageCharts
{
    /// <summary>
    /// A grid of grey images from a tensor [N, H, W] or [N, 1, H, W], each scaled to its own range (dark = high, like
    /// ink), drawn pixel-sharp with a caption under each.
    /// </summary>
    public static ImageGrid Grid(Tensor images, IReadOnlyList<string>? titles = null, int columns = 8, string? title = null, int cell = 90)
    {
        using var cpu = images.detach().to(ScalarType.Float32).cpu();
        using var flat = cpu.dim() == 4 ? cpu.squeeze(1) : cpu.alias();
        int n = (int)flat.shape[0], h = (int)flat.shape[1], w = (int)flat.shape[2];
        var values = flat.data<float>().ToArray();
        var tiles = new List<(byte[] Png, string Caption)>();
        for (int i = 0; i < n; i++)
        {
            var image = values.AsSpan(i * h * w, h * w);
            float min = float.MaxValue, max = float.MinValue;
            foreach (var v in image) { min = Math.Min(min, v); max = Math.Max(max, v); }
            float range = max > min ? max - min : 1;
            var pixels = new byte[h * w];
            for (int p = 0; p < pixels.Length; p++) pixels[p] = (byte)(255 - 255 * (image[p] - min) / range);
            tiles.Add((GreyPng.Encode(pixels, w, h), titles is not null && i < titles.Count ? titles[i] : i.ToString()));
        }
        return new ImageGrid(tiles, Math.Min(columns, Math.Max(1, n)), cell, title);
    }

    /// <summary>A matrix as a heatmap with labelled rows and columns (Table I, confusion matrices); hover shows each value.</summary>
    public static GenericChart Matrix(double[,] values, IReadOnlyList<string> columnLabels, IReadOnlyList<string> rowLabels, string title,
        string xTitle, string yTitle, StyleParam.Colorscale? colors = null)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var z = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Select(c => values[r, c]).ToArray()).ToArray();
        return CSharpChart.Heatmap<double, string, string, string>(zData: z, X: columnLabels.ToArray(), Y: rowLabels.ToArray(),
                ColorScale: colors ?? StyleParam.Colorscale.Viridis, ReverseYAxis: true, XGap: 1, YGap: 1)
            .WithTitle(title)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithSize(Math.Max(420, cols * 45 + 160), Math.Max(320, rows * 40 + 160));
    }
}

/// <summary>Small grey images in a grid with captions: HTML with inline PNGs, so it shows anywhere (and offline).</summary>
public sealed class ImageGrid(IReadOnlyList<(byte[] Png, string Caption)> tiles, int columns, int cell, string? title) : ClassicCnn.Notebooks.IHtmlRenderable
{
    public IReadOnlyList<(byte[] Png, string Caption)> Tiles { get; } = tiles;
    public int Columns { get; } = columns;
    public string? Title { get; } = title;

    public string ToHtml()
    {
        int rows = (Tiles.Count + Columns - 1) / Columns;
        int width = Columns * (cell + 12) + 20, height = rows * (cell + 34) + (Title is null ? 10 : 40);
        var html = new System.Text.StringBuilder($"<div class=\"classiccnn-image-grid\" data-width=\"{width}\" data-height=\"{height}\" style=\"font-family:sans-serif;background:white;padding:4px\">");
        if (Title is not null) html.Append($"<div style=\"font-size:16px;margin:4px 0 8px\">{ClassicCnn.Notebooks.NotebookHtml.Encode(Title)}</div>");
        html.Append($"<div style=\"display:grid;grid-template-columns:repeat({Columns},{cell + 8}px);gap:4px\">");
        foreach (var (png, caption) in Tiles)
            html.Append($"<figure style=\"margin:0;text-align:center\"><img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" style=\"width:{cell}px;image-rendering:pixelated;border:1px solid #ddd\"/>" +
                        $"<figcaption style=\"font-size:11px\">{ClassicCnn.Notebooks.NotebookHtml.Encode(caption)}</figcaption></figure>");
        return html.Append("</div></div>").ToString();
    }

    public override string ToString() => $"{Title ?? "images"}: {Tiles.Count} images ({string.Join(", ", Tiles.Take(6).Select(t => t.Caption))}{(Tiles.Count > 6 ? ", ..." : "")})";
}
