using ClassicCnn.Tool.Site;
using static ClassicCnn.NotebookTests.ExecutedNotebookFixture;

namespace ClassicCnn.NotebookTests;

/// <summary>The course website built from small executed notebooks, checked without a browser.</summary>
public class CourseSiteTests
{
    const string MachineTable = "<table><caption>This machine</caption><tr><th>what</th><th>value</th></tr><tr><td>OS</td><td>Debian GNU/Linux 12 (bookworm) (X64)</td></tr>"
        + "<tr><td>TorchSharp</td><td>0.107.0</td></tr><tr><td>device</td><td>cpu</td></tr><tr><td>CPU threads (libtorch)</td><td>2</td></tr><tr><td>logical cores</td><td>4</td></tr></table>";
    const string ProfileTable = "<table><caption>Training profile</caption><tr><th>setting</th><th>value</th></tr><tr><td>profile</td><td>quick (CLASSICCNN_PROFILE=quick)</td></tr></table>";

    /// <summary>A two-notebook series in <paramref name="folder"/>: a set-up without accuracy and a lesson that trains.</summary>
    static List<string> Series(string folder, string lessonMarkdown = "See [the set-up](00-setup.ipynb) and $f(a) = 1.7159\\,\\tanh(2a/3)$.")
    {
        string setup = Write(Path.Combine(folder, "00-setup.ipynb"),
            Markdown("# 00 · Setting up\n\nThis series builds **three** networks.\n\n## Versions, device and threads"),
            Code("TorchRuntime.Describe()", TimeSpan.Zero, TimeSpan.FromSeconds(7), Html(MachineTable)),
            Markdown("## Recap"));
        string lesson = Write(Path.Combine(folder, "01-lenet5.ipynb"),
            Markdown("# 01 · LeNet-5\n\n" + lessonMarkdown + "\n\n## 1.1 Overall structure (模型整体结构)"),
            Code("var profile = TrainingProfile.Current;\nprofile.Describe()", TimeSpan.Zero, TimeSpan.FromSeconds(1), Html(ProfileTable),
                Text("Loading extensions from `/root/.nuget/packages/x.dll`")),
            Markdown("## Training on real MNIST digits"),
            Code("Console.WriteLine(\"trained\");", TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(65),
                Chart("lenetchart", embedsLibrary: true), Stdout("LeNet-5: test accuracy 96.86 % after 12 epochs (14 s).\n")),
            Markdown("## 1.3 Summary (总结)"));
        return [setup, lesson];
    }

