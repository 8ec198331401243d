using System.Collections.Concurrent;
using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;

namespace ClassicCnn.NotebookTests;

/// <summary>Runs the set-up once for the whole test run, then each notebook at most once.</summary>
public sealed class SeriesFixture
{
    readonly ConcurrentDictionary<string, Lazy<NotebookResult>> results = new();

    public Repository Repository { get; } = Repository.Find(AppContext.BaseDirectory);
    public string PackedVersion { get; }
    public NotebookRunner Runner { get; }
    public List<string> SetupLog { get; } = [];

    public SeriesFixture()
    {
        PackedVersion = new Setup(Repository, SetupLog.Add).Run();
        Runner = new NotebookRunner(Repository);
    }

    /// <summary>
    /// Executes a notebook of the series into artifacts/notebooks/ (artifacts/notebooks/zh-CN/ for the Chinese edition),
    /// so CI keeps the executed copies, with the edition's display language, as `run --lang` does.
    /// </summary>
    public NotebookResult Run(string notebookPath, Edition? edition = null)
    {
        edition ??= Edition.English;
        string path = Path.GetFullPath(notebookPath);
        return results.GetOrAdd($"{edition.Language} {path}", _ => new Lazy<NotebookResult>(() =>
            Runner.Run(path, Path.Combine(Repository.ExecutedNotebooks, edition.Folder), environment: edition.KernelEnvironment))).Value;
    }
}

[CollectionDefinition(Name)]
public sealed class SeriesCollection : ICollectionFixture<SeriesFixture>
{
    public const string Name = "notebook series";
}
