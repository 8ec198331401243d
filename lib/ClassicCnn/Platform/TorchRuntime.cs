using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ClassicCnn.Platform;

/// <summary>
/// The one place that decides where tensors live. CUDA is used when libtorch sees a GPU, else the CPU;
/// the CLASSICCNN_DEVICE environment variable (cpu, cuda, cuda:1) or <see cref="Use"/> overrides it.
/// </summary>
public static class TorchRuntime
{
    static Device? chosen;
    static IReadOnlyList<FixReport> nativeFixes = [];

    /// <summary>How the library set glibc's allocator when it loaded (it keeps freed buffers; CLASSICCNN_MALLOC=default leaves it alone).</summary>
    public static string Allocator { get; private set; } = "not set";

    /// <summary>
    /// Runs when the ClassicCnn assembly loads, before any of its code can touch libtorch: makes
    /// libLibTorchSharp.so loadable on systems whose libstdc++ is too old (see <see cref="LibStdCxxCompatibility"/>).
    /// </summary>
    [ModuleInitializer]
    internal static void PrepareNativeLibraries()
    {
        try
        {
            nativeFixes = LibStdCxxCompatibility.FixAll(LibStdCxxCompatibility.DefaultFolders());
            PreloadPackagedLibTorch();
            Allocator = NativeAllocator.KeepFreedBuffers();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or PlatformNotSupportedException)
        {
            Console.Error.WriteLine($"ClassicCnn: could not prepare libLibTorchSharp.so: {e.Message}");
        }
    }

    /// <summary>
    /// In a notebook kernel TorchSharp looks for libtorch by name, and a system libtorch (Debian's python3-torch installs
    /// /usr/lib/x86_64-linux-gnu/libtorch.so, version 1.13) then wins over the packaged 2.10 and the load fails with
    /// "doesn't contain a reference to libtorch-cpu-linux-x64". Loading the packaged libtorch first, by its full path,
    /// makes every later lookup by name find it. Applications carry libtorch in their own folder and skip this.
    /// </summary>
    static void PreloadPackagedLibTorch()
    {
        if (!OperatingSystem.IsLinux() || File.Exists(Path.Combine(AppContext.BaseDirectory, "libtorch.so"))
            || File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch.so")))
            return;
        string packages = LibStdCxxCompatibility.NuGetPackagesFolder();
        string torchSharpCopy = Path.Combine(Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "", "cpu");
        string[] candidates =
        [
            torchSharpCopy,
            Path.Combine(packages, "libtorch-cpu-linux-x64", LibTorchVersion, "runtimes", "linux-x64", "native"),
        ];
        string? folder = candidates.FirstOrDefault(f => File.Exists(Path.Combine(f, "libtorch.so")));
        if (folder is null) return;
        NativeLibrary.Load(Path.Combine(folder, "libtorch.so"));
    }

    /// <summary>What the native-library check did when the library loaded (empty off Linux).</summary>
    internal static IReadOnlyList<FixReport> NativeFixes => nativeFixes;

    /// <summary>The device every ClassicCnn helper puts models and data on.</summary>
    public static Device Device => chosen ??= Parse(Environment.GetEnvironmentVariable(EnvironmentVariables.Device), EnvironmentVariables.Device);

    /// <summary>Overrides the device for this process ("cpu", "cuda", "cuda:1", or "auto").</summary>
    public static Device Use(string device) => chosen = Parse(device, nameof(device));

    public static bool CudaAvailable => cuda.is_available();

    static Device Parse(string? text, string source)
    {
        text = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(text) || text == "auto")
            return Configure(CudaAvailable ? CUDA : CPU);
        if (text != "cpu" && !text.StartsWith("cuda"))
            throw new ArgumentException($"{source} is '{text}': use auto, cpu, cuda or cuda:N.", source);
        if (text.StartsWith("cuda") && !CudaAvailable)
            throw new InvalidOperationException(
                $"{source} asks for '{text}' but libtorch sees no CUDA device. Reference the CUDA runtime " +
                $"({EnvironmentVariables.Backend}=cuda: TorchSharp-cuda-linux or TorchSharp-cuda-windows) on a machine with an NVIDIA driver, or use cpu.");
        return Configure(torch.device(text));
    }

    static Device Configure(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            // TF32 tensor cores for matmul and convolutions: ~2x on Ampere and later at no cost in accuracy that matters here.
            backends.cuda.matmul.allow_tf32 = true;
            backends.cudnn.allow_tf32 = true;
        }
        return device;
    }

    /// <summary>
    /// Makes the model's convolutions give the right numbers on CPUs where libtorch's own kernels do not (see
    /// docs/platform.md). The library's training, evaluation, prediction, gradient probes and receptive-field measurement
    /// do this by themselves; call it for code of your own that runs a model. Returns the model.
    /// </summary>
    public static T ProtectConvolutions<T>(T model) where T : nn.Module => ConvolutionGuard.Protect(model);

    /// <summary>Seeds libtorch's generators (CPU and CUDA) so a CPU run repeats exactly.</summary>
    public static void Seed(long seed) => random.manual_seed(seed);

    public static string TorchSharpVersion =>
        typeof(torch).Assembly.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version!.ToString();

    /// <summary>The libtorch build TorchSharp 0.107.0 binds to.</summary>
    public const string LibTorchVersion = "2.10.0";

    /// <summary>Facts a learner wants to see first: versions, device, threads.</summary>
    public static IReadOnlyList<(string Name, string Value)> Describe() =>
    [
        (".NET", RuntimeInformation.FrameworkDescription),
        ("OS", $"{RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})"),
        ("TorchSharp", TorchSharpVersion),
        ("libtorch", LibTorchVersion),
        ("CUDA available", CudaAvailable ? $"yes, {cuda.device_count()} device(s)" : "no"),
        ("device", Device.ToString()),
        ("CPU threads (libtorch)", get_num_threads().ToString()),
        ("logical cores", Environment.ProcessorCount.ToString()),
        ("native allocator", Allocator),
        ("convolution check (CPU)", ConvolutionGuard.Check.Summary),
        ("libLibTorchSharp.so fix", nativeFixes.Count == 0 ? FixReport.NotNeededSummary : string.Join("; ", nativeFixes.Select(f => f.Summary).Distinct())),
    ];
}
