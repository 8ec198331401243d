using System.Runtime.InteropServices;

namespace ClassicCnn.Benchmarks;

/// <summary>
/// Makes TorchSharp use the libtorch of an installed PyTorch (for instance a CUDA build on a GPU machine where the
/// TorchSharp CUDA packages cannot be restored): the PyTorch libraries are loaded first, globally, so that
/// libLibTorchSharp.so binds to them.
/// </summary>
public static class LibTorchFromPyTorch
{
    [DllImport("libc", EntryPoint = "dlopen")]
    static extern IntPtr DlOpen(string path, int flags);

    [DllImport("libc", EntryPoint = "dlerror")]
    static extern IntPtr DlError();

    const int RtldNow = 2, RtldGlobal = 0x100;

    const string WhichFolder = "give PyTorch's torch/lib folder (python3 -c \"import torch, os; print(os.path.dirname(torch.__file__) + '/lib')\")";

    public static void Load(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"--libtorch {folder}: no such folder; {WhichFolder}.");
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("--libtorch is implemented for Linux only.");
        if (!File.Exists(Path.Combine(folder, "libtorch_cpu.so")))
            throw new FileNotFoundException($"--libtorch {folder}: no libtorch_cpu.so there" +
                (File.Exists(Path.Combine(folder, "lib", "libtorch_cpu.so")) ? $"; did you mean {Path.Combine(folder, "lib")}?" : $"; {WhichFolder}."));
        if (VersionWarning(folder) is { } warning) Console.Error.WriteLine(warning);
        foreach (var name in new[] { "libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so" })
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue;
            if (DlOpen(path, RtldNow | RtldGlobal) == IntPtr.Zero)
                throw new InvalidOperationException($"Could not load {path}: {Marshal.PtrToStringAnsi(DlError())}");
            Console.WriteLine($"loaded {path}");
        }
    }

    /// <summary>The major and minor version ("2.10" of "2.10.0a0+git1234"): the release whose C++ interface a build has.</summary>
    public static string Release(string version) => string.Join('.', version.Split('.', '+').Take(2));

    /// <summary>
    /// A warning when <paramref name="folder"/>'s PyTorch (torch/version.py beside it) is not of the libtorch release
    /// TorchSharp is built for, or when that file does not say: libtorch's C++ interface moves between releases, and
    /// TorchSharp then misreads arguments or crashes. Null when the release matches.
    /// </summary>
    public static string? VersionWarning(string folder)
    {
        // The constant only: TorchRuntime's other members would load TorchSharp's own libtorch before this folder's.
        string expected = ClassicCnn.Platform.TorchRuntime.LibTorchVersion;
        string file = Path.GetFullPath(Path.Combine(folder, "..", "version.py"));
        string unknown = $"so which libtorch {folder} holds is unknown; TorchSharp is built for libtorch {expected}.";
        if (!File.Exists(file)) return $"warning: --libtorch: there is no {file}, {unknown}";
        var version = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(file), @"^__version__\s*=\s*['""]([^'""]+)['""]",
            System.Text.RegularExpressions.RegexOptions.Multiline);
        if (!version.Success) return $"warning: --libtorch: {file} sets no __version__ = '...', {unknown}";
        string found = version.Groups[1].Value;
        return Release(found) == Release(expected) ? null
            : $"warning: --libtorch {folder} holds PyTorch {found}'s libtorch, but TorchSharp is built for libtorch {expected}; " +
              "a libtorch of another release can misread arguments or crash (with PyTorch 2.14.1's, device arguments arrive as CUDA; " +
              $"1.13's aborts while loading). Prefer a PyTorch {Release(expected)}.";
    }
}
