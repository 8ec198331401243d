namespace ClassicCnn.Data;

/// <summary>What a learner sees at the start of the series: which datasets are here, and from where.</summary>
public static class DatasetReport
{
    public static ClassicCnn.Notebooks.HtmlTable Table(string? repositoryRoot = null) =>
        new([
            ["dataset", "found", "folder", "found by"],
            .. Datasets.All.Select(d => DatasetLocator.Find(d, repositoryRoot: repositoryRoot) is { } found
                ? (IReadOnlyList<string>)[d.Name, "yes", found.Folder, found.FoundBy]
                : [d.Name, "no", "-", d.DebianPackage is null ? "see data/README.md" : $"apt-get install {d.DebianPackage}, or see data/README.md"]),
        ], "Datasets");
}
