using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace ClassicCnn.Tool;

/// <summary>
/// Turns a notebook into a .NET 10 file-based app (<c>dotnet run app.cs</c>) that runs the same cells in order: the
/// path that outlives the deprecated Polyglot Notebooks extension. `#r "nuget: ..."` lines become `#:package`
/// directives, using directives move to the top, and the value a cell ends with is passed to <c>display</c>, which
/// prints text and writes charts as HTML files. Generated, never edited by hand.
/// </summary>
public static partial class FileAppExport
{
    /// <summary>The nuget.config beside the apps: the local feed under its own name (the repository's config disables ClassicCnnLocal).</summary>
    public static string FeedConfig(string feed) =>
        new XElement("configuration", new XElement("packageSources",
            new XElement("add", new XAttribute("key", "ClassicCnnApps"), new XAttribute("value", feed)))) + Environment.NewLine;

    /// <summary>
    /// Writes artifacts/apps/: one app per notebook, and the nuget.config they restore from (the repository's own
    /// config switches ClassicCnnLocal off). Returns the apps' paths.
    /// </summary>
    public static IReadOnlyList<string> Write(Repository repository, IEnumerable<string> notebooks, string packedVersion)
    {
        string folder = Path.Combine(repository.Artifacts, "apps");
        Directory.CreateDirectory(folder);
        ClassicCnn.Platform.AtomicFile.WriteAllText(Path.Combine(folder, "nuget.config"), FeedConfig(repository.Feed));
        var paths = new List<string>();
        foreach (var notebook in notebooks)
        {
            string path = Path.Combine(folder, Path.GetFileNameWithoutExtension(notebook) + ".cs");
            ClassicCnn.Platform.AtomicFile.WriteAllText(path, Convert(Notebook.Load(notebook), packedVersion));
            paths.Add(path);
        }
        return paths;
    }

    /// <param name="packedVersion">the ClassicCnn version the set-up just packed: apps name it exactly, because a file-based
    /// app whose text has not changed is not restored again and would keep running an older package.</param>
    public static string Convert(Notebook notebook, string? packedVersion = null)
    {
        var packages = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        foreach (var cell in notebook.CodeCells)
        {
            var lines = cell.Source.Replace("\r\n", "\n").Split('\n').ToList();
            var code = new List<string>();
            foreach (var line in lines)
            {
                if (NuGetReference().Match(line) is { Success: true } r)
                {
                    string id = r.Groups[1].Value.Trim();
                    string version = id == LocalPackageFeed.PackageId && packedVersion is not null ? packedVersion
                        : r.Groups[2].Success ? r.Groups[2].Value.Trim() : "*";
                    packages.Add($"#:package {id}@{version}");
                }
                else if (UsingDirective().IsMatch(line)) usings.Add(line.Trim());
                else code.Add(line);
            }
            body.AppendLine($"// ---- cell {cell.Number} ----");
            body.AppendLine(DisplayTrailingExpression(code));
        }
        var app = new StringBuilder();
        app.AppendLine($"// Generated from notebooks/{Path.GetFileName(notebook.Path)} by `dotnet run --project lib/ClassicCnn.Tool -- apps`. Do not edit.");
        app.AppendLine("// Run: dotnet run " + Path.GetFileNameWithoutExtension(notebook.Path) + ".cs");
        foreach (var p in packages.Distinct()) app.AppendLine(p);
        app.AppendLine("#:property ManagePackageVersionsCentrally=false");
        app.AppendLine("#:property PublishAot=false");
        app.AppendLine("#:property NoWarn=$(NoWarn);CS8321;IL2026;IL3050");
        foreach (var u in usings.Append("using ClassicCnn.Notebooks;").Distinct()) app.AppendLine(u);
        app.AppendLine();
        app.Append(body);
        app.AppendLine("""
            // ---- what a notebook does with the value a cell ends with ----
            static void display(object? value) => FileAppDisplay.Show(value);
            """);
        return app.ToString();
    }

    /// <summary>
    /// A notebook shows the value of a cell's last expression; a program must say so. The trailing lines after the last
    /// complete statement (ending in ';' or '}' at bracket depth 0) form that expression.
    /// </summary>
    static string DisplayTrailingExpression(List<string> lines)
    {
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1])) lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0) return "";
        int depth = 0, lastStatementEnd = -1;
        for (int i = 0; i < lines.Count; i++)
        {
            string trimmed = StripComment(lines[i]).TrimEnd();
            foreach (char c in trimmed) depth += c is '(' or '[' or '{' ? 1 : c is ')' or ']' or '}' ? -1 : 0;
            if (depth == 0 && (trimmed.EndsWith(';') || trimmed.EndsWith('}') || trimmed.Length == 0)) lastStatementEnd = i;
        }
        if (lastStatementEnd == lines.Count - 1) return string.Join('\n', lines);
        var head = lines.Take(lastStatementEnd + 1);
        var expression = string.Join('\n', lines.Skip(lastStatementEnd + 1));
        return string.Join('\n', head) + (lastStatementEnd >= 0 ? "\n" : "") + $"display({expression.Trim()});";
    }

    static string StripComment(string line)
    {
        int comment = line.IndexOf("//", StringComparison.Ordinal);
        return comment >= 0 && !line[..comment].Contains('"') ? line[..comment] : line;
    }

    [GeneratedRegex(@"^\s*#r\s+""nuget:\s*([^,""]+)(?:,\s*([^""]+))?""")]
    private static partial Regex NuGetReference();

    [GeneratedRegex(@"^\s*using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[\w.<>]+)?\s*;\s*$")]
    private static partial Regex UsingDirective();
}
