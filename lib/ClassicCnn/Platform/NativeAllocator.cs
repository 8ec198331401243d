using System.Runtime.InteropServices;

namespace ClassicCnn.Platform;

/// <summary>
/// libtorch allocates CPU tensors with malloc. glibc's defaults hand every freed block of a few MB back to the
/// operating system (munmap, or trimming the heap top), so each training step maps fresh pages and the kernel
/// zeroes them again: on LeNet-5 (batch 256, 2 threads) that was 3 s of system time per 200 steps, a 15% slower
/// median step and most of the step-to-step jitter. Raising the two thresholds keeps those buffers for reuse.
/// Set CLASSICCNN_MALLOC=default to leave glibc alone.
/// </summary>
internal static class NativeAllocator
{
    /// <summary>Blocks up to this size come from the heap (glibc's own ceiling for the setting: 32 MiB on 64-bit).</summary>
    public const int MmapThreshold = 32 << 20;

    /// <summary>Free memory at the top of the heap kept before it is given back.</summary>
    public const int TrimThreshold = 256 << 20;

    /// <summary>The same settings for another process (PyTorch's, in the benchmark), as glibc tunables.</summary>
    public const string GlibcTunables = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int parameter, int value);

    /// <summary>Applies the thresholds on Linux with glibc; says what happened.</summary>
    public static string KeepFreedBuffers()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariables.Malloc)?.Trim().ToLowerInvariant() == "default")
            return $"glibc defaults ({EnvironmentVariables.Malloc}=default)";
        if (!OperatingSystem.IsLinux())
            return "the platform's defaults";
        try
        {
            bool ok = MallOpt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & MallOpt(M_TRIM_THRESHOLD, TrimThreshold) == 1;
            return ok ? "glibc keeps freed buffers (mmap threshold 32 MiB, trim threshold 256 MiB)" : "glibc refused the thresholds; defaults";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "no glibc mallopt; the C library's defaults";
        }
    }
}
