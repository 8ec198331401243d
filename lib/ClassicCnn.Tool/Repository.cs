namespace ClassicCnn.Tool;

/// <summary>The folders of a checkout, found from the solution file.</summary>
public sealed class Repository
{
    public const string SolutionFile = "ClassicCnnNotebooks.sln";

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
        if (!File.Exists(Path.Combine(root, SolutionFile)))
            throw new DirectoryNotFoundException($"{root} is not a ClassicCnnNotebooks checkout ({SolutionFile} is missing).");
        Root = Path.GetFullPath(root);
    }

    /// <summary>The checkout holding <paramref name="start"/> (default: the current folder, then this program's folder).</summary>
    public static Repository Find(string? start = null)
    {
        foreach (var from in new[] { start, Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = from is null ? null : new DirectoryInfo(from); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                    return new Repository(dir.FullName);
        }
        throw new DirectoryNotFoundException(
            $"Could not find {SolutionFile} above {Environment.CurrentDirectory}. Run this command from inside the ClassicCnnNotebooks checkout.");
    }
}
