using System.Text.Json.Nodes;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

[Collection(SeriesCollection.Name)]
public class RunnerTests(SeriesFixture series)
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Fact]
    public void A_failing_cell_fails_the_run_and_names_the_cell_and_the_exception()
    {
        using var output = new TempFolder();
        var result = series.Runner.Run(Fixture("failing.ipynb"), output.Path);

        Assert.False(result.Passed);
        var failure = Assert.Single(result.Failures);
        Assert.StartsWith("cell 3 failed:", failure);
        Assert.Contains("deliberate failure for the runner test", failure);
        // dotnet-repl keeps going after a failure: the executed copy holds the cells before and after it.
        var executed = Notebook.Load(result.OutputPath);
        Assert.Contains(executed.CodeCells[0].Outputs, o => o.Text.Contains("before the failure"));
        Assert.Contains("cell 3", ResultTable.Render([result]));
        Assert.Contains("0 passed, 1 failed", ResultTable.Render([result]));
    }

    [Fact]
    public void A_declared_output_that_is_missing_fails_the_run()
    {
        using var output = new TempFolder();
        var result = series.Runner.Run(Fixture("missing-output.ipynb"), output.Path);
        Assert.Equal(
            ["cell 2 declares an output of type text/html but produced none", "cell 2 declares output containing \"forty-two\" but produced none"],
            result.Failures);
    }

    [Fact]
    public void The_runner_refuses_to_write_over_the_source_notebook()
    {
        var error = Assert.Throws<ArgumentException>(() => series.Runner.Run(Fixture("failing.ipynb"), Path.Combine(AppContext.BaseDirectory, "Fixtures")));
        Assert.Contains("never overwrite the sources", error.Message);
    }

    [Fact]
    public void Text_beyond_ascii_reaches_the_kernel_and_the_executed_copy_as_written_wherever_it_falls_in_the_file()
    {
        using var temp = new TempFolder();
        string words = string.Concat(Enumerable.Repeat("1×1 卷积，", 400)); // two- and three-byte characters, 5.6 KB
        string path = temp.File("utf8.ipynb");
        // Padded until bytes 4,096 (and, if it can be had, 8,192) of the file fall inside a character: where a reader
        // that decodes 4,096-byte pieces one by one reads U+FFFD (dotnet-repl did, in markdown and code alike).
        byte[]? chosen = null;
        for (int pad = 0; pad < 50; pad++)
        {
            var notebook = new JsonObject
            {
                ["cells"] = new JsonArray(ExecutedNotebookFixture.Markdown(new string('-', pad) + words),
                    new JsonObject { ["cell_type"] = "code", ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(), ["source"] = $"Console.WriteLine(\"{words}\");" }),
                ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#" } },
                ["nbformat"] = 4, ["nbformat_minor"] = 5,
            };
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(notebook.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            static bool InsideCharacter(byte[] b, int at) => (b[at] & 0xC0) == 0x80;
            if (InsideCharacter(bytes, 4096) && (chosen is null || InsideCharacter(bytes, 8192))) chosen = bytes;
            if (chosen is not null && InsideCharacter(chosen, 8192)) break;
        }
        File.WriteAllBytes(path, chosen!);

        var result = series.Runner.Run(path, temp.File("executed"), workingDirectory: series.Repository.Notebooks);

        Assert.True(result.Passed, string.Join("\n", result.Failures)); // Judge compares every cell's text with the file's
        var executed = Notebook.Load(result.OutputPath);
        Assert.EndsWith(words, executed.Cells[0].Source);
        Assert.Contains(words, executed.CodeCells[0].Outputs.Single().Text);
        Assert.Equal(["utf8.ipynb", "utf8.log"], Directory.GetFiles(temp.File("executed")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Judge_reports_a_cell_whose_text_the_kernel_read_differently()
    {
        using var temp = new TempFolder();
        var written = Cell();
        var read = Cell();
        read["source"] = "1\uFFFD\uFFFD1";
        written["source"] = "1×1";
        var failures = NotebookRunner.Judge(Synthetic(temp, "a.ipynb", written), Synthetic(temp, "b.ipynb", read));
        Assert.Equal(["cell 1's text in the executed notebook differs from the file's from character 2 on: the kernel did not run what the file says"], failures);
    }

    static Notebook Synthetic(TempFolder folder, string name, params JsonObject[] codeCells)
    {
        var cells = new JsonArray();
        foreach (var cell in codeCells) cells.Add(cell);
        var json = new JsonObject { ["cells"] = cells, ["nbformat"] = 4 };
        string path = folder.File(name);
        File.WriteAllText(path, json.ToJsonString());
        return Notebook.Load(path);
    }

    static JsonObject Cell(JsonObject? classiccnn = null, params JsonObject[] outputs)
    {
        var metadata = new JsonObject();
        if (classiccnn is not null) metadata["classiccnn"] = classiccnn;
        var list = new JsonArray();
        foreach (var o in outputs) list.Add(o);
        return new JsonObject { ["cell_type"] = "code", ["metadata"] = metadata, ["source"] = "x", ["outputs"] = list };
    }

    [Fact]
    public void Judge_flags_stderr_and_accepts_declared_outputs_that_are_present()
    {
        using var temp = new TempFolder();
        var expect = new JsonObject { ["expectMimeTypes"] = new JsonArray("text/html"), ["expectText"] = new JsonArray("chart") };
        var source = Synthetic(temp, "source.ipynb", Cell(), Cell(expect));
        var executed = Synthetic(temp, "executed.ipynb",
            Cell(null, new JsonObject { ["output_type"] = "stream", ["name"] = "stderr", ["text"] = new JsonArray("warning: something\n") }),
            Cell(null, new JsonObject { ["output_type"] = "display_data", ["data"] = new JsonObject { ["text/html"] = "<div>a chart</div>" } }));

        Assert.Equal(["cell 1 wrote to stderr: warning: something"], NotebookRunner.Judge(source, executed));
    }

    [Fact]
    public void Judge_reports_a_changed_cell_count()
    {
        using var temp = new TempFolder();
        var failures = NotebookRunner.Judge(Synthetic(temp, "a.ipynb", Cell(), Cell()), Synthetic(temp, "b.ipynb", Cell()));
        Assert.Contains("the executed notebook has 1 code cells, the source 2", failures);
    }

    [Fact]
    public void Format_check_names_each_problem()
    {
        using var temp = new TempFolder();
        var notebook = JsonNode.Parse(File.ReadAllText(Fixture("failing.ipynb")))!.AsObject();
        notebook["nbformat"] = 3;
        notebook["metadata"]!["kernelspec"]!["name"] = "python3";
        notebook["cells"]![1]!["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "hi" });
        notebook["cells"]![3]!["source"] = new JsonArray("#r \"nuget: ClassicCnn, 0.1.0-*\"\n", "using ClassicCnn;");
        string path = temp.File("bad.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());

        var problems = NotebookFormat.Check(path);
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("nbformat is 3, expected 4"));
        Assert.Contains(problems, p => p.Contains("\".net-csharp\""));
        Assert.Contains(problems, p => p.Contains("cell 2 has committed outputs"));
        Assert.Contains(problems, p => p.Contains("cell 4 has '#r \"nuget: ClassicCnn, 0.1.0-*\"'; write #r \"nuget: ClassicCnn, *-*\""));
        Assert.All(problems, p => Assert.StartsWith(path, p));

        File.WriteAllText(path, "{ not json");
        Assert.Contains("not valid JSON", Assert.Single(NotebookFormat.Check(path)));
    }
}
