using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

[Collection(SeriesCollection.Name)]
public class SeriesNotebookTests(SeriesFixture series)
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in new NotebookRunner(Repository.Find(AppContext.BaseDirectory)).SeriesNotebooks())
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_notebook_runs_top_to_bottom_without_errors(string notebook)
    {
        var result = series.Run(Path.Combine(series.Repository.Notebooks, notebook));
        Assert.True(result.Passed, $"{notebook} failed (log {result.LogPath}):\n{string.Join("\n", result.Failures)}");
    }

    [Fact]
    public void Setup_notebook_shows_the_versions_the_chart_and_the_package_just_packed()
    {
        var result = series.Run(Path.Combine(series.Repository.Notebooks, "00-setup.ipynb"));
        Assert.True(result.Passed, string.Join("\n", result.Failures));
        var executed = Notebook.Load(result.OutputPath);
        var outputs = executed.CodeCells.SelectMany(c => c.Outputs).ToList();

        // No stale package: the kernel loaded exactly the version this test run packed.
        Assert.Contains(outputs, o => o.Text.Contains($"ClassicCnn, {series.PackedVersion}"));
        Assert.Contains(outputs, o => o.MimeTypes.Contains("text/html") && o.Text.Contains("<td>TorchSharp</td><td>0.107.0</td>"));
        // The chart is a Plotly chart carrying its data, rendered as HTML.
        var chart = Assert.Single(outputs, o => o.MimeTypes.Contains("text/html") && o.Text.Contains("Plotly.newPlot"));
        Assert.Contains("\"name\":\"ReLU\"", chart.Text);
        Assert.Contains("\"name\":\"sigmoid\"", chart.Text);
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_notebook_is_in_the_polyglot_format_with_no_committed_outputs(string notebook)
    {
        var problems = NotebookFormat.Check(Path.Combine(series.Repository.Notebooks, notebook));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Running_all_cells_twice_in_one_kernel_works()
    {
        // Run All twice = every cell of 00-setup, then every cell again, in one kernel process.
        var source = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(series.Repository.Notebooks, "00-setup.ipynb")))!.AsObject();
        var cells = source["cells"]!.AsArray();
        foreach (var cell in cells.Select(c => c!.DeepClone()).ToList()) cells.Add(cell);
        string folder = Path.Combine(series.Repository.Artifacts, "twice");
        Directory.CreateDirectory(folder);
        string twice = Path.Combine(folder, "00-setup-twice.ipynb");
        File.WriteAllText(twice, source.ToJsonString());

        var result = series.Runner.Run(twice, Path.Combine(folder, "executed"));
        Assert.True(result.Passed, string.Join("\n", result.Failures));
        var charts = Notebook.Load(result.OutputPath).CodeCells.SelectMany(c => c.Outputs).Count(o => o.Text.Contains("Plotly.newPlot"));
        Assert.Equal(2, charts);
    }
}