    [Fact]
    public void The_index_lists_every_notebook_with_its_article_section_topics_time_and_accuracy_from_its_outputs()
    {
        using var temp = new TempFolder();
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, Series(temp.File("executed")))], temp.File("site"));

        Assert.Equal(["00-setup.html", "01-lenet5.html", "index.html"], build.Pages.Select(p => p.Page).Order());
        string index = File.ReadAllText(temp.File("site/index.html"));
        Assert.Contains("<a href=\"01-lenet5.html\">01 &#183; LeNet-5</a>", index);
        Assert.Contains("一、LeNet-5<br><small>1.1 模型整体结构 · 1.3 总结</small>", index); // the article's part, and its section from the heading
        Assert.Contains("<td>Overall structure &#183; Training on real MNIST digits</td>", index); // the headings, less the summary
        Assert.Contains("<td class=\"number\">1 min 5 s</td><td>LeNet-5 96.86 %</td>", index); // the runner's cell times; the printed accuracy
        Assert.Contains("<td class=\"number\">7 s</td><td>-</td>", index); // no accuracy printed: "-"
        Assert.Contains("This series builds <strong>three</strong> networks.", index);
        Assert.Contains("in the quick profile on cpu (2 threads of 4 cores, Debian GNU/Linux 12 (bookworm) (X64), TorchSharp 0.107.0), 2026-12-01 10:00 UTC", index);
        Assert.Empty(SiteCheck.Problems(build.Folder));
    }

    [Fact]
    public void A_page_has_its_prose_with_math_its_highlighted_code_its_outputs_and_loads_the_sites_one_plotly_js()
    {
        using var temp = new TempFolder();
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, Series(temp.File("executed")))], temp.File("site"));
        string page = File.ReadAllText(temp.File("site/01-lenet5.html"));

        Assert.Contains("<a href=\"00-setup.html\">the set-up</a>", page); // a link to a notebook goes to its page
        Assert.Contains("<math><semantics><mrow><mi>f</mi><mo stretchy=\"false\">(</mo><mi>a</mi><mo stretchy=\"false\">)</mo><mo>=</mo><mn>1.7159</mn><mspace width=\"0.1667em\"/><mi>tanh</mi>", page);
        Assert.Matches("<span class=\"[^\"]+\">var</span>", page); // ColorCode's classes
        Assert.Contains("<td>profile</td><td>quick (CLASSICCNN_PROFILE=quick)</td>", page);
        Assert.Contains("<pre class=\"output stream stdout\">LeNet-5: test accuracy 96.86 %", page);
        Assert.DoesNotContain("Loading extensions from", page); // the kernel's chatter is left out
        Assert.Contains("<figure class=\"chart\"><div><div id=\"lenetchart\">", page);
        Assert.Contains("Plotly.newPlot('lenetchart'", page);
        // The chart carried plotly.js; the page does not, and loads the site's copy instead.
        Assert.DoesNotContain("notTheLibrary", page);
        Assert.Contains("<script src=\"assets/plotly.min.js\"></script>", page);
        Assert.StartsWith("/**\n* plotly.js v", File.ReadAllText(temp.File("site/assets/plotly.min.js")));
        Assert.Single(Directory.EnumerateFiles(build.Folder, "*.js", SearchOption.AllDirectories));
        Assert.DoesNotContain("plotly.min.js", File.ReadAllText(temp.File("site/00-setup.html"))); // no chart, no plotly.js
        // Navigation: back to the set-up, home, and no next page after the last.
        Assert.Contains("<a rel=\"prev\" href=\"00-setup.html\">", page);
        Assert.DoesNotContain("rel=\"next\"", page);
        Assert.Contains("<a class=\"home\" href=\"index.html\">", page);
        Assert.Empty(build.Warnings);
    }

    [Fact]
    public void An_edition_whose_notebooks_were_run_gets_its_own_pages_linked_to_their_twins_and_one_that_was_not_is_absent()
    {
        using var temp = new TempFolder();
        var english = Series(temp.File("executed"));
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, english)], temp.File("site"));
        Assert.False(Directory.Exists(temp.File("site/zh-CN")));
        Assert.DoesNotContain("zh-CN", File.ReadAllText(temp.File("site/01-lenet5.html")));

        var chinese = Series(temp.File("executed/zh-CN"), "参见[配置](00-setup.ipynb)。").Take(1).ToList(); // only 00 translated so far
        build = CourseSite.Build([new EditionNotebooks(Edition.English, english), new EditionNotebooks(Edition.Chinese, chinese)], temp.File("site"));
        Assert.Contains("zh-CN/00-setup.html", build.Pages.Select(p => p.Page));
        string zhSetup = File.ReadAllText(temp.File("site/zh-CN/00-setup.html"));
        Assert.Contains("<html lang=\"zh-CN\">", zhSetup);
        Assert.Contains("href=\"../assets/site.css\"", zhSetup);
        Assert.Contains("<a hreflang=\"en\" lang=\"en\" href=\"../00-setup.html\">English</a>", zhSetup);
        Assert.Contains("<a hreflang=\"zh-CN\" lang=\"zh-CN\" href=\"zh-CN/00-setup.html\">中文</a>", File.ReadAllText(temp.File("site/00-setup.html")));
        // A page with no twin yet points at the other edition's index.
        Assert.Contains("href=\"zh-CN/index.html\">中文</a>", File.ReadAllText(temp.File("site/01-lenet5.html")));
        Assert.Empty(SiteCheck.Problems(build.Folder));
    }

    [Fact]
    public void The_site_check_reports_a_link_to_a_missing_page_and_a_page_loading_from_the_network()
    {
        using var temp = new TempFolder();
        var notebooks = Series(temp.File("executed"), "Read [the next one](05-missing.html), [a part](00-setup.html#nowhere) and ![x](https://example.org/x.png).");
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, notebooks)], temp.File("site"));

        var problems = SiteCheck.Problems(build.Folder);
        Assert.Contains(problems, p => p.StartsWith("01-lenet5.html links to 05-missing.html, which is not in the site"));
        Assert.Contains(problems, p => p.StartsWith("01-lenet5.html links to 00-setup.html#nowhere, but 00-setup.html has no element with id \"nowhere\""));
        Assert.Contains(problems, p => p.StartsWith("01-lenet5.html loads https://example.org/x.png from the network"));
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void The_site_check_reports_a_chart_whose_data_does_not_parse()
    {
        using var temp = new TempFolder();
        string notebook = Write(temp.File("executed/00-setup.ipynb"), Markdown("# 00 · Charts"),
            Code("Chart()", TimeSpan.Zero, TimeSpan.FromSeconds(1), Chart("fine"), Chart("cut", data: """[{"type":"scatter","x":[1,2,3],"y":[2,1,""")));
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, [notebook])], temp.File("site"));

        var problem = Assert.Single(SiteCheck.Problems(build.Folder));
        Assert.StartsWith("00-setup.html: chart 2's data is not valid JSON", problem);
    }

    [Fact]
    public void A_formula_outside_the_supported_tex_is_shown_as_tex_and_reported_with_its_notebook_and_cell()
    {
        using var temp = new TempFolder();
        var build = CourseSite.Build([new EditionNotebooks(Edition.English, Series(temp.File("executed"), "Here $\\mathfrak{A}$ stays TeX."))], temp.File("site"));
        var warning = Assert.Single(build.Warnings);
        Assert.Contains("01-lenet5.ipynb: cell 1: the formula $\\mathfrak{A}$ uses \\mathfrak", warning);
        Assert.Contains("<code class=\"tex\">\\mathfrak{A}</code>", File.ReadAllText(temp.File("site/01-lenet5.html")));
    }

    [Fact]
    public void A_failed_build_leaves_the_previous_site_whole()
    {
        using var temp = new TempFolder();
        var notebooks = Series(temp.File("executed"));
        CourseSite.Build([new EditionNotebooks(Edition.English, notebooks)], temp.File("site"));
        File.WriteAllText(notebooks[1], "{ not json");
        var error = Assert.Throws<InvalidDataException>(() => CourseSite.Build([new EditionNotebooks(Edition.English, notebooks)], temp.File("site")));
        Assert.Contains("01-lenet5.ipynb: not valid JSON", error.Message);
        Assert.True(File.Exists(temp.File("site/01-lenet5.html")));
        Assert.Equal(["executed", "site"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Order());
    }
}
