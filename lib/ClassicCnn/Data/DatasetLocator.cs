namespace ClassicCnn.Data;

/// <summary>A folder that holds all four files of a dataset, and which rule found it.</summary>
public sealed record DatasetLocation(DatasetInfo Dataset, string Folder, string FoundBy)
{
    /// <summary>The path of one of the four files (the .gz if present, else the plain file).</summary>
    public string FileOf(string name) =>
        DatasetLocator.Existing(Folder, name) ?? throw new FileNotFoundException($"{Path.Combine(Folder, name)}(.gz) is missing from the {Dataset} folder.");
}

/// <summary>
/// Finds a dataset, in this order: an explicit folder, the CLASSICCNN_DATA environment variable (a data root
/// holding mnist/ and fashion-mnist/), the repository's data/ folder, then the operating system's dataset
/// folder (/usr/share/datasets, where Debian's dataset-fashion-mnist installs).
/// </summary>
public static class DatasetLocator
{
    public const string DataVariable = "CLASSICCNN_DATA";
    /// <summary>Replaces /usr/share/datasets as the system folder (a shared classroom copy; or an empty folder, to act as a machine without Debian's package).</summary>
    public const string SystemDataVariable = "CLASSICCNN_SYSTEM_DATA";

    public static string SystemDataRoot =>
        Environment.GetEnvironmentVariable(SystemDataVariable) is { Length: > 0 } root ? Path.GetFullPath(root) : "/usr/share/datasets";

    /// <summary>Every place looked at, in order, with the rule that names it.</summary>
    public static IReadOnlyList<(string Folder, string Rule)> Candidates(DatasetInfo dataset, string? explicitFolder = null, string? repositoryRoot = null)
    {
        var places = new List<(string, string)>();
        if (!string.IsNullOrWhiteSpace(explicitFolder))
            places.Add((Path.GetFullPath(explicitFolder), "the folder given"));
        if (Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } root)
            places.Add((Path.Combine(Path.GetFullPath(root), dataset.FolderName), $"{DataVariable}={root}"));
        if ((repositoryRoot ?? FindRepositoryRoot()) is { } repo)
            places.Add((Path.Combine(repo, "data", dataset.FolderName), "the repository's data/ folder"));
        places.Add((Path.Combine(SystemDataRoot, dataset.FolderName), dataset.DebianPackage is null ? "the system dataset folder" : $"the system dataset folder (apt package {dataset.DebianPackage})"));
        return places;
    }

    public static DatasetLocation? Find(DatasetInfo dataset, string? explicitFolder = null, string? repositoryRoot = null) =>
        Candidates(dataset, explicitFolder, repositoryRoot)
            .Where(c => DatasetInfo.FileNames.All(name => Existing(c.Folder, name) is not null))
            .Select(c => new DatasetLocation(dataset, c.Folder, c.Rule))
            .FirstOrDefault();

    /// <summary>Like <see cref="Find"/>, but a dataset that is nowhere gives one error listing every place looked and how to fill one.</summary>
    public static DatasetLocation Locate(DatasetInfo dataset, string? explicitFolder = null, string? repositoryRoot = null) =>
        Find(dataset, explicitFolder, repositoryRoot) ?? throw new FileNotFoundException(NotFoundMessage(dataset, explicitFolder, repositoryRoot));

    public static string NotFoundMessage(DatasetInfo dataset, string? explicitFolder = null, string? repositoryRoot = null)
    {
        var looked = Candidates(dataset, explicitFolder, repositoryRoot).Select(c => $"  - {c.Folder} ({c.Rule})");
        string files = string.Join(", ", DatasetInfo.FileNames.Select(f => f + ".gz"));
        string apt = dataset.DebianPackage is null ? "" : $"\n  - on Debian or Ubuntu: sudo apt-get install {dataset.DebianPackage}";
        return $"{dataset} was not found. Looked in:\n{string.Join('\n', looked)}\nEach place needs the four files {files} (or unzipped). To fill one:" +
               $"\n  - download them from {DatasetDownloader.Source(dataset)} into one of the folders above{apt}" +
               $"\n  - or set {DataVariable} to a folder holding {dataset.FolderName}/ with the four files.";
    }

    internal static string? Existing(string folder, string name) =>
        new[] { Path.Combine(folder, name + ".gz"), Path.Combine(folder, name) }.FirstOrDefault(File.Exists);

    /// <summary>The checkout this process runs in (a notebook kernel runs in notebooks/), if any.</summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ClassicCnnNotebooks.sln")))
                    return dir.FullName;
        return null;
    }
}
