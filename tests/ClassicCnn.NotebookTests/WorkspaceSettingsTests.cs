using System.Text.Json;
using ClassicCnn.Platform;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

/// <summary>
/// The VS Code workspace files: with the repository's folder open, outside a container too, the notebook kernels get
/// the dev containers' allocator settings and VS Code offers the containers' extensions. No VS Code runs here; the
/// setting's effect (Polyglot Notebooks adds the object to each kernel's environment) is the extension's.
/// </summary>
public class WorkspaceSettingsTests
{
    readonly Repository repository = Repository.Find(AppContext.BaseDirectory);

    [Fact]
    public void Kernels_started_with_the_folder_open_get_the_containers_allocator_settings_and_nothing_else()
    {
        var kernelVariables = SettingsFiles.Load(repository, ".vscode/settings.json").GetProperty("polyglot-notebook.kernelEnvironmentVariables");
        Assert.Equal([NativeAllocator.TunablesVariable], kernelVariables.EnumerateObject().Select(v => v.Name));
        Assert.Equal(NativeAllocator.GlibcTunables, kernelVariables.GetProperty(NativeAllocator.TunablesVariable).GetString());
    }

    [Fact]
    public void The_recommended_extensions_are_the_containers_extensions()
    {
        static List<string?> Names(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()).ToList();
        var containerExtensions = Names(SettingsFiles.Load(repository, ".devcontainer/devcontainer.json").GetProperty("customizations").GetProperty("vscode").GetProperty("extensions"));
        Assert.Equal(containerExtensions, Names(SettingsFiles.Load(repository, ".vscode/extensions.json").GetProperty("recommendations")));
    }
}
