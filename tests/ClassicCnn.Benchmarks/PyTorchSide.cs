using ClassicCnn.Platform;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ClassicCnn.Benchmarks;

/// <summary>Runs bench_pytorch.py (the same models and steps in PyTorch) for one model and reads its JSON line.</summary>
public sealed class PyTorchSide(string python, string version, bool cudaAvailable)
{
    /// <summary>Whether this PyTorch sees a CUDA device (a CPU-only build, such as Debian's, does not).</summary>
    public bool CudaAvailable => cudaAvailable;

    /// <summary>Give PyTorch the allocator settings ClassicCnn sets for itself (on unless --pytorch-malloc default).</summary>
    public bool SameAllocator { get; set; } = true;

    /// <summary>The device the TorchSharp side resolved ("cpu", "cuda:0"): PyTorch is told it rather than choosing its own.</summary>
    public string Device { get; set; } = "cpu";

    public string Describe() => $"{version} ({python}){(SameAllocator ? ", same allocator settings as ClassicCnn" : ", glibc's default malloc")}" +
        (OpenMpBlasFolder is { } folder ? $", OpenBLAS's OpenMP build ({folder})"
            : OperatingSystem.IsLinux() ? ". Warning: without OpenBLAS's OpenMP build (Debian: apt-get install libopenblas0-openmp) PyTorch may use OpenBLAS's pthread build, whose threads spin beside PyTorch's OpenMP threads and slow it down" : "");

    /// <summary>
    /// Debian's PyTorch takes whichever libblas.so.3 the system selects, usually OpenBLAS's pthread build. Its own
    /// threads spin (sched_yield) beside PyTorch's OpenMP threads on the same cores and slow PyTorch down (measured in
    /// docs/performance.md). The OpenMP build shares PyTorch's threads, as MKL does inside TorchSharp's libtorch, so the
    /// PyTorch child is pointed at it when installed.
    /// </summary>
    public static string? OpenMpBlasFolder { get; } = new[] { "x86_64-linux-gnu", "aarch64-linux-gnu" }
        .Select(arch => $"/usr/lib/{arch}/openblas-openmp").FirstOrDefault(f => File.Exists(Path.Combine(f, "libblas.so.3")));

    public static PyTorchSide? Find(string? configured)
    {
        foreach (var candidate in configured is not null ? [configured] : new[] { "/usr/bin/python3", "python3", "python" })
        {
            try
            {
                var info = new ProcessStartInfo(candidate, ["-c", "import torch; print(torch.__version__, torch.cuda.is_available())"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using var process = Process.Start(info)!;
                var errors = process.StandardError.ReadToEndAsync(); // read both at once: a full pipe would stall it
                string output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                errors.Wait();
                var words = output.Split(' ');
                if (process.ExitCode == 0 && words.Length == 2) return new PyTorchSide(candidate, "PyTorch " + words[0], words[1] == "True");
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    public Measurement Run(string model, int batch, int size, BenchmarkOptions options) => Measurement(RunScript(model, batch, size, options, profile: false));

    /// <summary>The forward seconds of each leaf layer, in the order they ran, and of each phase of a training step.</summary>
    public StepProfile Profile(string model, int batch, int size, BenchmarkOptions options) =>
        LayerProfile.Parse(RunScript(model, batch, size, options, profile: true), $"bench_pytorch.py for {model}");

    JsonElement RunScript(string model, int batch, int size, BenchmarkOptions options, bool profile) =>
        JsonDocument.Parse(ChildJson.Run(ScriptInfo(model, batch, size, options, profile ? "--profile" : null), $"bench_pytorch.py for {model}")).RootElement;

    /// <summary>The script for one model, answering one training step at a time (see PairedSteps).</summary>
    public ProcessStartInfo ServeInfo(string model, int batch, int size, BenchmarkOptions options) => ScriptInfo(model, batch, size, options, "--serve");

    ProcessStartInfo ScriptInfo(string model, int batch, int size, BenchmarkOptions options, string? mode)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "bench_pytorch.py");
        var arguments = new List<string> { script, "--model", model, "--batch", batch.ToString(), "--size", size.ToString(),
            "--steps", options.Steps.ToString(), "--warmup", options.Warmup.ToString(), "--seconds", options.MinimumSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--memory-epochs", options.MemoryEpochs.ToString(), "--memory-steps", options.StepsPerMemoryEpoch.ToString() };
        if (options.Threads is { } t) arguments.AddRange(["--threads", t.ToString()]);
        arguments.AddRange(["--device", Device]);
        if (mode is not null) arguments.Add(mode);
        var info = new ProcessStartInfo(python, arguments);
        // The allocator settings the ClassicCnn library sets for itself, so both sides allocate alike.
        if (SameAllocator && NativeAllocator.TunablesFor() is { } tunables) info.Environment[NativeAllocator.TunablesVariable] = tunables;
        if (OpenMpBlasFolder is { } blas)
            info.Environment["LD_LIBRARY_PATH"] = string.Join(':', new[] { blas, Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") }.Where(p => !string.IsNullOrEmpty(p)));
        return info;
    }

    static Measurement Measurement(JsonElement m)
    {
        return new Measurement("PyTorch", m.GetProperty("parameters").GetInt64(), Get(m, "train"), Get(m, "inference"), double.NaN,
            m.GetProperty("peak_rss").GetInt64(), null, m.TryGetProperty("rss_growth", out var g) && g.ValueKind == JsonValueKind.Number ? g.GetDouble() : null,
            m.GetProperty("blas").GetString() ?? "?",
            m.TryGetProperty("training_cpu", out var c) && c.ValueKind == JsonValueKind.Array
                ? new CpuUse(c[0].GetDouble(), c[1].GetDouble(), c[2].ValueKind == JsonValueKind.Number ? c[2].GetDouble() : null) : null);
    }

    static double Get(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Number ? e.GetProperty(name).GetDouble() : double.NaN;
}
