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

    [Fact]
    public void Running_every_cell_twice_in_one_kernel_works_and_memory_stays_flat()
    {
        using var temp = new TempFolder();
        var (result, memory) = series.Runner.RunRepeated(Path.Combine(series.Repository.Notebooks, "00-setup.ipynb"), temp.Path, passes: 2);
        Assert.True(result.Passed, $"Run All twice failed (log {result.LogPath}):\n{string.Join("\n", result.Failures)}");

        // Both passes drew the chart and the tables (the package reference and the formatters survived the second pass) ...
        var outputs = Notebook.Load(result.OutputPath).CodeCells.SelectMany(c => c.Outputs).ToList();
        Assert.Equal(2, outputs.Count(o => o.Text.Contains("Plotly.newPlot")));
        Assert.Equal(2, outputs.Count(o => o.Text.Contains("<td>TorchSharp</td><td>0.107.0</td>")));
        // ... and the second pass did not grow the kernel by more than a tenth.
        Assert.InRange(memory[1], 1, memory[0] * 11 / 10);
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_notebook_is_in_the_polyglot_format_with_no_committed_outputs(string notebook)
    {
        var problems = NotebookFormat.Check(Path.Combine(series.Repository.Notebooks, notebook));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
