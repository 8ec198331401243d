using System.Text.RegularExpressions;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

/// <summary>
/// The GitHub Actions workflow, read line by line (no YAML library in the project): the triggers, runner, SDK,
/// NuGet cache, artifacts, and that it runs CI's own script, which runs the README's test command.
/// No GitHub runner is available here, so the workflow itself is not executed.
/// </summary>
public class WorkflowTests
{
    readonly Repository repository = Repository.Find(AppContext.BaseDirectory);
    string Workflow => File.ReadAllText(Path.Combine(repository.Root, ".github", "workflows", "ci.yml"));

    [Fact]
    public void Runs_on_push_and_pull_request_on_ubuntu_with_the_net10_sdk_and_a_nuget_cache()
    {
        var text = Workflow;
        Assert.Matches(@"(?m)^on:\s*\n\s+push:\s*\n\s+pull_request:", text);
        Assert.Matches(@"(?m)^\s+runs-on: ubuntu-latest\s*$", text);
        Assert.Matches(@"(?m)uses: actions/setup-dotnet@v\d+\s*\n\s+with:\s*\n\s+dotnet-version: ""10\.0\.x""", text);
        Assert.Matches(@"(?m)uses: actions/cache@v\d+\s*\n\s+with:\s*\n\s+path: ~/\.nuget/packages", text);
    }

    [Fact]
    public void Runs_ci_own_script_which_runs_the_readme_test_command_in_the_quick_profile()
    {
        Assert.Matches(@"(?m)^\s+run: bash \.ci/run\s*$", Workflow);
        string script = Path.Combine(repository.Root, ".ci", "run");
        if (!OperatingSystem.IsWindows())
            Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable");
        var lines = File.ReadAllLines(script).Select(l => l.Trim()).ToList();

        // The README opens with exactly two commands; the second is the test command CI must call.
        var readme = File.ReadAllText(Path.Combine(repository.Root, "README.md"));
        var commands = Regex.Match(readme, @"```\s*\n(.*?)\n```", RegexOptions.Singleline).Groups[1].Value.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal(2, commands.Count);
        // It is the newcomer's page: details live in docs/.
        Assert.True(readme.Length < 10_000, $"README.md has {readme.Length:N0} characters; move details to docs/ to keep it under 10,000.");
        Assert.Contains(commands[1], lines);
        Assert.Contains("export CLASSICCNN_PROFILE=quick", lines);
    }

    [Fact]
    public void Uploads_the_executed_notebooks_the_figures_and_the_benchmark()
    {
        var text = Workflow;
        Assert.Matches(@"uses: actions/upload-artifact@v\d+", text);
        foreach (var folder in new[] { "artifacts/notebooks/", "artifacts/figures/", "artifacts/benchmarks/" })
            Assert.Matches($@"(?m)^\s+{Regex.Escape(folder)}\s*$", text);
    }

    [Fact]
    public void Ci_builds_the_site_after_the_figures_and_uploads_it()
    {
        var lines = File.ReadAllLines(Path.Combine(repository.Root, ".ci", "run")).Select(l => l.Trim()).ToList();
        int figures = lines.IndexOf("dotnet run --project lib/ClassicCnn.Tool -- figures");
        int site = lines.IndexOf("dotnet run --project lib/ClassicCnn.Tool -- site");
        Assert.True(figures >= 0 && site > figures, ".ci/run must build the site (-- site) after exporting the figures");
        Assert.Matches(@"(?m)^\s+artifacts/site/\s*$", Workflow);
    }

    [Fact]
    public void The_pages_workflow_publishes_the_site_that_ci_own_script_builds_from_main()
    {
        string pages = File.ReadAllText(Path.Combine(repository.Root, ".github", "workflows", "pages.yml"));
        Assert.Matches(@"(?m)^on:\s*\n\s+push:\s*\n\s+branches: \[main\]", pages);
        Assert.Matches(@"(?m)^\s+run: bash \.ci/run\s*$", pages);
        Assert.Matches(@"(?m)uses: actions/setup-dotnet@v\d+\s*\n\s+with:\s*\n\s+dotnet-version: ""10\.0\.x""", pages);
        Assert.Matches(@"(?m)uses: actions/upload-pages-artifact@v\d+\s*\n\s+with:\s*\n\s+path: artifacts/site/\s*$", pages);
        Assert.Matches(@"uses: actions/deploy-pages@v\d+", pages);
        // Only the deploy job may publish; the build runs with a read-only token.
        var deploy = pages[pages.IndexOf("\n  deploy:", StringComparison.Ordinal)..];
        Assert.Matches(@"(?m)^\s+pages: write\s*$", deploy);
        Assert.Matches(@"(?m)^\s+id-token: write\s*$", deploy);
        Assert.DoesNotContain("write", pages[..pages.IndexOf("\n  deploy:", StringComparison.Ordinal)]);
        // Both newcomer pages link to the published course: the github-pages environment the deploy job names, whose
        // page on GitHub lists the site's address (a relative link, since the address depends on the owner).
        Assert.Matches(@"(?m)^\s+environment:\s*\n\s+name: github-pages\s*$", deploy);
        foreach (var readme in new[] { "README.md", "README.zh-CN.md" })
            Assert.Contains("](../../deployments/github-pages)", File.ReadAllText(Path.Combine(repository.Root, readme)));
    }

    [Fact]
    public void The_benchmark_step_uses_only_options_the_benchmark_knows()
    {
        var step = Regex.Match(Workflow, @"run: dotnet run -c Release --project tests/ClassicCnn\.Benchmarks -- (.*)");
        Assert.True(step.Success, "the workflow has no benchmark step");
        string parser = File.ReadAllText(Path.Combine(repository.Root, "tests", "ClassicCnn.Benchmarks", "BenchmarkOptions.cs"));
        foreach (Match option in Regex.Matches(step.Groups[1].Value, @"--[a-z-]+"))
            Assert.True(parser.Contains($"\"{option.Value}\" =>"), $"the benchmark does not parse {option.Value}");
    }
}
