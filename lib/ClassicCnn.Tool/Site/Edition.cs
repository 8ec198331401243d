namespace ClassicCnn.Tool.Site;

/// <summary>The words of the site's own frame (navigation, course table, notes) in one language.</summary>
public sealed record SiteText(
    string Course,
    string Contents,
    string Notebook,
    string Section,
    string Learn,
    string Time,
    string Accuracy,
    string Previous,
    string Next,
    string Editions,
    string NotRun,
    Func<string, string, string, string> ResultsFrom,
    Func<string, string?, string> Threads,
    string BuiltBy);

/// <summary>
/// One language of the series: its notebooks live in notebooks/FOLDER/, run into artifacts/notebooks/FOLDER/, and its
/// pages go to artifacts/site/FOLDER/ (the first edition at the top of each).
/// </summary>
public sealed record Edition(string Folder, string Language, string Label, SiteText Text)
{
    public static readonly Edition English = new("", "en", "English", new SiteText(
        Course: "Classic CNNs in .NET",
        Contents: "The course",
        Notebook: "notebook",
        Section: "article section",
        Learn: "what you learn",
        Time: "time",
        Accuracy: "accuracy reached",
        Previous: "Previous",
        Next: "Next",
        Editions: "Also in",
        NotRun: "not run yet",
        ResultsFrom: (profile, device, date) => $"Results from a headless run in the {profile} profile on {device}, {date}.",
        Threads: (threads, cores) => cores is null ? $"{threads} threads" : $"{threads} threads of {cores} cores",
        BuiltBy: "Built from the executed notebooks by <code>dotnet run --project lib/ClassicCnn.Tool -- site</code>."));

    public static readonly Edition Chinese = new("zh-CN", "zh-CN", "中文", new SiteText(
        Course: ".NET 中的经典卷积网络",
        Contents: "课程",
        Notebook: "笔记本",
        Section: "文章章节",
        Learn: "学到什么",
        Time: "时间",
        Accuracy: "达到的准确率",
        Previous: "上一篇",
        Next: "下一篇",
        Editions: "其他语言",
        NotRun: "尚未运行",
        ResultsFrom: (profile, device, date) => $"结果来自 {date} 在 {device} 上以 {profile} 配置的无界面运行。",
        Threads: (threads, cores) => cores is null ? $"{threads} 个线程" : $"{cores} 个核心中的 {threads} 个线程",
        BuiltBy: "由 <code>dotnet run --project lib/ClassicCnn.Tool -- site</code> 从运行过的笔记本生成。"));

    /// <summary>Every edition the site knows, the default first; an edition whose notebooks were not run is left out.</summary>
    public static readonly IReadOnlyList<Edition> All = [English, Chinese];

    /// <summary>What a kernel running this edition's notebooks is given: the library draws its own titles in the edition's language.</summary>
    public IReadOnlyDictionary<string, string> KernelEnvironment => new Dictionary<string, string> { [ClassicCnn.Platform.EnvironmentVariables.Language] = Language };

    /// <summary>The path from a page of this edition up to the site's root ("" or "../").</summary>
    public string ToRoot => Folder.Length == 0 ? "" : string.Concat(Enumerable.Repeat("../", Folder.Split('/').Length));

    /// <summary>A file of this edition, relative to the site's root.</summary>
    public string SitePath(string file) => Folder.Length == 0 ? file : $"{Folder}/{file}";
}

/// <summary>An edition with the executed notebooks its pages are made of, in the series' order.</summary>
public sealed record EditionNotebooks(Edition Edition, IReadOnlyList<string> Executed);
