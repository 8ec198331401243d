using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ClassicCnn.Tool.Site;

namespace ClassicCnn.Tool;

/// <summary>
/// Keeps a translated edition in step with the English one: the same notebooks, cell for cell, with code cells (source
/// and metadata) identical, so executing one edition runs exactly the other's code; and no markdown cell left in English.
/// </summary>
public static partial class EditionCheck
{
    /// <summary>Below this share of CJK characters among the letters of a markdown cell's prose, the cell counts as English.</summary>
    public const double MinimumChineseShare = 0.3;

    public static IReadOnlyList<string> Problems(string englishFolder, string twinFolder, Edition twin)
    {
        var problems = new List<string>();
        var english = Directory.EnumerateFiles(englishFolder, "*.ipynb").Select(Path.GetFileName).ToHashSet();
        var translated = Directory.Exists(twinFolder) ? Directory.EnumerateFiles(twinFolder, "*.ipynb").Select(Path.GetFileName).ToHashSet() : [];
        foreach (var name in english.Except(translated).Order())
            problems.Add($"{name} has no {twin.Label} twin: add {Path.Combine(twinFolder, name!)} (a copy with its markdown translated).");
        foreach (var name in translated.Except(english).Order())
            problems.Add($"{Path.Combine(twinFolder, name!)} has no English original in {englishFolder}.");
        foreach (var name in english.Intersect(translated).Order())
        {
            try
            {
                problems.AddRange(Compare(Path.Combine(englishFolder, name!), Path.Combine(twinFolder, name!), twin));
            }
            catch (InvalidDataException e)
            {
                problems.Add(e.Message); // one unreadable notebook, and the check goes on with the others
            }
        }
        return problems;
    }

    static IEnumerable<string> Compare(string englishPath, string twinPath, Edition twin)
    {
        var a = Cells(englishPath);
        var b = Cells(twinPath);
        if (a.Count != b.Count)
        {
            yield return $"{twinPath} has {b.Count} cells, its English original {a.Count}: the editions must match cell for cell.";
            yield break;
        }
        for (int i = 0; i < a.Count; i++)
        {
            string where = $"{twinPath}, cell {i + 1}";
            string typeA = (string?)a[i]["cell_type"] ?? "", typeB = (string?)b[i]["cell_type"] ?? "";
            if (typeA != typeB) { yield return $"{where} is {typeB}, the English cell {typeA}."; continue; }
            if (typeA == "code")
            {
                if (Source(a[i]) != Source(b[i]))
                    yield return $"{where}: its code differs from the English cell; code cells must be identical (copy the English one).";
                else if (a[i]["metadata"]?.ToJsonString() != b[i]["metadata"]?.ToJsonString())
                    yield return $"{where}: its metadata differs from the English cell's.";
            }
            else if (typeA == "markdown" && twin.Language == "zh-CN" && ChineseShare(Source(b[i])) < MinimumChineseShare)
                yield return $"{where} reads as English ({ChineseShare(Source(b[i])):P0} of its letters are Chinese): translate it.";
        }
    }

    static List<JsonNode> Cells(string path)
    {
        try
        {
            return (JsonNode.Parse(File.ReadAllText(path))?["cells"] as JsonArray ?? throw new InvalidDataException($"{path} has no cells array."))
                .Select(c => c!).ToList();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}); fix it, or take it again from git.", e);
        }
    }

    static string Source(JsonNode cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        var single => (string?)single ?? "",
    };

    /// <summary>CJK characters among all letters of a markdown text, leaving out code, formulas and link targets.</summary>
    public static double ChineseShare(string markdown)
    {
        string prose = Unchecked().Replace(markdown, " ");
        int cjk = prose.Count(c => c >= '\u3400' && c <= '\u9fff');
        int latin = prose.Count(c => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z');
        return cjk + latin == 0 ? 1 : cjk / (double)(cjk + latin);
    }

    [GeneratedRegex(@"```[\s\S]*?```|`[^`]*`|\$\$[\s\S]*?\$\$|\$[^$\n]*\$|\]\([^)]*\)|https?://\S+")]
    private static partial Regex Unchecked();
}
