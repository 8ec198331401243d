using ClassicCnn.Benchmarks;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

/// <summary>The benchmark's --libtorch option: which PyTorch a torch/lib folder belongs to, and the warning for another release.</summary>
public class LibTorchFromPyTorchTests
{
    static string TorchLib(TempFolder temp, string? version)
    {
        string lib = Path.Combine(temp.Path, "torch", "lib");
        Directory.CreateDirectory(lib);
        if (version is not null)
            File.WriteAllText(Path.Combine(temp.Path, "torch", "version.py"), $"from typing import Optional\n\n__all__ = ['__version__']\n__version__ = '{version}'\ndebug = False\n");
        return lib;
    }

    [Theory]
    [InlineData("2.14.1+debian")]
    [InlineData("1.13.1")]
    public void A_PyTorch_of_another_release_than_TorchSharps_libtorch_is_named_in_a_warning(string version)
    {
        using var temp = new TempFolder();
        string lib = TorchLib(temp, version);
        Assert.Equal(version, LibTorchFromPyTorch.PyTorchVersion(lib));
        string? warning = LibTorchFromPyTorch.VersionWarning(lib);
        Assert.NotNull(warning);
        Assert.StartsWith($"warning: --libtorch {lib} holds PyTorch {version}'s libtorch, but TorchSharp is built for libtorch {TorchRuntime.LibTorchVersion}", warning);
    }

    [Theory]
    [InlineData("2.10.0")]
    [InlineData("2.10.1+cu128")]
    public void A_PyTorch_of_TorchSharps_libtorch_release_needs_no_warning(string version)
    {
        using var temp = new TempFolder();
        Assert.Equal("2.10", string.Join('.', TorchRuntime.LibTorchVersion.Split('.').Take(2))); // the release these cases are of
        Assert.Null(LibTorchFromPyTorch.VersionWarning(TorchLib(temp, version)));
    }

    [Fact]
    public void A_folder_without_version_py_is_said_to_hold_an_unknown_libtorch()
    {
        using var temp = new TempFolder();
        string lib = TorchLib(temp, null);
        Assert.Null(LibTorchFromPyTorch.PyTorchVersion(lib));
        Assert.Equal($"warning: --libtorch {lib}: no torch/version.py beside it, so which libtorch it holds is unknown; TorchSharp is built for libtorch {TorchRuntime.LibTorchVersion}.",
            LibTorchFromPyTorch.VersionWarning(lib));
    }
}
