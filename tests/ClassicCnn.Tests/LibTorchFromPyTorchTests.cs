using ClassicCnn.Benchmarks;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

/// <summary>The benchmark's --libtorch option: the folder it needs, and the warning for a PyTorch of another release.</summary>
public class LibTorchFromPyTorchTests
{
    /// <summary>A PyTorch's torch/lib folder (empty) and torch/version.py beside it, with <paramref name="versionPy"/> as its text.</summary>
    static string TorchLib(TempFolder temp, string? versionPy)
    {
        string lib = Path.Combine(temp.Path, "torch", "lib");
        Directory.CreateDirectory(lib);
        if (versionPy is not null) File.WriteAllText(Path.Combine(temp.Path, "torch", "version.py"), versionPy);
        return lib;
    }

    static string VersionPy(string version) => $"from typing import Optional\n\n__all__ = ['__version__']\n__version__ = '{version}'\ndebug = False\n";

    [Theory]
    [InlineData("2.14.1+debian")]
    [InlineData("1.13.1")]
    [InlineData("2.1.0")] // not "2.10" by a prefix
    public void A_PyTorch_of_another_release_than_TorchSharps_libtorch_is_named_in_a_warning(string version)
    {
        using var temp = new TempFolder();
        string lib = TorchLib(temp, VersionPy(version));
        Assert.StartsWith($"warning: --libtorch {lib} holds PyTorch {version}'s libtorch, but TorchSharp is built for libtorch {TorchRuntime.LibTorchVersion}",
            LibTorchFromPyTorch.VersionWarning(lib));
    }

    [Theory]
    [InlineData("2.10.0")]
    [InlineData("2.10")]
    [InlineData("2.10.1+cu128")]
    [InlineData("2.10.0a0+gitabc1234")]
    public void A_PyTorch_of_TorchSharps_libtorch_release_needs_no_warning(string version)
    {
        using var temp = new TempFolder();
        Assert.Equal("2.10", LibTorchFromPyTorch.Release(TorchRuntime.LibTorchVersion)); // the release these cases are of
        Assert.Null(LibTorchFromPyTorch.VersionWarning(TorchLib(temp, VersionPy(version))));
    }

    [Fact]
    public void A_missing_or_unreadable_version_py_is_named_and_the_libtorch_called_unknown()
    {
        using var temp = new TempFolder();
        string lib = TorchLib(temp, null);
        string file = Path.GetFullPath(Path.Combine(lib, "..", "version.py"));
        Assert.Equal($"warning: --libtorch: there is no {file}, so which libtorch {lib} holds is unknown; TorchSharp is built for libtorch {TorchRuntime.LibTorchVersion}.",
            LibTorchFromPyTorch.VersionWarning(lib));
        File.WriteAllText(file, "version: str = '2.10.0'\n");
        Assert.StartsWith($"warning: --libtorch: {file} sets no __version__ = '...', so which libtorch {lib} holds is unknown", LibTorchFromPyTorch.VersionWarning(lib));
    }

    [SkippableFact]
    public void A_folder_without_libtorch_cpu_is_refused_before_anything_is_loaded_and_torch_for_torch_lib_is_pointed_out()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Elsewhere --libtorch is refused as Linux-only first.");
        using var temp = new TempFolder();
        string lib = TorchLib(temp, VersionPy("2.10.0"));
        var empty = Assert.Throws<FileNotFoundException>(() => LibTorchFromPyTorch.Load(lib));
        Assert.StartsWith($"--libtorch {lib}: no libtorch_cpu.so there; give PyTorch's torch/lib folder", empty.Message);

        File.WriteAllBytes(Path.Combine(lib, "libtorch_cpu.so"), []);
        string torch = Path.GetDirectoryName(lib)!;
        var parent = Assert.Throws<FileNotFoundException>(() => LibTorchFromPyTorch.Load(torch));
        Assert.Equal($"--libtorch {torch}: no libtorch_cpu.so there; did you mean {lib}?", parent.Message);

        Assert.Throws<DirectoryNotFoundException>(() => LibTorchFromPyTorch.Load(Path.Combine(temp.Path, "nowhere")));
    }
}
