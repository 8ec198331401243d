using System.Net;
using System.Text;

namespace ClassicCnn.Tool.Site;

/// <summary>What a build wrote: each page (relative to the site's root) with its size, and what it could not render.</summary>
public sealed record SiteBuild(string Folder, IReadOnlyList<(string Page, long Bytes)> Pages, IReadOnlyList<string> Warnings);

/// <summary>
/// The course as a static website: for every edition whose notebooks were run, an index page with the course table
/// and one page per executed notebook (prose, highlighted code, outputs, live Plotly charts). plotly.js is written
/// once, to assets/, and every page refers to it by a relative path, so the site works offline and from file://.
/// </summary>
public static class CourseSite
{
    public const string AssetsFolder = "assets";
    public const string PlotlyFile = "plotly.min.js";
    public const string StyleFile = "site.css";
    /// <summary>How much one page may weigh (its HTML with the outputs in it; plotly.js is shared).</summary>
    public const long PageBudgetBytes = 2 * 1024 * 1024;

    /// <summary>The editions of a checkout whose notebooks were run, each with the executed copies of its series notebooks.</summary>
    public static IReadOnlyList<EditionNotebooks> FromRepository(Repository repository, Action<string> log)
    {
        var editions = new List<EditionNotebooks>();
        foreach (var edition in Edition.All)
        {
            string sources = Path.Combine(repository.Notebooks, edition.Folder);
            string executed = Path.Combine(repository.ExecutedNotebooks, edition.Folder);
            if (!Directory.Exists(sources) || !Directory.Exists(executed)) continue;
            var found = new List<string>();
            foreach (var source in Directory.EnumerateFiles(sources, "*.ipynb").Order(StringComparer.Ordinal))
            {
                string copy = Path.Combine(executed, Path.GetFileName(source));
                if (File.Exists(copy)) found.Add(copy);
                else log($"{copy} is missing, so the site has no page for {Path.GetFileName(source)}: run it (dotnet run --project lib/ClassicCnn.Tool -- run {Path.GetFileNameWithoutExtension(source)}{(edition == Edition.English ? "" : $" --lang {edition.Language}")}).");
            }
            if (found.Count > 0) editions.Add(new EditionNotebooks(edition, found));
        }
        if (editions.Count == 0)
            throw new DirectoryNotFoundException($"No executed notebooks in {repository.ExecutedNotebooks}: run the notebooks first (dotnet run --project lib/ClassicCnn.Tool -- run).");
        return editions;
    }

