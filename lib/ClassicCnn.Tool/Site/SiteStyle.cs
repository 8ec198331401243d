namespace ClassicCnn.Tool.Site;

/// <summary>The site's one style sheet: the reading column, cells, outputs, and ColorCode's classes for C#.</summary>
static class SiteStyle
{
    public static string Css => Layout + new ColorCode.HtmlClassFormatter().GetCSSString();

    const string Layout = """
        :root { --text: #1f2328; --muted: #59636e; --line: #d1d9e0; --code: #f6f8fa; --accent: #0b5cad; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--text); background: #fff; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif; }
        a { color: var(--accent); }
        header.site { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; justify-content: space-between; align-items: baseline;
          padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); background: #fafbfc; }
        header.site .home { font-weight: 600; text-decoration: none; color: var(--text); }
        main { max-width: 62rem; margin: 0 auto; padding: 1rem 1.25rem 2rem; }
        footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: .85rem; }
        nav.pager { display: flex; justify-content: space-between; gap: 1rem; margin: .75rem 0; font-size: .95rem; }
        nav.pager a[rel=next] { text-align: right; margin-left: auto; }
        .note { color: var(--muted); font-size: .9rem; border-left: 3px solid var(--line); padding-left: .75rem; }
        h1 { font-size: 1.9rem; line-height: 1.25; } h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--line); } h3 { margin-top: 1.6rem; }
        code { font: .9em/1.5 ui-monospace, "Cascadia Code", "DejaVu Sans Mono", monospace; background: var(--code); padding: .1em .3em; border-radius: 4px; }
        pre code { background: none; padding: 0; }
        pre { overflow-x: auto; }
        .prose pre { background: var(--code); padding: .75rem 1rem; border-radius: 6px; }
        .cell { margin: 1rem 0 1.5rem; }
        .cell .code pre { margin: 0; padding: .75rem 1rem; background: var(--code); border: 1px solid var(--line); border-radius: 6px;
          font: .85rem/1.5 ui-monospace, "Cascadia Code", "DejaVu Sans Mono", monospace; }
        .cell .code > div { background: none !important; }
        .outputs { margin-top: .5rem; padding-left: .75rem; border-left: 3px solid #8fb8e0; overflow-x: auto; }
        pre.output { margin: .4rem 0; font: .85rem/1.45 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; }
        pre.output.stderr, pre.output.error { color: #a40e26; background: #fff5f5; padding: .5rem; }
        .output.html { margin: .4rem 0; }
        .output.html > div[style*="monospace"] { font-size: .85rem; line-height: 1.45; }
        figure { margin: .75rem 0; overflow-x: auto; }
        table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
        caption { text-align: left; font-weight: 600; padding: .25rem 0; }
        th, td { border: 1px solid var(--line); padding: .3rem .6rem; text-align: left; vertical-align: top; }
        th { background: #f3f5f7; }
        table.course td.number { white-space: nowrap; }
        table.course small { color: var(--muted); }
        math { font-size: 1.1em; }
        .math { overflow-x: auto; margin: .5rem 0; }
        @media (max-width: 40rem) { body { font-size: 15px; } main { padding: .75rem; } table { font-size: .8rem; } }

        """;
}
