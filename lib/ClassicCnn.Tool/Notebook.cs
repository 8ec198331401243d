using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClassicCnn.Tool;

/// <summary>One output of a code cell: its kind, its MIME types and its text.</summary>
public sealed record CellOutput(string Kind, IReadOnlyList<string> MimeTypes, string Text, string? StreamName, string? ErrorName)
{
    /// <summary>The text of each MIME type of a display or result output (<see cref="Text"/> joins them all).</summary>
    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();
}

/// <summary>A cell of a notebook: its position among all cells (from 1) and its source.</summary>
public abstract record NotebookCell(int Number, string Source);

/// <summary>A Markdown cell.</summary>
public sealed record MarkdownCell(int Number, string Source) : NotebookCell(Number, Source);

/// <summary>A code cell: its position among all cells, its source, outputs and the outputs it declares it must produce.</summary>
public sealed record CodeCell(int Number, string Source, IReadOnlyList<CellOutput> Outputs, IReadOnlyList<string> ExpectedMimeTypes, IReadOnlyList<string> ExpectedText)
    : NotebookCell(Number, Source)
{
    /// <summary>When the headless runner (dotnet-repl) started and finished the cell; null in notebooks it did not execute.</summary>
    public DateTimeOffset? Started { get; init; }
    public DateTimeOffset? Ended { get; init; }
}

/// <summary>
/// A .ipynb notebook as VS Code's Polyglot Notebooks writes it. A cell can declare outputs it must produce in
/// its metadata: <c>"classiccnn": { "expectMimeTypes": ["text/html"], "expectText": ["TorchSharp"] }</c>.
/// </summary>
public sealed partial class Notebook
{
    public string Path { get; }
    public JsonObject Json { get; }
    public IReadOnlyList<CodeCell> CodeCells { get; }
    /// <summary>Every Markdown and code cell in order (cells of other types are left out).</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }
    public int CellCount { get; }

    Notebook(string path, JsonObject json)
    {
        Path = path;
        Json = json;
        var cells = json["cells"] as JsonArray ?? throw new InvalidDataException($"{path}: has no \"cells\" array.");
        CellCount = cells.Count;
        Cells = cells.Select((cell, index) => (cell, index))
            .Select(c => (string?)c.cell?["cell_type"] switch
            {
                "code" => ReadCodeCell(c.cell!.AsObject(), c.index + 1),
                "markdown" => new MarkdownCell(c.index + 1, JoinSource(c.cell!["source"])),
                _ => (NotebookCell?)null,
            })
            .OfType<NotebookCell>()
            .ToList();
        CodeCells = Cells.OfType<CodeCell>().ToList();
    }

    public static Notebook Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such notebook.", path);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}). Open and save it again in VS Code, or restore it from git.", e);
        }
        return new Notebook(path, node as JsonObject ?? throw new InvalidDataException($"{path}: the top level is not a JSON object."));
    }

    /// <summary>
    /// Writes a notebook with every cell of <paramref name="sourcePath"/> repeated <paramref name="passes"/> times, each
    /// pass followed by a cell that prints the kernel's working set after a full garbage collection
    /// ("classiccnn pass N: working set B bytes").
    /// </summary>
    public static void WriteRepeated(string sourcePath, string outputPath, int passes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(passes, 1);
        var json = Load(sourcePath).Json.DeepClone().AsObject();
        var cells = (JsonArray)json["cells"]!;
        var template = cells.FirstOrDefault(c => (string?)c?["cell_type"] == "code")?.DeepClone().AsObject()
            ?? throw new InvalidDataException($"{sourcePath}: has no code cell to run twice.");
        JsonNode MemoryCell(int pass)
        {
            var cell = template.DeepClone().AsObject();
            cell["outputs"] = new JsonArray();
            cell["metadata"]!.AsObject().Remove("classiccnn");
            cell["source"] = new JsonArray(
                "GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();\n",
                $"Console.WriteLine($\"classiccnn pass {pass}: working set {{System.Diagnostics.Process.GetCurrentProcess().WorkingSet64}} bytes\");");
            return cell;
        }
        var original = cells.Select(c => c!.DeepClone()).ToList();
        cells.Add(MemoryCell(1));
        for (int pass = 2; pass <= passes; pass++)
        {
            foreach (var cell in original) cells.Add(cell.DeepClone());
            cells.Add(MemoryCell(pass));
        }
        ClassicCnn.Platform.AtomicFile.WriteAllText(outputPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"classiccnn pass (\d+): working set (\d+) bytes")]
    internal static partial System.Text.RegularExpressions.Regex PassMemory();

    static CodeCell ReadCodeCell(JsonObject cell, int number)
    {
        var expect = cell["metadata"]?["classiccnn"];
        return new CodeCell(number, JoinSource(cell["source"]),
            (cell["outputs"] as JsonArray ?? []).Select(o => ReadOutput(o!.AsObject())).ToList(),
            Strings(expect?["expectMimeTypes"]), Strings(expect?["expectText"]))
        {
            Started = Time(cell["metadata"]?["dotnet_repl_cellExecutionStartTime"]),
            Ended = Time(cell["metadata"]?["dotnet_repl_cellExecutionEndTime"]),
        };
    }

    static DateTimeOffset? Time(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.String && DateTimeOffset.TryParse((string?)node, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var time) ? time : null;

    static CellOutput ReadOutput(JsonObject output)
    {
        string kind = (string?)output["output_type"] ?? "";
        var data = output["data"] as JsonObject;
        var mimes = data?.Select(p => p.Key).ToList() ?? [];
        string text = kind switch
        {
            "stream" => JoinSource(output["text"]),
            "error" => $"{output["ename"]}: {output["evalue"]}\n{string.Join('\n', Strings(output["traceback"]))}",
            _ => string.Join('\n', data?.Select(p => JoinSource(p.Value)) ?? []),
        };
        return new CellOutput(kind, mimes, text, (string?)output["name"], (string?)output["ename"])
        {
            Data = data?.ToDictionary(p => p.Key, p => JoinSource(p.Value)) ?? [],
        };
    }

    /// <summary>Notebook text fields are either one string or an array of lines.</summary>
    internal static string JoinSource(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => l?.GetValueKind() == JsonValueKind.String ? (string?)l : l?.ToJsonString())),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => (string?)value ?? "",
        null => "",
        _ => node.ToJsonString(),
    };

    static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string?)n ?? "").ToList() : [];
}
