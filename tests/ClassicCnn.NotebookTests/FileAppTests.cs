using ClassicCnn.Platform;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

/// <summary>The notebooks as .NET 10 file-based apps: generated from the notebooks, then run with `dotnet run app.cs`.</summary>
[Collection(SeriesCollection.Name)]
public class FileAppTests(SeriesFixture series)
{
    [Fact]
    public void A_notebook_becomes_an_app_with_package_directives_hoisted_usings_and_displayed_values()
    {
        string app = FileAppExport.Convert(Notebook.Load(Path.Combine(series.Repository.Notebooks, "00-setup.ipynb")));
        Assert.Contains("#:package ClassicCnn@*-*", app);
        Assert.DoesNotContain("#r ", app);
        Assert.Single(app.Split('\n'), l => l.Trim() == "using ClassicCnn.Platform;");
        Assert.True(app.IndexOf("using static TorchSharp.torch;", StringComparison.Ordinal) < app.IndexOf("// ---- cell", StringComparison.Ordinal));
        Assert.Contains("display(HtmlTable.FromPairs(TorchRuntime.Describe(), \"what\", \"value\", \"This machine\"));", app);
        Assert.Contains("display(Activations.Chart());", app);
        Assert.Contains("static void display(object? value) => FileAppDisplay.Show(value);", app);
    }

    [Theory]
    [InlineData("00-setup", "TorchSharp", 2)]
    [InlineData("01-lenet5", "All counts match the paper", 10)]
    public void The_generated_app_runs_and_writes_its_charts(string notebook, string expectedText, int minimumPages)
    {
        // As the apps command writes it: the app and the nuget.config naming the local feed.
        string app = FileAppExport.Write(series.Repository, [Path.Combine(series.Repository.Notebooks, notebook + ".ipynb")], series.PackedVersion).Single();
        string folder = Path.GetDirectoryName(app)!;
        string output = Path.Combine(folder, notebook + "-output");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);

        var result = ChildProcess.Run("dotnet", ["run", app], series.Repository.Notebooks, TimeSpan.FromMinutes(15), Path.Combine(folder, notebook + ".log"),
            new Dictionary<string, string> { [EnvironmentVariables.AppOutput] = output });
        Assert.True(result.ExitCode == 0, ChildProcess.Tail(result.Output, 40));
        Assert.Contains(expectedText, result.Output);
        Assert.Contains($"#:package ClassicCnn@{series.PackedVersion}", File.ReadAllText(app)); // the package just packed, never a cached older one
        var pages = Directory.EnumerateFiles(output, "*.html").ToList();
        Assert.True(pages.Count >= minimumPages, $"{pages.Count} pages in {output}");
        Assert.Contains(pages, p => File.ReadAllText(p).Contains("Plotly.newPlot"));
    }
}
