using System.Text.Json;
using ClassicCnn.Platform;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

/// <summary>
/// The dev container files, checked against the properties of the dev container reference that they use
/// (containers.dev/implementors/json_reference) and their commands run the way the container would run them.
/// No Docker engine runs here, so the container itself is not started.
/// </summary>
[Collection(SeriesCollection.Name)]
public class DevcontainerTests(SeriesFixture series)
{
    /// <summary>Property name → the JSON kinds the reference allows for it.</summary>
    static readonly Dictionary<string, JsonValueKind[]> Reference = new()
    {
        ["name"] = [JsonValueKind.String],
        ["image"] = [JsonValueKind.String],
        ["hostRequirements"] = [JsonValueKind.Object],
        ["containerEnv"] = [JsonValueKind.Object],
        ["remoteEnv"] = [JsonValueKind.Object],
        ["runArgs"] = [JsonValueKind.Array],
        ["customizations"] = [JsonValueKind.Object],
        ["postCreateCommand"] = [JsonValueKind.String, JsonValueKind.Array, JsonValueKind.Object],
        ["features"] = [JsonValueKind.Object],
    };

    static readonly Dictionary<string, JsonValueKind[]> HostRequirements = new()
    {
        ["cpus"] = [JsonValueKind.Number],
        ["memory"] = [JsonValueKind.String],
        ["storage"] = [JsonValueKind.String],
        ["gpu"] = [JsonValueKind.True, JsonValueKind.False, JsonValueKind.String, JsonValueKind.Object],
    };

    public static TheoryData<string> Files() => new() { ".devcontainer/devcontainer.json", ".devcontainer/gpu/devcontainer.json", ".devcontainer/zh-CN/devcontainer.json" };

    JsonElement Load(string file) => SettingsFiles.Load(series.Repository, file);

    [Theory]
    [MemberData(nameof(Files))]
    public void Uses_only_reference_properties_with_their_types(string file)
    {
        var root = Load(file);
        foreach (var property in root.EnumerateObject())
        {
            Assert.True(Reference.TryGetValue(property.Name, out var kinds), $"{file}: '{property.Name}' is not a dev container property this project knows");
            Assert.Contains(property.Value.ValueKind, kinds);
        }
        Assert.StartsWith("mcr.microsoft.com/devcontainers/dotnet:10", root.GetProperty("image").GetString());
        var host = root.GetProperty("hostRequirements");
        foreach (var requirement in host.EnumerateObject())
        {
            Assert.True(HostRequirements.TryGetValue(requirement.Name, out var kinds), $"{file}: hostRequirements.{requirement.Name} is unknown");
            Assert.Contains(requirement.Value.ValueKind, kinds);
        }
        Assert.True(host.GetProperty("cpus").GetInt32() >= 4, "training needs at least 4 cores");
        Assert.Matches(@"^\d+gb$", host.GetProperty("memory").GetString());
        Assert.All(root.GetProperty("containerEnv").EnumerateObject(), e => Assert.Equal(JsonValueKind.String, e.Value.ValueKind));
        // The kernel VS Code starts there gets the allocator settings that the run command gives its kernels.
        Assert.Equal(NativeAllocator.GlibcTunables, root.GetProperty("containerEnv").GetProperty(NativeAllocator.TunablesVariable).GetString());
        var extensions = root.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
        Assert.Contains("ms-dotnettools.csdevkit", extensions);
        Assert.Contains("ms-toolsai.jupyter", extensions);
        Assert.Equal("dotnet run --project lib/ClassicCnn.Tool -- setup", root.GetProperty("postCreateCommand").GetString());
    }

    [Fact]
    public void The_chinese_configuration_draws_in_chinese_and_opens_the_chinese_edition()
    {
        var chinese = Load(".devcontainer/zh-CN/devcontainer.json");
        Assert.Equal("zh-CN", chinese.GetProperty("containerEnv").GetProperty(ClassicCnn.Platform.EnvironmentVariables.Language).GetString());
        string opened = chinese.GetProperty("customizations").GetProperty("codespaces").GetProperty("openFiles")[0].GetString()!;
        Assert.Equal("notebooks/zh-CN/00-setup.ipynb", opened);
        Assert.True(File.Exists(Path.Combine(series.Repository.Root, opened)), $"{opened} does not exist");
        Assert.True(File.Exists(Path.Combine(series.Repository.Root, Load(".devcontainer/devcontainer.json").GetProperty("customizations").GetProperty("codespaces").GetProperty("openFiles")[0].GetString()!)));
    }

    [Fact]
    public void The_gpu_configuration_asks_for_a_gpu_and_selects_the_cuda_runtime()
    {
        var gpu = Load(".devcontainer/gpu/devcontainer.json");
        Assert.True(gpu.GetProperty("hostRequirements").GetProperty("gpu").GetBoolean());
        Assert.Equal("cuda", gpu.GetProperty("containerEnv").GetProperty(EnvironmentVariables.Backend).GetString());
        Assert.Equal("full", gpu.GetProperty("containerEnv").GetProperty(EnvironmentVariables.Profile).GetString());
        Assert.Equal("cpu", Load(".devcontainer/devcontainer.json").GetProperty("containerEnv").GetProperty(EnvironmentVariables.Backend).GetString());

        // What the container's set-up would restore: with CLASSICCNN_BACKEND=cuda the package brings the CUDA runtime.
        string References(string backend) => ChildProcess.Run("dotnet", ["msbuild", "lib/ClassicCnn/ClassicCnn.csproj", "-getItem:PackageReference", "-nologo"],
            series.Repository.Root, TimeSpan.FromMinutes(2), environment: new Dictionary<string, string> { [EnvironmentVariables.Backend] = backend }).Output;
        string cuda = References("cuda");
        Assert.Contains(OperatingSystem.IsWindows() ? "TorchSharp-cuda-windows" : "TorchSharp-cuda-linux", cuda);
        Assert.DoesNotContain("TorchSharp-cpu", cuda);
        Assert.Contains("TorchSharp-cpu", References("cpu"));
        Assert.Contains("CLASSICCNN_BACKEND is 'gpu'; use cpu, cuda or none", ChildProcess.Run("dotnet", ["msbuild", "lib/ClassicCnn/ClassicCnn.csproj", "-t:CheckClassicCnnBackend", "-nologo"],
            series.Repository.Root, TimeSpan.FromMinutes(2), environment: new Dictionary<string, string> { [EnvironmentVariables.Backend] = "gpu" }).Output);
    }

    [Fact]
    public void The_cpu_post_create_command_runs_as_the_container_would_run_it()
    {
        var config = Load(".devcontainer/devcontainer.json");
        var environment = config.GetProperty("containerEnv").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
        string command = config.GetProperty("postCreateCommand").GetString()!;
        var result = ChildProcess.Run("bash", ["-c", command], series.Repository.Root, TimeSpan.FromMinutes(5), environment: environment);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("notebooks will load ClassicCnn 0.1.0-local.", result.Output);
    }
}
