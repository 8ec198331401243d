using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

public sealed record NotebookResult(string Name, string SourcePath, string OutputPath, string LogPath, TimeSpan Duration, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// Executes one notebook headlessly in its own process with dotnet-repl (notebooks that share a process share
/// assemblies and formatters), writes the executed copy next to a log, and judges it: a failed cell, any error
/// or stderr output, or a declared output that is missing makes it fail.
/// </summary>
public sealed class NotebookRunner(Repository repository)
{
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Where a line goes about once a minute while a notebook runs (the kernel itself prints nothing until it ends).</summary>
    public Action<string>? Progress { get; init; }

    /// <param name="workingDirectory">where the kernel starts; the notebook's own folder when null.</param>
    /// <param name="environment">variables set for the kernel on top of this process's.</param>
    public NotebookResult Run(string notebookPath, string outputFolder, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        string name = Path.GetFileNameWithoutExtension(notebookPath);
        Directory.CreateDirectory(outputFolder);
        string outputPath = Path.Combine(Path.GetFullPath(outputFolder), name + ".ipynb");
        string logPath = Path.ChangeExtension(outputPath, ".log");
        if (string.Equals(outputPath, notebookPath, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The output folder {outputFolder} is the notebook's own folder: executed copies must never overwrite the sources.", nameof(outputFolder));
        File.Delete(outputPath);

        var source = Notebook.Load(notebookPath);
        // dotnet-repl decodes the file in 4,096-byte pieces and turns a character that straddles two pieces into
        // U+FFFD (seen in markdown and possible in code), so it reads a copy with every non-ASCII character escaped.
        var inputFolder = Directory.CreateTempSubdirectory("classiccnn-run-");
        string asciiCopy = Path.Combine(inputFolder.FullName, name + ".ipynb");
        File.WriteAllText(asciiCopy, AsciiJson(File.ReadAllText(notebookPath)));
        ChildResult child;
        try
        {
            child = ChildProcess.Run("dotnet",
                ["tool", "run", "dotnet-repl", "--", "--run", asciiCopy, "--exit-after-run", "--output-path", outputPath],
                workingDirectory: workingDirectory ?? Path.GetDirectoryName(notebookPath)!, timeout: Timeout, logPath: logPath,
                environment: KernelEnvironment(environment),
                heartbeat: Progress is null ? null : elapsed => Progress($"{name}: still running, {elapsed.TotalMinutes:0} min so far (the limit is {Timeout.TotalMinutes:0} min; see --timeout)"));
        }
        finally
        {
            inputFolder.Delete(recursive: true);
        }

        var failures = new List<string>();
        if (child.TimedOut)
            failures.Add($"timed out after {Timeout.TotalMinutes:0} min (log: {logPath})");
        if (!File.Exists(outputPath))
        {
            failures.Add($"dotnet-repl wrote no executed notebook (exit code {child.ExitCode}); last lines of {logPath}:\n{ChildProcess.Tail(child.Output, 15)}");
            return new NotebookResult(name, notebookPath, outputPath, logPath, child.Duration, failures);
        }

        failures.AddRange(Judge(source, Notebook.Load(outputPath)));
        if (child.ExitCode != 0 && failures.Count == 0)
            failures.Add($"dotnet-repl exited with code {child.ExitCode} although no cell reported an error; see {logPath}");
        return new NotebookResult(name, notebookPath, outputPath, logPath, child.Duration, failures);
    }

    /// <summary>
    /// The kernel's variables: the caller's, no colour codes, headless charts, and glibc's allocator set for the whole
    /// process (the library cannot do that itself once the kernel runs: see <see cref="NativeAllocator.GlibcTunables"/>).
    /// </summary>
    static Dictionary<string, string> KernelEnvironment(IReadOnlyDictionary<string, string>? environment)
    {
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["NO_COLOR"] = "1", [EnvironmentVariables.Headless] = "1" };
        if (NativeAllocator.TunablesFor(variables) is { } tunables) variables[NativeAllocator.TunablesVariable] = tunables;
        return variables;
    }

    /// <summary>
    /// The classroom check: runs every cell of the notebook <paramref name="passes"/> times in one kernel (as Run All
    /// clicked again and again does) and reads the kernel's working set after each pass from the memory cells that
    /// <see cref="Notebook.WriteRepeated"/> adds.
    /// </summary>
    public (NotebookResult Result, IReadOnlyList<long> WorkingSetAfterPass) RunRepeated(string notebookPath, string outputFolder, int passes = 2,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        notebookPath = Path.GetFullPath(notebookPath);
        // The repeated source is scratch: only its executed copy goes to the output folder.
        var scratch = Directory.CreateTempSubdirectory("classiccnn-repeated-");
        string repeated = Path.Combine(scratch.FullName, $"{Path.GetFileNameWithoutExtension(notebookPath)}-x{passes}.ipynb");
        NotebookResult result;
        try
        {
            Notebook.WriteRepeated(notebookPath, repeated, passes);
            result = Run(repeated, Path.Combine(outputFolder, "repeated"), Path.GetDirectoryName(notebookPath), environment);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
        var readings = File.Exists(result.OutputPath)
            ? Notebook.Load(result.OutputPath).CodeCells.SelectMany(c => c.Outputs).Select(o => Notebook.PassMemory().Match(o.Text))
                .Where(m => m.Success).OrderBy(m => int.Parse(m.Groups[1].Value)).Select(m => long.Parse(m.Groups[2].Value)).ToList()
            : [];
        var failures = result.Failures.ToList();
        if (result.Passed && readings.Count != passes)
            failures.Add($"the memory cells printed {readings.Count} readings, expected {passes} (see {result.OutputPath})");
        return (result with { Failures = failures }, readings);
    }

    /// <summary>The same JSON with every character outside ASCII written as a \\u escape: the same notebook to any JSON reader.</summary>
    public static string AsciiJson(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default,
        WriteIndented = true,
    });

    /// <summary>
    /// Compares an executed notebook with its source: every cell's text as written (what ran is what the file says),
    /// errors, stderr and the outputs each cell declares.
    /// </summary>
    public static IReadOnlyList<string> Judge(Notebook source, Notebook executed)
    {
        var failures = new List<string>();
        if (executed.CodeCells.Count != source.CodeCells.Count)
            failures.Add($"the executed notebook has {executed.CodeCells.Count} code cells, the source {source.CodeCells.Count}");
        if (executed.Cells.Count != source.Cells.Count)
            failures.Add($"the executed notebook has {executed.Cells.Count} cells, the source {source.Cells.Count}");
        else
            foreach (var (written, read) in source.Cells.Zip(executed.Cells).Where(p => p.First.Source != p.Second.Source))
                failures.Add($"cell {written.Number}'s text in the executed notebook differs from the file's from character {written.Source.AsSpan().CommonPrefixLength(read.Source) + 1} on: the kernel did not run what the file says");

        foreach (var (declared, ran) in source.CodeCells.Zip(executed.CodeCells))
        {
            foreach (var output in ran.Outputs)
            {
                if (output.Kind == "error")
                    failures.Add($"cell {declared.Number} failed: {FirstLines(output.Text, 6)}");
                else if (output.StreamName == "stderr" && !string.IsNullOrWhiteSpace(output.Text))
                    failures.Add($"cell {declared.Number} wrote to stderr: {FirstLines(output.Text, 6)}");
            }
            foreach (var mime in declared.ExpectedMimeTypes.Where(m => !ran.Outputs.Any(o => o.MimeTypes.Contains(m))))
                failures.Add($"cell {declared.Number} declares an output of type {mime} but produced none");
            foreach (var text in declared.ExpectedText.Where(t => !ran.Outputs.Any(o => o.Text.Contains(t, StringComparison.Ordinal))))
                failures.Add($"cell {declared.Number} declares output containing \"{text}\" but produced none");
        }
        return failures;
    }

    static string FirstLines(string text, int count) =>
        string.Join("\n    ", text.Trim().Split('\n').Take(count).Select(l => l.TrimEnd()));

    /// <summary>The notebooks of one edition (default: the English one, in notebooks/ itself), in the series' order.</summary>
    public IReadOnlyList<string> SeriesNotebooks(Site.Edition? edition = null)
    {
        string folder = Path.Combine(repository.Notebooks, (edition ?? Site.Edition.English).Folder);
        return Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToList() : [];
    }
}