    /// <summary>
    /// Builds the site into <paramref name="outputFolder"/>, replacing what was there: the pages are written into a
    /// new folder beside it, which then takes its place, so a failed build leaves the previous site whole.
    /// </summary>
    public static SiteBuild Build(IReadOnlyList<EditionNotebooks> editions, string outputFolder)
    {
        if (editions.Count == 0 || editions.All(e => e.Executed.Count == 0))
            throw new ArgumentException("The site needs at least one executed notebook.", nameof(editions));
        outputFolder = Path.GetFullPath(outputFolder);
        string parent = Path.GetDirectoryName(outputFolder)!;
        Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(outputFolder)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var (pages, warnings) = Write(editions, staging);
            // The old site is moved aside before the new one moves in, then deleted: a delete that fails half-way
            // (a file held open on Windows) leaves a stray folder, never a half-deleted site.
            string old = staging + ".old";
            if (Directory.Exists(outputFolder)) Directory.Move(outputFolder, old);
            Directory.Move(staging, outputFolder);
            try
            {
                if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                warnings.Add($"the previous site could not be deleted from {old} ({e.Message}); delete it by hand");
            }
            return new SiteBuild(outputFolder, pages, warnings);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    static (List<(string, long)> Pages, List<string> Warnings) Write(IReadOnlyList<EditionNotebooks> editions, string root)
    {
        var pages = new List<(string, long)>();
        var warnings = new List<string>();
        void Save(string relative, string text)
        {
            string path = Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
            ClassicCnn.Platform.AtomicFile.WriteAllText(path, text);
            if (relative.EndsWith(".html", StringComparison.Ordinal)) pages.Add((relative, new FileInfo(path).Length));
        }

        Save($"{AssetsFolder}/{PlotlyFile}", ClassicCnn.Notebooks.NotebookHtml.PlotlyJs);
        Save($"{AssetsFolder}/{StyleFile}", SiteStyle.Css);

        var present = editions.Where(e => e.Executed.Count > 0).ToList();
        foreach (var edition in present)
        {
            var notebooks = edition.Executed.Select(Notebook.Load).ToList();
            var facts = notebooks.Select(CourseFacts.Of).ToList();
            // The machine table is shown once, by the set-up notebook; the profile table by every training notebook.
            var machine = facts.Select(f => f.Machine).FirstOrDefault(m => m.Count > 0) ?? new Dictionary<string, string>();
            string? editionProfile = facts.Select(f => f.Profile).FirstOrDefault(p => p is not null);
            var names = notebooks.Select(n => Path.GetFileNameWithoutExtension(n.Path)).ToList();
            var frame = new PageFrame(edition.Edition, present.Select(e => (e.Edition, (IReadOnlySet<string>)e.Executed.Select(p => Path.GetFileNameWithoutExtension(p)).ToHashSet())).ToList());

            string Note(CourseFacts f) => edition.Edition.Text.ResultsFrom(
                ProfileName(f.Profile ?? editionProfile), DeviceOf(machine, edition.Edition.Text), CourseFacts.FormatDate(f.ExecutedAt));

            for (int i = 0; i < notebooks.Count; i++)
            {
                var page = new NotebookPage(notebooks[i], names);
                string body = page.Render();
                warnings.AddRange(page.Warnings);
                var previous = i > 0 ? (names[i - 1] + ".html", facts[i - 1].Title) : ((string, string)?)null;
                var next = i + 1 < notebooks.Count ? (names[i + 1] + ".html", facts[i + 1].Title) : ((string, string)?)null;
                Save(edition.Edition.SitePath(names[i] + ".html"),
                    frame.Page(names[i], facts[i].Title, Note(facts[i]), body, page.HasCharts, previous, next));
            }
            Save(edition.Edition.SitePath("index.html"),
                frame.Index(IndexBody(edition.Edition, notebooks, names, facts, machine, editionProfile), (names[0] + ".html", facts[0].Title)));
        }
        return (pages, warnings);
    }

    static string IndexBody(Edition edition, IReadOnlyList<Notebook> notebooks, IReadOnlyList<string> names, IReadOnlyList<CourseFacts> facts, IReadOnlyDictionary<string, string> machine, string? profile)
    {
        var text = edition.Text;
        string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append($"<h1>{E(text.Course)}</h1>");
        // The series introduces itself in its first notebook's opening paragraph.
        if (facts[0].Lead.Length > 0) html.Append($"<div class=\"lead\">{new NotebookPage(notebooks[0], names).Markdown(facts[0].Lead, cell: 1)}</div>");
        html.Append($"<table class=\"course\"><thead><tr><th>{E(text.Notebook)}</th><th>{E(text.Section)}</th><th>{E(text.Learn)}</th><th>{E(text.Time)}</th><th>{E(text.Accuracy)}</th></tr></thead><tbody>");
        for (int i = 0; i < names.Count; i++)
        {
            var f = facts[i];
            string section = CourseFacts.ArticlePart.TryGetValue(names[i], out var part) ? E(part) : "-";
            if (f.ArticleSections.Count > 0)
                section += $"<br><small>{string.Join(" · ", f.ArticleSections.Select(s => E($"{s.Number} {s.Name}")))}</small>";
            string accuracy = f.Accuracies.Count == 0 ? "-" : string.Join("<br>", f.Accuracies.Select(a => $"{E(a.Model)} {E(a.Accuracy)}"));
            html.Append($"<tr><td><a href=\"{E(names[i])}.html\">{E(f.Title)}</a></td><td>{section}</td><td>{E(string.Join(" · ", f.Topics))}</td>")
                .Append($"<td class=\"number\">{E(CourseFacts.FormatDuration(f.Duration))}</td><td>{accuracy}</td></tr>");
        }
        html.Append("</tbody></table>");
        var first = facts.Select(f => f.ExecutedAt).Where(t => t.HasValue).DefaultIfEmpty().Min();
        html.Append($"<p class=\"note\">{E(text.ResultsFrom(ProfileName(profile), DeviceOf(machine, text), CourseFacts.FormatDate(first)))}</p>");
        return html.ToString();
    }

    /// <summary>"quick" from the profile table's "quick (CLASSICCNN_PROFILE=quick)"; "unknown" when no notebook showed it.</summary>
    static string ProfileName(string? profile) => profile is null ? "unknown" : profile.Split(' ', 2)[0];

    /// <summary>The device and machine, from the set-up notebook's machine table (TorchRuntime.Describe).</summary>
    static string DeviceOf(IReadOnlyDictionary<string, string> machine, SiteText text)
    {
        if (machine.Count == 0) return "an unknown machine (00-setup was not run)";
        string device = machine.GetValueOrDefault("device", "?");
        var parts = new List<string>();
        if (machine.TryGetValue("CPU threads (libtorch)", out var threads))
            parts.Add(text.Threads(threads, machine.GetValueOrDefault("logical cores")));
        if (machine.TryGetValue("CUDA available", out var cuda) && cuda.StartsWith("yes", StringComparison.Ordinal)) parts.Add($"CUDA {cuda}");
        if (machine.TryGetValue("OS", out var os)) parts.Add(os);
        if (machine.TryGetValue("TorchSharp", out var torchSharp)) parts.Add($"TorchSharp {torchSharp}");
        if (machine.TryGetValue("libtorch", out var libtorch)) parts.Add($"libtorch {libtorch}");
        return parts.Count == 0 ? device : $"{device} ({string.Join(", ", parts)})";
    }
}
