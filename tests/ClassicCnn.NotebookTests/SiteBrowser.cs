using System.Diagnostics;
using ClassicCnn.Tool;
using Microsoft.Playwright;

namespace ClassicCnn.NotebookTests;

/// <summary>What the browser found on one page: its size, how long it took to load and draw its charts, and its problems.</summary>
public sealed record PageVisit(string Page, long Bytes, TimeSpan LoadTime, int Charts, int Images, IReadOnlyList<string> Problems);

/// <summary>
/// Opens every page of a built site in the system's Chromium (through Playwright, with no browser of its own) from
/// file:// URLs, as a reader without a server would, and checks what a reader would notice: errors in the console,
/// charts that drew nothing, images that did not load, links that lead nowhere, a "next" link that goes elsewhere.
/// </summary>
public static class SiteBrowser
{
    /// <summary>The Chromium-family browser to drive (CLASSICCNN_CHROMIUM or the PATH), or null where there is none.</summary>
    public static string? Chromium => FigureExport.FindChromium();

    public const string NoBrowser =
        "SKIPPED: no Chromium-family browser, so the site was not opened in a browser. Install one (Debian/Ubuntu: " +
        "sudo apt-get install chromium) or set CLASSICCNN_CHROMIUM to its executable; .ci/run installs it.";

    /// <summary>Visits every page of <paramref name="site"/>; writes a full-page screenshot of each into <paramref name="screenshots"/> when given.</summary>
    public static async Task<IReadOnlyList<PageVisit>> VisitAll(string site, string chromium, string? screenshots = null)
    {
        site = Path.GetFullPath(site);
        if (screenshots is not null) Directory.CreateDirectory(screenshots);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // No network at all: anything the site fails to serve itself shows up as a failed request.
            Args = ["--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"],
        });
        var visits = new List<PageVisit>();
        foreach (var file in Directory.EnumerateFiles(site, "*.html", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            visits.Add(await Visit(browser, site, file, screenshots));
        return visits;
    }

    static async Task<PageVisit> Visit(IBrowser browser, string site, string file, string? screenshots)
    {
        string relative = Path.GetRelativePath(site, file).Replace('\\', '/');
        var problems = new List<string>();
        bool listening = true; // until the "next" click below leaves the page
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        void Report(string problem) { lock (problems) if (listening) problems.Add(problem); }
        page.Console += (_, message) => { if (message.Type == "error") Report($"console error: {message.Text}"); };
        page.PageError += (_, error) => Report($"script error: {error}");
        page.RequestFailed += (_, request) => Report($"request failed: {request.Url} ({request.Failure})");

        var clock = Stopwatch.StartNew();
        await page.GotoAsync(new Uri(file).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
        int charts = await page.Locator("figure.chart").CountAsync();
        try
        {
            // Plotly marks a drawn chart with .main-svg; a chart whose data or script is broken never gets one.
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('figure.chart')].every(f => f.querySelector('svg.main-svg'))",
                null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            var blank = await page.EvaluateAsync<int[]>(
                "() => [...document.querySelectorAll('figure.chart')].map((f, i) => f.querySelector('svg.main-svg') ? -1 : i + 1).filter(i => i > 0)");
            Report($"chart(s) {string.Join(", ", blank)} of {charts} drew nothing (no svg.main-svg)");
        }
        var loadTime = clock.Elapsed;

        var brokenImages = await page.EvaluateAsync<string[]>(
            "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))");
        foreach (var src in brokenImages) Report($"image did not load: {src}");
        int images = await page.EvaluateAsync<int>("() => document.images.length");

        var targets = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('a[href], link[href]')].map(e => e.href).concat([...document.querySelectorAll('script[src], img[src]')].map(e => e.src))");
        foreach (var target in targets.Distinct())
            if (LinkProblem(site, target) is { } problem) Report(problem);

        if (screenshots is not null)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, relative.Replace('/', '_').Replace(".html", ".png")), FullPage = true });

        var next = page.Locator("a[rel=next]").First;
        lock (problems) listening = false;
        if (await next.CountAsync() > 0)
        {
            string expected = await next.EvaluateAsync<string>("a => a.href");
            await next.ClickAsync();
            try
            {
                await page.WaitForURLAsync(expected, new PageWaitForURLOptions { Timeout = 15_000 });
            }
            catch (TimeoutException)
            {
                lock (problems) problems.Add($"clicking \"next\" led to {page.Url}, not {expected}");
            }
        }
        lock (problems) return new PageVisit(relative, new FileInfo(file).Length, loadTime, charts, images, problems.ToList());
    }

    /// <summary>A link or source that leaves the site's files unresolved; external http(s) links are the reader's to follow.</summary>
    static string? LinkProblem(string site, string target)
    {
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri)) return $"link {target} is not a valid address";
        if (uri.Scheme is "http" or "https" or "mailto" or "data") return null;
        if (!uri.IsFile) return $"link {target} uses {uri.Scheme}:, which a file:// reader cannot follow";
        string path = Path.GetFullPath(uri.LocalPath);
        if (!path.StartsWith(site + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return $"link {target} leaves the site";
        if (!File.Exists(path)) return $"link {target} leads to no file ({Path.GetRelativePath(site, path)} is missing)";
        string fragment = Uri.UnescapeDataString(uri.Fragment.TrimStart('#'));
        if (fragment.Length > 0 && path.EndsWith(".html", StringComparison.Ordinal) && !File.ReadAllText(path).Contains($" id=\"{fragment}\"", StringComparison.Ordinal))
            return $"link {target} names #{fragment}, which {Path.GetRelativePath(site, path)} does not have";
        return null;
    }

    /// <summary>A table of the visits: page, size, load time, charts, images, problems.</summary>
    public static string Report(IReadOnlyList<PageVisit> visits) =>
        "page                          KiB   load ms  charts  images  problems\n" +
        string.Join("\n", visits.Select(v => $"{v.Page,-26} {v.Bytes / 1024.0,7:N0} {v.LoadTime.TotalMilliseconds,9:N0} {v.Charts,7} {v.Images,7}  {v.Problems.Count}"));
}
