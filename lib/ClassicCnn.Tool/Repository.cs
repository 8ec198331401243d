using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

/// <summary>The folders of a checkout, found from the solution file.</summary>
public sealed class Repository
{
    public string Root { get; }
    public string Notebooks => Path.Combine(Root, "notebooks");
    public string Library => Path.Combine(Root, "lib", "ClassicCnn");
    public string Artifacts => Path.Combine(Root, "artifacts");
    public string Feed => Path.Combine(Artifacts, "feed");
    public string ExecutedNotebooks => Path.Combine(Artifacts, "notebooks");
    public string Figures => Path.Combine(Artifacts, "figures");
    public string Site => Path.Combine(Artifacts, "site");

    public Repository(string root)
    {
        if (!File.Exists(Path.Combine(root, ProjectFolders.SolutionFile)))
            throw new DirectoryNotFoundException($"{root} is not a ClassicCnnNotebooks checkout ({ProjectFolders.SolutionFile} is missing).");
        Root = Path.GetFullPath(root);
    }

    /// <summary>The checkout holding <paramref name="start"/> (default: the current folder, then this program's folder).</summary>
    public static Repository Find(string? start = null) =>
        ProjectFolders.RepositoryRoot(start) is { } root
            ? new Repository(root)
            : throw new DirectoryNotFoundException(
                $"Could not find {ProjectFolders.SolutionFile} above {Environment.CurrentDirectory}. Run this command from inside the ClassicCnnNotebooks checkout.");
}
