using System.Text.Json.Nodes;

namespace ClassicCnn.NotebookTests;

/// <summary>Small executed notebooks written by the site tests, shaped as dotnet-repl writes them.</summary>
static class ExecutedNotebookFixture
{
    public static JsonObject Markdown(string source) => new()
    {
        ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = source,
    };

    public static JsonObject Code(string source, TimeSpan start, TimeSpan end, params JsonObject[] outputs) => new()
    {
        ["cell_type"] = "code",
        ["execution_count"] = 1,
        ["metadata"] = new JsonObject
        {
            ["dotnet_repl_cellExecutionStartTime"] = (new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero) + start).ToString("O"),
            ["dotnet_repl_cellExecutionEndTime"] = (new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero) + end).ToString("O"),
            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
        },
        ["outputs"] = new JsonArray(outputs),
        ["source"] = source,
    };

    public static JsonObject Html(string html) => Display("text/html", html);

    /// <summary>The HTML an output made with <see cref="Html"/> (or <see cref="Chart"/>) carries.</summary>
    public static string HtmlOf(JsonObject output) => output["data"]!["text/html"]!.GetValue<string>();
    public static JsonObject Text(string text) => Display("text/plain", text);

    static JsonObject Display(string mime, string text) => new()
    {
        ["output_type"] = "display_data", ["metadata"] = new JsonObject(), ["data"] = new JsonObject { [mime] = text },
    };

    public static JsonObject Stdout(string text) => new() { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = text };

    /// <summary>A Plotly chart as the library's NotebookHtml.Chart writes it, optionally carrying (a stand-in for) plotly.js.</summary>
    public static JsonObject Chart(string id, string data = """[{"type":"scatter","x":[1,2,3],"y":[2,1,3]}]""", bool embedsLibrary = false)
    {
        string library = embedsLibrary ? $"<script type=\"text/javascript\">/**\n* plotly.js v2.28.0\n*/\nvar notTheLibrary = '{new string('x', 200_000)}'; // like plotly.js, it mentions Plotly.newPlot(gd, data, layout)</script>" : "";
        string layout = $"{{\"width\":480,\"height\":300,\"title\":{{\"text\":\"{id}\"}}}}";
        return Html($$"""
            {{library}}<div><div id="{{id}}"><!-- Plotly chart will be drawn inside this DIV --></div><script type="text/javascript">var renderPlotly_{{id}} = function() {
                var data = {{data}};
                var layout = {{layout}};
                var config = {"responsive":true};
                Plotly.newPlot('{{id}}', data, layout, config);
            };
            if (window.Plotly) { renderPlotly_{{id}}(); } else { var s = document.createElement('script'); s.src = 'https://cdn.plot.ly/plotly-2.28.0.min.js'; s.onload = renderPlotly_{{id}}; document.head.appendChild(s); }
            </script></div>
            """);
    }

    public static string Write(string path, params JsonObject[] cells)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(cells),
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#" } },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }
}
