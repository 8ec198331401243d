using ClassicCnn.Notebooks;
using ClassicCnn.Plots;

namespace ClassicCnn.Tests;

public class NotebookHtmlTests
{
    [Fact]
    public void Charts_load_plotly_from_the_cdn_only_when_the_page_lacks_it()
    {
        string html = NotebookHtml.Chart(Activations.Chart(), embed: false);
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("\"name\":\"ReLU\"", html);
        Assert.Contains("if (window.Plotly)", html);
        Assert.Contains(NotebookHtml.PlotlyCdn, html);
        Assert.True(html.Length < 100_000, $"{html.Length} characters: plotly.js should not be inlined");
    }

    [Fact]
    public void Offline_charts_carry_plotly_js_and_reference_no_cdn()
    {
        string html = NotebookHtml.Chart(Activations.Chart(), embed: true);
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain(NotebookHtml.PlotlyCdn, html);
        Assert.DoesNotContain("s.src =", html);
        Assert.True(html.Length > 3_000_000, $"{html.Length} characters: plotly.js is not inlined");
        Assert.StartsWith("<script type=\"text/javascript\">", html);
    }

    [Theory]
    [InlineData(null, false, true)]     // the default is auto: offline → embed
    [InlineData("auto", false, true)]
    [InlineData("", true, false)]       // online → CDN
    [InlineData(" AUTO ", true, false)]
    [InlineData("embed", true, true)]   // an explicit setting wins over the probe
    [InlineData("offline", true, true)]
    [InlineData("cdn", false, false)]
    public void The_chart_setting_embeds_plotly_js_when_asked_or_when_the_cdn_is_unreachable(string? setting, bool cdnReachable, bool embeds)
    {
        int probes = 0;
        bool embed = NotebookHtml.ShouldEmbed(setting, () => { probes++; return cdnReachable; });
        Assert.Equal(embeds, embed);
        // The network is only asked when the setting leaves it to the machine.
        Assert.Equal(string.IsNullOrWhiteSpace(setting) || setting.Trim() == "AUTO" || setting == "auto" ? 1 : 0, probes);
        string html = NotebookHtml.Chart(Activations.Chart(), embed);
        Assert.Equal(embeds, html.Length > 3_000_000);
        Assert.Equal(!embeds, html.Contains(NotebookHtml.PlotlyCdn));
    }

    [Fact]
    public void A_misspelt_chart_setting_is_named_with_the_accepted_values()
    {
        var error = Assert.Throws<ArgumentException>(() => NotebookHtml.ShouldEmbed("embedd", () => true));
        Assert.Contains("CLASSICCNN_CHARTS='embedd'", error.Message);
        Assert.Contains("auto (the default), embed or cdn", error.Message);
    }

    [Fact]
    public void The_network_probe_tells_a_listening_port_from_a_closed_one()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int open = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        Assert.True(NotebookHtml.CanConnect("127.0.0.1", open, TimeSpan.FromSeconds(5)));
        listener.Stop();
        Assert.False(NotebookHtml.CanConnect("127.0.0.1", open, TimeSpan.FromSeconds(5)));
        Assert.False(NotebookHtml.CanConnect("no-such-host.invalid", 443, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Tables_encode_their_cells()
    {
        var table = new HtmlTable([["a", "b"], ["<x>", "1,234"]], "cap & tion");
        Assert.Equal("<table><caption>cap &amp; tion</caption><tr><th>a</th><th>b</th></tr><tr><td>&lt;x&gt;</td><td>1,234</td></tr></table>", table.ToHtml());
        Assert.Equal(["cap & tion", "a    b", "---  -----", "<x>  1,234"], table.ToString().Split(Environment.NewLine));
    }
}

public class ImageGridTests
{
    [Fact]
    public void Grey_png_has_a_valid_header_and_the_pixels_inside()
    {
        byte[] pixels = Enumerable.Range(0, 6).Select(i => (byte)(i * 40)).ToArray();
        byte[] png = GreyPng.Encode(pixels, width: 3, height: 2);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(3, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(2, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        int idat = IndexOf(png, "IDAT"u8.ToArray());
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat - 4));
        using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(png, idat + 4, length), System.IO.Compression.CompressionMode.Decompress);
        using var rows = new MemoryStream();
        zlib.CopyTo(rows);
        Assert.Equal(new byte[] { 0, 0, 40, 80, 0, 120, 160, 200 }, rows.ToArray());
        Assert.EndsWith("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
    }

    static int IndexOf(byte[] haystack, byte[] needle) =>
        Enumerable.Range(0, haystack.Length - needle.Length).First(i => haystack.AsSpan(i, needle.Length).SequenceEqual(needle));

    [Fact]
    public void Image_grids_render_inline_pngs_with_captions()
    {
        using var images = TorchSharp.torch.rand(3, 1, 5, 4);
        var grid = ImageCharts.Grid(images, ["a", "b", "c"], columns: 2, title: "three");
        string html = grid.ToHtml();
        Assert.Equal(3, html.Split("data:image/png;base64,").Length - 1);
        Assert.Contains("<figcaption style=\"font-size:11px\">b</figcaption>", html);
        Assert.Contains("classiccnn-image-grid", html);
        Assert.Equal("three: 3 images (a, b, c)", grid.ToString());
    }
}
