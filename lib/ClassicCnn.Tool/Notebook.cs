using System.Text.Json;
using System.Text.Json.Nodes;

namespace ClassicCnn.Tool;

/// <summary>One output of a code cell: its kind, its MIME types and its text.</summary>
public sealed record CellOutput(string Kind, IReadOnlyList<string> MimeTypes, string Text, string? StreamName, string? ErrorName);

/// <summary>A code cell: its position among all cells, its source, outputs and the outputs it declares it must produce.</summary>
public sealed record CodeCell(int Number, string Source, IReadOnlyList<CellOutput> Outputs, IReadOnlyList<string> ExpectedMimeTypes, IReadOnlyList<string> ExpectedText);

/// <summary>
/// A .ipynb notebook as VS Code's Polyglot Notebooks writes it. A cell can declare outputs it must produce in
/// its metadata: <c>"classiccnn": { "expectMimeTypes": ["text/html"], "expectText": ["TorchSharp"] }</c>.
/// </summary>
public sealed class Notebook
{
    public string Path { get; }
    public JsonObject Json { get; }
    public IReadOnlyList<CodeCell> CodeCells { get; }
    public int CellCount { get; }

    Notebook(string path, JsonObject json)
    {
        Path = path;
        Json = json;
        var cells = json["cells"] as JsonArray ?? throw new InvalidDataException($"{path}: has no \"cells\" array.");
        CellCount = cells.Count;
        CodeCells = cells.Select((cell, index) => (cell, index))
            .Where(c => (string?)c.cell?["cell_type"] == "code")
            .Select(c => ReadCodeCell(c.cell!.AsObject(), c.index + 1))
            .ToList();
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

    static CodeCell ReadCodeCell(JsonObject cell, int number)
    {
        var expect = cell["metadata"]?["classiccnn"];
        return new CodeCell(number, JoinSource(cell["source"]),
            (cell["outputs"] as JsonArray ?? []).Select(o => ReadOutput(o!.AsObject())).ToList(),
            Strings(expect?["expectMimeTypes"]), Strings(expect?["expectText"]));
    }

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
        return new CellOutput(kind, mimes, text, (string?)output["name"], (string?)output["ename"]);
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
