using System.Text.Json.Nodes;

namespace ClassicCnn.Tool;

/// <summary>Checks that a source notebook is in the format VS Code's Polyglot Notebooks writes, with no stray outputs.</summary>
public static class NotebookFormat
{
    /// <summary>The problems found, each naming the notebook and the cell; empty when the notebook is well formed.</summary>
    public static IReadOnlyList<string> Check(string path)
    {
        Notebook notebook;
        try
        {
            notebook = Notebook.Load(path);
        }
        catch (InvalidDataException e)
        {
            return [e.Message];
        }
        var problems = new List<string>();
        try
        {
            var json = notebook.Json;
            void Expect(bool ok, string problem) { if (!ok) problems.Add($"{path}: {problem}"); }

            Expect((int?)json["nbformat"] == 4, $"nbformat is {json["nbformat"]?.ToJsonString() ?? "missing"}, expected 4.");
            var kernelspec = json["metadata"]?["kernelspec"];
            Expect((string?)kernelspec?["name"] == ".net-csharp", "metadata.kernelspec.name must be \".net-csharp\" (the C# kernel of Polyglot Notebooks).");
            Expect((string?)kernelspec?["language"] == "C#", "metadata.kernelspec.language must be \"C#\".");
            Expect((string?)json["metadata"]?["polyglot_notebook"]?["kernelInfo"]?["defaultKernelName"] == "csharp",
                "metadata.polyglot_notebook.kernelInfo.defaultKernelName must be \"csharp\".");

            // Any other version text breaks Run All twice in one kernel (see LocalPackageFeed.FloatingReference).
            string expectedReference = $"#r \"nuget: {LocalPackageFeed.PackageId}, {LocalPackageFeed.FloatingReference}\"";
            foreach (var cell in notebook.CodeCells)
                foreach (var line in cell.Source.Split('\n').Where(l => l.TrimStart().StartsWith($"#r \"nuget: {LocalPackageFeed.PackageId},")))
                    Expect(line.Trim() == expectedReference, $"cell {cell.Number} has '{line.Trim()}'; write {expectedReference}.");

            var cells = json["cells"] as JsonArray ?? [];
            for (int i = 0; i < cells.Count; i++)
            {
                var cell = cells[i];
                string type = (string?)cell?["cell_type"] ?? "";
                Expect(type is "code" or "markdown", $"cell {i + 1} has cell_type '{type}', expected code or markdown.");
                if (type != "code") continue;
                Expect((string?)cell!["metadata"]?["polyglot_notebook"]?["kernelName"] == "csharp",
                    $"cell {i + 1} has no metadata.polyglot_notebook.kernelName \"csharp\".");
                Expect(cell["outputs"] is JsonArray { Count: 0 } || cell["metadata"]?["classiccnn"]?["keepOutputs"]?.GetValue<bool>() == true,
                    $"cell {i + 1} has committed outputs: clear them (the executed copies live in artifacts/notebooks/).");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A field of another JSON type than VS Code writes (a string where a number belongs, say).
            problems.Add($"{path}: a field has an unexpected type ({e.Message}); compare the file with a notebook VS Code saved.");
        }
        return problems;
    }
}
