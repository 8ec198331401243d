using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ClassicCnn.Data;
using ClassicCnn.Platform;
using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;

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
        // The runner starts the kernel with glibc's allocator set for all its threads, and the notebook says so.
        if (NativeAllocator.TunablesFor() is not null) // Linux, and glibc's malloc settings not chosen by whoever runs the tests
            Assert.Contains(outputs, o => o.Text.Contains("<td>native allocator</td><td>glibc keeps freed buffers (every block from the heap, one arena for all threads, trim threshold 2 GiB)</td>"));
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

    [Fact]
    public void A_notebook_run_with_no_datasets_and_no_network_stops_in_its_first_cell_and_says_how_to_get_them()
    {
        // A copy outside the checkout (no data/ folder above it) with CLASSICCNN_DATA on an empty folder: MNIST is nowhere.
        using var temp = new TempFolder();
        string copy = temp.File("01-lenet5.ipynb");
        File.Copy(Path.Combine(series.Repository.Notebooks, "01-lenet5.ipynb"), copy);
        // The local tool manifest comes along so that `dotnet tool run dotnet-repl` works there.
        Directory.CreateDirectory(temp.File(".config"));
        File.Copy(Path.Combine(series.Repository.Root, ".config", "dotnet-tools.json"), temp.File(Path.Combine(".config", "dotnet-tools.json")));
        string empty = Directory.CreateDirectory(temp.File("no-data")).FullName;
        // Downloads go to a mirror that refuses every connection, so the test means the same with or without internet.
        var result = series.Runner.Run(copy, temp.File("executed"), environment: new Dictionary<string, string>
        {
            [EnvironmentVariables.Data] = empty, [EnvironmentVariables.DataMirror] = "http://127.0.0.1:9/",
        });

        Assert.False(result.Passed);
        var first = result.Failures[0];
        Assert.StartsWith("cell 2 failed:", first); // the first code cell, before any model or training
        Assert.Contains("MNIST was not found. Looked in:", first);
        string message = Notebook.Load(result.OutputPath).CodeCells[0].Outputs.Single(o => o.Kind == "error").Text;
        Assert.Contains($"{Path.Combine(empty, "mnist")} (CLASSICCNN_DATA=", message);
        Assert.Contains("train-images-idx3-ubyte.gz", message);
        Assert.Contains("set CLASSICCNN_DATA to a folder holding mnist/", message);
        Assert.Contains($"The download into {Path.Combine(empty, "mnist")} failed too", message);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(empty, "*", SearchOption.AllDirectories), File.Exists);
    }

    [Fact]
    public void The_main_command_on_a_machine_without_the_dataset_package_fetches_Fashion_MNIST_and_runs_the_set_up_notebook()
    {
        // What a Mac, Windows or Codespace sees: no system dataset folder, nothing in CLASSICCNN_DATA, a host that
        // serves the files. The host is a server on 127.0.0.1 holding the real files (so the MD5 checks are the real
        // ones); the main command is the tool itself, as the README runs it, restricted to 00-setup.
        var source = DatasetLocator.Locate(Datasets.FashionMnist, repositoryRoot: series.Repository.Root);
        Assert.True(Path.GetFullPath(source.Folder) != Path.Combine(series.Repository.Root, "data", "fashion-mnist"),
            "this test needs data/fashion-mnist/ absent (the lookup would find it there and download nothing); move it away");
        Assert.All(DatasetInfo.FileNames, name => Assert.EndsWith(".gz", source.FileOf(name)));
        using var temp = new TempFolder();
        using var host = new StaticFileHost(DatasetInfo.FileNames.ToDictionary(
            name => $"{Datasets.FashionMnist.FolderName}/{name}.gz", name => source.FileOf(name)));
        string data = Directory.CreateDirectory(temp.File("data")).FullName;
        var run = ChildProcess.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "classiccnn.dll"), "run", "00-setup", "--output", temp.File("executed")],
            series.Repository.Root, TimeSpan.FromMinutes(10), environment: new Dictionary<string, string>
            {
                [EnvironmentVariables.Data] = data,
                [EnvironmentVariables.SystemData] = temp.File("no-system-datasets"),
                [EnvironmentVariables.DataMirror] = host.Prefix,
            });

        Assert.True(run.ExitCode == 0, $"the main command failed:\n{ChildProcess.Tail(run.Output, 40)}");
        string folder = Path.Combine(data, Datasets.FashionMnist.FolderName);
        Assert.True(run.Output.Contains($"Fashion-MNIST: downloaded into {folder}"), ChildProcess.Tail(run.Output, 40));
        Assert.Contains("100% of", run.Output);
        foreach (var (name, md5) in Datasets.FashionMnist.Md5)
            Assert.Equal(md5, DatasetDownloader.ContentMd5(Path.Combine(folder, name + ".gz")));
        Assert.DoesNotContain(Directory.EnumerateFiles(folder), f => f.EndsWith(".tmp"));
        // The kernel found it where the set-up put it.
        var report = Notebook.Load(temp.File(Path.Combine("executed", "00-setup.ipynb"))).CodeCells.SelectMany(c => c.Outputs)
            .Single(o => o.Text.Contains("<td>Fashion-MNIST</td>"));
        Assert.Contains($"<td>Fashion-MNIST</td><td>yes</td><td>{folder}</td>", report.Text);
    }

    [Fact]
    public void AlexNets_activation_experiment_takes_as_each_activations_fastest_rate_the_one_its_table_shows_fastest()
    {
        var result = series.Run(Path.Combine(series.Repository.Notebooks, "02-alexnet.ipynb"));
        Assert.True(result.Passed, string.Join("\n", result.Failures));
        var outputs = Notebook.Load(result.OutputPath).CodeCells.SelectMany(c => c.Outputs).ToList();
        string table = WebUtility.HtmlDecode(outputs.Single(o => o.Text.Contains("<caption>Epochs to 15 % training error")).Text);
        var lines = outputs.SelectMany(o => o.Text.Split('\n')).Where(l => l.StartsWith("each at its fastest rate:")).ToList();
        string[] rates = [.. Regex.Matches(table, "<th>lr ([0-9.]+):").Select(m => m.Groups[1].Value)];
        Assert.Equal(["0.01", "0.03", "0.1"], rates);
        static double Number(string text, string pattern) => double.Parse(Regex.Match(text, pattern).Groups[1].Value, CultureInfo.InvariantCulture);
        foreach (var activation in new[] { "ReLU", "Tanh", "Sigmoid" })
        {
            string[] cells = Regex.Match(table, $"<tr><td>{activation}</td>(.*?)</tr>").Groups[1].Value.Split("</td>", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(rates.Length, cells.Length);
            // Fewest mean epochs; where no rate reached 15%, the lowest error of the last epoch, which the cell then shows.
            // Any rate tied with the best as displayed is accepted.
            bool noneReached = cells.All(c => c.StartsWith("<td>not reached"));
            double[] scores = [.. cells.Select(c => noneReached ? Number(c, "error ([0-9.]+) ±")
                : c.StartsWith("<td>not reached") ? double.PositiveInfinity : Number(c, "^<td>([0-9.]+) ±"))];
            var fastest = rates.Where((_, i) => scores[i] == scores.Min()).ToList();
            Assert.Single(lines, l => fastest.Any(rate => activation == "ReLU"
                ? l.Contains($"ReLU (ReLU, lr {rate}) against Tanh")
                : l.Contains($"against {activation}, lr {rate}:")));
            // The curves drawn are the runs at that rate, and their legend says so.
            string curves = outputs.Single(o => o.Text.Contains("Training error at each activation's fastest learning rate")).Text;
            Assert.Contains(fastest, rate => curves.Contains($"CNN with {activation}, lr {rate}, seed 1"));
        }
        // The paper measured tanh against ReLU; its figure is quoted beside the tanh verdicts only.
        var verdictLines = outputs.SelectMany(o => o.Text.Split('\n')).Where(l => l.Contains("verdict for ReLU")).ToList();
        Assert.Equal(4, verdictLines.Count);
        Assert.All(verdictLines, l => Assert.Equal(l.Contains("against Tanh"), l.Contains("(paper, tanh on CIFAR-10: 6 times)")));
    }

    [Fact]
    public void The_chinese_edition_runs_and_the_library_draws_its_own_titles_and_tables_in_chinese()
    {
        // The twin test proves the code is the English code; running the edition shows the Chinese rendering and gives
        // the website its Chinese pages.
        var texts = new List<string>();
        foreach (var notebook in series.Runner.SeriesNotebooks(Edition.Chinese))
        {
            var result = series.Run(notebook, Edition.Chinese);
            Assert.True(result.Passed, $"zh-CN/{result.Name} failed (log {result.LogPath}):\n{string.Join("\n", result.Failures)}");
            texts.AddRange(Notebook.Load(result.OutputPath).CodeCells.SelectMany(c => c.Outputs).Select(o => o.Text));
        }
        Assert.Contains(texts, t => t.Contains("Plotly.newPlot") && t.Contains("激活函数")); // 00's activation chart
        Assert.Contains(texts, t => t.Contains("Plotly.newPlot") && t.Contains("训练损失") && t.Contains("迭代周期")); // 01's training curves
        Assert.Contains(texts, t => t.Contains("<th>可训练参数</th>") && t.Contains("<td>合计</td>") && t.Contains("可训练参数 60,000 个")); // 01's model summary
        Assert.Contains(texts, t => t.Contains("<caption>数据集</caption>") && t.Contains("<th>查找方式</th>")); // 00's datasets
        Assert.Contains(texts, t => t.Contains("<caption>训练配置</caption>") && t.Contains("<td>配置</td><td>quick")); // the profile table
        Assert.Contains(texts, t => t.Contains("<th>实验组</th>") && t.Contains("<th>结论</th>")); // 02's seed experiments
        Assert.DoesNotContain(texts, t => t.Contains("<caption>Training profile</caption>") || t.Contains("<th>found by</th>"));
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Every_notebook_is_in_the_polyglot_format_with_no_committed_outputs(string notebook)
    {
        var problems = NotebookFormat.Check(Path.Combine(series.Repository.Notebooks, notebook));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
