using System.Text.Json;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

/// <summary>The repository's JSON-with-comments settings files (dev containers, VS Code), read as their tools read them.</summary>
static class SettingsFiles
{
    public static JsonElement Load(Repository repository, string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(repository.Root, file)),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).RootElement;
}
