using System.Text;

namespace ClassicCnn.Tool;

public static class ResultTable
{
    public static string Render(IReadOnlyList<NotebookResult> results)
    {
        int width = Math.Max(8, results.Select(r => r.Name.Length).DefaultIfEmpty(0).Max());
        var text = new StringBuilder();
        text.AppendLine($"{"notebook".PadRight(width)}  result  seconds");
        text.AppendLine($"{new string('-', width)}  ------  -------");
        foreach (var r in results)
            text.AppendLine($"{r.Name.PadRight(width)}  {(r.Passed ? "pass" : "FAIL"),-6}  {r.Duration.TotalSeconds,7:0.0}");
        text.AppendLine($"{results.Count(r => r.Passed)} passed, {results.Count(r => !r.Passed)} failed; executed notebooks in {(results.Count > 0 ? Path.GetDirectoryName(results[0].OutputPath) : "-")}");
        foreach (var r in results.Where(r => !r.Passed))
        {
            text.AppendLine();
            text.AppendLine($"{r.Name} failed (log: {r.LogPath}):");
            foreach (var failure in r.Failures) text.AppendLine($"  - {failure}");
        }
        return text.ToString();
    }
}
