using System.Runtime.InteropServices;

namespace ClassicCnn.Benchmarks;

/// <summary>The CPU a table was measured on: its model name and the vector instruction sets libtorch's kernels choose by.</summary>
public static class CpuDescription
{
    static readonly string[] InstructionSets = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile", "asimd", "sve"];

    public static string ModelName { get; } = Read("model name") ?? Read("Processor") ?? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();

    public static IReadOnlyList<string> Sets { get; } = (Read("flags") ?? Read("Features") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Where(InstructionSets.Contains).OrderBy(f => Array.IndexOf(InstructionSets, f)).ToList();

    public static string Describe() => $"{ModelName}, {Environment.ProcessorCount} logical cores, {(Sets.Count > 0 ? string.Join(" ", Sets) : "instruction sets unknown")}";

    static string? Read(string key) => OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key + "\t") || l.StartsWith(key + " "))?.Split(':', 2)[1].Trim()
        : null;
}

/// <summary>Which BLAS the libtorch in this process uses, asked of the library itself (the benchmark reports both sides').</summary>
public static class LoadedBlas
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    delegate void GetVersionString(byte[] buffer, int length);

    [DllImport("libc", EntryPoint = "dlsym")]
    static extern IntPtr DlSym(IntPtr handle, string symbol);

    [DllImport("libc", EntryPoint = "dladdr")]
    static extern int DlAddr(IntPtr address, out DlInfo info);

    struct DlInfo { public IntPtr FileName, FileBase, SymbolName, SymbolAddress; }

    public static string Describe()
    {
        // A BLAS in the global scope (preloaded by --same-blas) answers libtorch's sgemm_ calls before its own MKL does.
        if (OperatingSystem.IsLinux() && DlSym(IntPtr.Zero, "sgemm_") is var sgemm && sgemm != IntPtr.Zero
            && DlAddr(sgemm, out var info) != 0 && Marshal.PtrToStringAnsi(info.FileName) is { } file && !file.Contains("libtorch"))
            return $"sgemm_ from {Path.GetFileName(file)} ({Path.GetFileName(Path.GetDirectoryName(file))})";
        // Official libtorch builds link MKL into libtorch_cpu and export its version call; Torch is loaded by now.
        string library = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        if (NativeLibrary.TryLoad(library, out var handle) && NativeLibrary.TryGetExport(handle, "MKL_Get_Version_String", out var export))
        {
            var buffer = new byte[256];
            Marshal.GetDelegateForFunctionPointer<GetVersionString>(export)(buffer, buffer.Length);
            return System.Text.Encoding.ASCII.GetString(buffer).TrimEnd('\0', ' ').Replace("Intel(R) oneAPI Math Kernel Library", "MKL");
        }
        // A libtorch from elsewhere (--libtorch): name a BLAS library it brought in.
        var openBlas = OperatingSystem.IsLinux() ? File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())
            .FirstOrDefault(p => Path.GetFileName(p).Contains("openblas")) : null;
        return openBlas is null ? "not found (no MKL in libtorch_cpu, no OpenBLAS loaded)" : $"OpenBLAS ({Path.GetFileName(Path.GetDirectoryName(openBlas))})";
    }
}
