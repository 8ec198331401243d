using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;

namespace ClassicCnn.NotebookTests;

/// <summary>The tool's own process, as a learner calls it: arguments it cannot use are named before anything runs.</summary>
public class CommandLineTests
{
    static readonly Repository Repository = Repository.Find(AppContext.BaseDirectory);

    static ChildResult Tool(params string[] arguments) =>
        ChildProcess.Run("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "classiccnn.dll"), .. arguments], Repository.Root, TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData("figures extra", "'figures' takes no arguments, but was given: extra.")]
    [InlineData("site --lang zh-CN", "'site' takes no arguments, but was given: --lang zh-CN.")]
    [InlineData("run --output", "--output needs a folder")]
    [InlineData("run 01-lenet5 --output --skip-setup", "--output needs a folder")]
    [InlineData("run --timeout soon", "--timeout needs a whole number of minutes")]
    [InlineData("--lang xx", "--lang needs one of en, zh-CN")] // options alone are the default command's, run
    [InlineData("run --quick", "unknown option '--quick'")]
    [InlineData("fly", "unknown command 'fly'")]
    public void Arguments_a_command_cannot_use_are_named_with_exit_code_2(string arguments, string message)
    {
        var result = Tool(arguments.Split(' '));
        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}:\n{result.Output}");
        Assert.Contains(message, result.Output);
        Assert.Contains("classiccnn: the ClassicCnnNotebooks tooling.", result.Output); // followed by the usage
    }

    [Fact]
    public void Help_lists_every_command_and_the_run_options()
    {
        var result = Tool("--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var part in new[] { "-- run", "-- setup", "-- check", "-- figures", "-- site", "-- apps", "-- mnist-sample", "--timeout MINUTES", "--passes N", "--skip-setup" })
            Assert.Contains(part, result.Output);
    }

    [SkippableFact]
    public void A_child_that_runs_long_gets_heartbeats_its_log_line_by_line_and_is_stopped_at_its_limit()
    {
        Skip.If(OperatingSystem.IsWindows(), "The stand-in is a /bin/sh script.");
        using var temp = new TempFolder();
        var beats = new List<TimeSpan>();
        string log = temp.File("child.log");
        var result = ChildProcess.Run("/bin/sh", ["-c", "echo started; sleep 30"], temp.Path, TimeSpan.FromSeconds(1.5), log,
            heartbeat: beats.Add, heartbeatEvery: TimeSpan.FromSeconds(0.4));
        Assert.True(result.TimedOut);
        Assert.Equal(-1, result.ExitCode);
        Assert.InRange(beats.Count, 2, 4); // at 0.4, 0.8 and 1.2 s, not after the limit
        Assert.All(beats, b => Assert.True(b < TimeSpan.FromSeconds(1.5)));
        Assert.Equal("started", File.ReadAllText(log).Trim());
    }

    [Fact]
    public void A_broken_twin_is_named_and_the_other_notebooks_are_still_compared()
    {
        using var temp = new TempFolder();
        string english = Directory.CreateDirectory(temp.File("en")).FullName, chinese = Directory.CreateDirectory(temp.File("zh")).FullName;
        foreach (var name in new[] { "01-a.ipynb", "02-b.ipynb" })
            File.Copy(Path.Combine(Repository.Notebooks, "00-setup.ipynb"), Path.Combine(english, name));
        File.WriteAllText(Path.Combine(chinese, "01-a.ipynb"), "{ \"cells\": [");
        File.Copy(Path.Combine(Repository.Notebooks, "00-setup.ipynb"), Path.Combine(chinese, "02-b.ipynb")); // English prose
        var problems = EditionCheck.Problems(english, chinese, Edition.Chinese);
        Assert.Contains(problems, p => p.StartsWith(Path.Combine(chinese, "01-a.ipynb") + " is not valid JSON"));
        Assert.Contains(problems, p => p.StartsWith(Path.Combine(chinese, "02-b.ipynb")) && p.Contains("reads as English"));
    }

    [Fact]
    public void A_field_of_the_wrong_type_is_a_problem_named_with_its_notebook_not_a_crash()
    {
        using var temp = new TempFolder();
        string path = temp.File("typed.ipynb");
        File.WriteAllText(path, File.ReadAllText(Path.Combine(Repository.Notebooks, "00-setup.ipynb")).Replace("\"nbformat\": 4,", "\"nbformat\": \"4\","));
        var problem = Assert.Single(NotebookFormat.Check(path));
        Assert.StartsWith($"{path}: a field has an unexpected type", problem);
    }

    [Fact]
    public void An_export_replaces_the_figures_of_an_earlier_one_and_leaves_other_files()
    {
        using var temp = new TempFolder();
        string executed = Directory.CreateDirectory(temp.File("executed")).FullName, figures = Directory.CreateDirectory(temp.File("figures")).FullName;
        File.WriteAllText(Path.Combine(figures, "01-lenet5-cell99-1.png"), "stale");
        File.WriteAllText(Path.Combine(figures, "01-lenet5-cell99-1.html"), "stale");
        File.WriteAllText(Path.Combine(figures, "notes.txt"), "mine");
        Assert.Empty(FigureExport.Export(executed, figures, _ => { }));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(figures).Select(Path.GetFileName));
    }
}
