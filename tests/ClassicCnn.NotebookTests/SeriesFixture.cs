using System.Collections.Concurrent;
using ClassicCnn.Tool;

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

    /// <summary>Executes a notebook of the series into artifacts/notebooks/ (so CI keeps the executed copies).</summary>
    public NotebookResult Run(string notebookPath) =>
        results.GetOrAdd(Path.GetFullPath(notebookPath), path => new Lazy<NotebookResult>(() => Runner.Run(path, Repository.ExecutedNotebooks))).Value;
}

[CollectionDefinition(Name)]
public sealed class SeriesCollection : ICollectionFixture<SeriesFixture>
{
    public const string Name = "notebook series";
}
