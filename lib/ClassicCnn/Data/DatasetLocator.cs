using ClassicCnn.Platform;

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
/// holding mnist/ and fashion-mnist/), the repository's data/ folder (outside a checkout, ~/.classiccnn/data), then the operating system's dataset
/// folder (/usr/share/datasets, where Debian's dataset-fashion-mnist installs).
/// </summary>
internal static class DatasetLocator
{
    public static string SystemDataRoot =>
        Environment.GetEnvironmentVariable(EnvironmentVariables.SystemData) is { Length: > 0 } root ? Path.GetFullPath(root) : "/usr/share/datasets";

    /// <summary>Every place looked at, in order, with the rule that names it.</summary>
    public static IReadOnlyList<(string Folder, string Rule)> Candidates(DatasetInfo dataset, string? explicitFolder = null, string? repositoryRoot = null)
    {
        var places = new List<(string, string)>();
        if (!string.IsNullOrWhiteSpace(explicitFolder))
            places.Add((Path.GetFullPath(explicitFolder), "the folder given"));
        if (Environment.GetEnvironmentVariable(EnvironmentVariables.Data) is { Length: > 0 } root)
            places.Add((Path.Combine(Path.GetFullPath(root), dataset.FolderName), $"{EnvironmentVariables.Data}={root}"));
        places.Add((repositoryRoot ?? ProjectFolders.RepositoryRoot()) is { } repo
            ? (Path.Combine(repo, "data", dataset.FolderName), "the repository's data/ folder")
            : (ProjectFolders.InHome(Path.Combine("data", dataset.FolderName)), "the library's own data folder, used outside a checkout"));
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
               $"\n  - or set {EnvironmentVariables.Data} to a folder holding {dataset.FolderName}/ with the four files.";
    }

    internal static string? Existing(string folder, string name) =>
        new[] { Path.Combine(folder, name + ".gz"), Path.Combine(folder, name) }.FirstOrDefault(File.Exists);
}
