using static ClassicCnn.Notebooks.DisplayLanguage;

namespace ClassicCnn.Data;

/// <summary>What a learner sees at the start of the series: which datasets are here, and from where.</summary>
public static class DatasetReport
{
    public static ClassicCnn.Notebooks.HtmlTable Table(string? repositoryRoot = null) =>
        new([
            [Text("dataset", "数据集"), Text("found", "是否找到"), Text("folder", "文件夹"), Text("found by", "查找方式")],
            .. Datasets.All.Select(d => DatasetLocator.Find(d, repositoryRoot: repositoryRoot) is { } found
                ? (IReadOnlyList<string>)[d.Name, Text("yes", "是"), found.Folder, found.FoundBy]
                : [d.Name, Text("no", "否"), "-", d.DebianPackage is null ? Text("see data/README.md", "见 data/README.md") : Text($"apt-get install {d.DebianPackage}, or see data/README.md", $"apt-get install {d.DebianPackage}，或见 data/README.md")]),
        ], Text("Datasets", "数据集"));
}
