using System.Runtime.InteropServices;

namespace ClassicCnn.Platform;

/// <summary>
/// libtorch allocates CPU tensors with malloc. glibc's defaults hand freed blocks back to the operating system (munmap
/// for blocks above its mmap threshold, trimming for the heap top), so each training step maps fresh pages and the
/// kernel zeroes them again: on LeNet-5 (batch 256) 3 s of system time per 200 steps; AlexNet's and VGG's activations
/// (36-100 MB at batch 32) lie above the largest mmap threshold glibc accepts, and their steps took 1.7-1.8 times as
/// long (docs/performance.md). The library asks glibc to serve every block from the heap and keep what is freed for
/// reuse, as PyTorch's CUDA caching allocator does on a GPU. That holds for the process's first thread; other threads
/// need <see cref="GlibcTunables"/> at the process's start. Set CLASSICCNN_MALLOC=default to leave glibc alone.
/// </summary>
internal static class NativeAllocator
{
    /// <summary>Free memory at the top of the heap kept before it is given back (the largest value mallopt takes).</summary>
    internal const int TrimThreshold = int.MaxValue;

    /// <summary>
    /// The settings for a process started from here (a notebook kernel, PyTorch's side of the benchmark), as glibc
    /// tunables. They add one arena for all threads, which only a process's start can set: each thread other than
    /// the first allocates from an arena of its own, which unmaps a 64 MiB heap as soon as it is empty, so a notebook
    /// kernel (cells run on worker threads) kept mapping VGG's blocks afresh every step.
    /// </summary>
    public const string GlibcTunables = "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647";

    const int M_TRIM_THRESHOLD = -1, M_MMAP_MAX = -4;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int parameter, int value);

    /// <summary>Applies the settings on Linux with glibc; says what happened.</summary>
    internal static string KeepFreedBuffers()
    {
        if (AskedForDefaults(Environment.GetEnvironmentVariable(EnvironmentVariables.Malloc)))
            return $"glibc defaults ({EnvironmentVariables.Malloc}=default)"
                + (Environment.GetEnvironmentVariable(TunablesVariable) is { Length: > 0 } set ? $", apart from {TunablesVariable}={set}" : "");
        if (!OperatingSystem.IsLinux())
            return "the platform's defaults";
        try
        {
            bool ok = MallOpt(M_MMAP_MAX, 0) == 1 & MallOpt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            if (!ok) return "glibc refused the settings; defaults";
            return Entries(Environment.GetEnvironmentVariable(TunablesVariable)).Contains("glibc.malloc.arena_max=1")
                ? "glibc keeps freed buffers (every block from the heap, one arena for all threads, trim threshold 2 GiB)"
                : $"glibc keeps freed buffers (every block from the heap, trim threshold 2 GiB); threads other than the first have arenas of their own that give large blocks back: open the repository's folder in VS Code (its .vscode/settings.json gives the kernel the variable) or start the process with {TunablesVariable}={GlibcTunables}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no glibc mallopt; the C library's defaults";
        }
    }

    /// <summary>
    /// The GLIBC_TUNABLES value for a process about to start with <paramref name="extra"/> on top of this process's
    /// variables: <see cref="GlibcTunables"/> on Linux, after any tunables already set that are not glibc.malloc ones;
    /// null where the malloc settings were chosen already (a glibc.malloc tunable set, or CLASSICCNN_MALLOC=default)
    /// or there is no glibc.
    /// </summary>
    public static string? TunablesFor(IReadOnlyDictionary<string, string>? extra = null)
    {
        string? Variable(string name) => extra is not null && extra.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name);
        var existing = Entries(Variable(TunablesVariable));
        bool chosen = existing.Any(e => e.StartsWith("glibc.malloc.")) || AskedForDefaults(Variable(EnvironmentVariables.Malloc));
        return OperatingSystem.IsLinux() && !chosen ? string.Join(':', existing.Append(GlibcTunables)) : null;
    }

    public const string TunablesVariable = "GLIBC_TUNABLES";

    static bool AskedForDefaults(string? malloc) => string.Equals(malloc?.Trim(), "default", StringComparison.OrdinalIgnoreCase);

    static string[] Entries(string? tunables) => (tunables ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
