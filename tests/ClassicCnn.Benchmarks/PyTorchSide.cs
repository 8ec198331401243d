using ClassicCnn.Platform;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace ClassicCnn.Benchmarks;

/// <summary>Runs bench_pytorch.py (the same models and steps in PyTorch) for one model and reads its JSON line.</summary>
public sealed class PyTorchSide(string python, string version)
{
    /// <summary>Give PyTorch the allocator settings ClassicCnn sets for itself (on unless --pytorch-malloc default).</summary>
    public bool SameAllocator { get; set; } = true;

    public string Describe() => $"{version} ({python}){(SameAllocator ? ", same allocator settings as ClassicCnn" : ", glibc's default malloc")}" +
        (OpenMpBlasFolder is { } folder ? $", OpenBLAS's OpenMP build ({folder})"
            : OperatingSystem.IsLinux() ? ". Warning: without OpenBLAS's OpenMP build (Debian: apt-get install libopenblas0-openmp) PyTorch may use OpenBLAS's pthread build, whose threads spin beside PyTorch's OpenMP threads and slow it down" : "");

    /// <summary>
    /// Debian's PyTorch takes whichever libblas.so.3 the system selects, usually OpenBLAS's pthread build. Its own
    /// threads spin (sched_yield) beside PyTorch's OpenMP threads on the same cores: on 2 cores that cost PyTorch a third
    /// of LeNet's training speed (5,000 against 7,900 img/s, 17-26% of its time in the kernel). The OpenMP build shares
    /// PyTorch's threads, as MKL does inside TorchSharp's libtorch, so the PyTorch child is pointed at it when installed.
    /// </summary>
    public static string? OpenMpBlasFolder { get; } = new[] { "x86_64-linux-gnu", "aarch64-linux-gnu" }
        .Select(arch => $"/usr/lib/{arch}/openblas-openmp").FirstOrDefault(f => File.Exists(Path.Combine(f, "libblas.so.3")));

    public static PyTorchSide? Find(string? configured)
    {
        foreach (var candidate in configured is not null ? [configured] : new[] { "/usr/bin/python3", "python3", "python" })
        {
            try
            {
                var info = new ProcessStartInfo(candidate, ["-c", "import torch; print(torch.__version__)"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using var process = Process.Start(info)!;
                string output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                if (process.ExitCode == 0) return new PyTorchSide(candidate, "PyTorch " + output);
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    public Measurement Run(string model, int batch, int size, BenchmarkOptions options) => Measurement(RunScript(model, batch, size, options, profile: false));

    /// <summary>The forward seconds of each leaf layer, in the order they ran, and of each phase of a training step.</summary>
    public StepProfile Profile(string model, int batch, int size, BenchmarkOptions options) =>
        LayerProfile.Parse(RunScript(model, batch, size, options, profile: true));

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
        if (options.Device is { } d) arguments.AddRange(["--device", d]);
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

/// <summary>The TorchSharp side: this program run again with --worker MODEL, one fresh process per launch.</summary>
public sealed class TorchSharpSide(string[] arguments, bool sameBlas)
{
    public Measurement Run(string model) => JsonSerializer.Deserialize<Measurement>(RunWorker(model), Measure.JsonOptions)!;

    public StepProfile Profile(string model) => LayerProfile.Parse(JsonDocument.Parse(RunWorker(model, "--profile")).RootElement);

    /// <summary>The worker for one model, answering one training step at a time (see PairedSteps).</summary>
    public ProcessStartInfo ServeInfo(string model) => WorkerInfo(model, "--serve");

    string RunWorker(string model, params string[] extra) => ChildJson.Run(WorkerInfo(model, extra), $"the TorchSharp worker for {model}");

    ProcessStartInfo WorkerInfo(string model, params string[] extra)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        var info = new ProcessStartInfo(host);
        // Under `dotnet ClassicCnn.Benchmarks.dll` the host is dotnet itself and the program is the entry assembly.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(typeof(TorchSharpSide).Assembly.Location);
        foreach (var a in arguments.Append("--worker").Append(model).Concat(extra)) info.ArgumentList.Add(a);
        // libtorch_cpu calls BLAS through its exported sgemm_, so a library preloaded ahead of it answers those calls.
        if (sameBlas) info.Environment["LD_PRELOAD"] = Path.Combine(PyTorchSide.OpenMpBlasFolder!, "libopenblas.so.0");
        if (NativeAllocator.TunablesFor() is { } tunables) info.Environment[NativeAllocator.TunablesVariable] = tunables; // as PyTorch's side gets them
        return info;
    }
}

/// <summary>Both sides answer with one JSON line, the last line of their output that starts with '{'.</summary>
static class ChildJson
{
    public static string Run(ProcessStartInfo info, string what)
    {
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(); // read both at once: a full pipe would stall the child
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? json = stdout.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || json is null)
            throw new InvalidOperationException($"{what} failed (exit code {process.ExitCode}):\n{stdout}\n{stderr.Result}");
        return json;
    }
}

/// <summary>One side's profile: each leaf layer's forward seconds, and each phase of a training step (none for inference-only models).</summary>
public sealed record StepProfile(IReadOnlyList<(string Kind, double Seconds)> Layers, IReadOnlyList<(string Kind, double Seconds)> Phases);

/// <summary>Both sides' per-layer forward times side by side, and the totals per kind of layer.</summary>
public static class LayerProfile
{
    public static StepProfile Parse(JsonElement root) => new(Pairs(root, "layers"), Pairs(root, "phases"));

    static List<(string, double)> Pairs(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) ? list.EnumerateArray().Select(l => (l[0].GetString()!, l[1].GetDouble())).ToList() : [];

    /// <summary>zero_grad, forward with the loss, backward and the optimizer step, side by side.</summary>
    public static string PhaseTable(string model, int batch, int size, IReadOnlyList<(string Kind, double Seconds)> torchSharp, IReadOnlyList<(string Kind, double Seconds)>? pyTorch)
    {
        var rows = new List<IReadOnlyList<string>> { new[] { "phase", "TorchSharp ms", "PyTorch ms", "PyTorch / TorchSharp" } };
        foreach (var (phase, seconds) in torchSharp.Append(("whole step", torchSharp.Sum(p => p.Seconds))))
        {
            double? py = phase == "whole step" ? pyTorch?.Sum(p => p.Seconds) : pyTorch?.FirstOrDefault(p => p.Kind == phase).Seconds;
            rows.Add([phase, Ms(seconds), py is { } p ? Ms(p) : "-", py is { } q ? (q / seconds).ToString("0.00") : "-"]);
        }
        return new ClassicCnn.Notebooks.HtmlTable(rows, $"{model}: one training step by phase, batch {batch}, {size}x{size} (above 1: TorchSharp faster)").ToString();
    }

    static string Ms(double s) => (s * 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    public static string Table(string model, int batch, int size, IReadOnlyList<(string Kind, double Seconds)> torchSharp, IReadOnlyList<(string Kind, double Seconds)>? pyTorch)
    {
        var rows = new List<IReadOnlyList<string>> { new[] { "#", "layer", "TorchSharp ms", "PyTorch ms", "PyTorch / TorchSharp" } };
        // Layers pair up by kind and occurrence (the 3rd Conv2d with the 3rd Conv2d): one side may flatten in a layer, the other in code.
        double? Partner(int i)
        {
            int occurrence = torchSharp.Take(i).Count(l => l.Kind == torchSharp[i].Kind);
            var same = pyTorch?.Where(l => l.Kind == torchSharp[i].Kind).ToList();
            return same is not null && occurrence < same.Count ? same[occurrence].Seconds : null;
        }
        for (int i = 0; i < torchSharp.Count; i++)
        {
            var py = Partner(i);
            rows.Add([(i + 1).ToString(), torchSharp[i].Kind, Ms(torchSharp[i].Seconds), py is { } p ? Ms(p) : "-", py is { } q ? (q / torchSharp[i].Seconds).ToString("0.00") : "-"]);
        }
        foreach (var kind in torchSharp.Select(l => l.Kind).Distinct())
        {
            double ts = torchSharp.Where(l => l.Kind == kind).Sum(l => l.Seconds);
            var same = pyTorch?.Where(l => l.Kind == kind).ToList();
            double? py = same is { Count: > 0 } ? same.Sum(l => l.Seconds) : null; // a layer the other side computes inline
            rows.Add(["all", kind, Ms(ts), py is { } p ? Ms(p) : "-", py is { } q ? (q / ts).ToString("0.00") : "-"]);
        }
        double total = torchSharp.Sum(l => l.Seconds);
        double? pyTotal = pyTorch?.Sum(l => l.Seconds);
        rows.Add(["all", "every layer", Ms(total), pyTotal is { } t ? Ms(t) : "-", pyTotal is { } u ? (u / total).ToString("0.00") : "-"]);
        return new ClassicCnn.Notebooks.HtmlTable(rows, $"{model}: forward time per layer, batch {batch}, {size}x{size} (above 1: TorchSharp faster)").ToString();
    }
}

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

/// <summary>
/// Both sides alive at once, taking training steps in turn, one at a time, with the order swapped every pair: on a
/// machine whose speed swings within seconds (see --drift) each pair of steps meets the same machine, so the ratio of
/// a pair's two step times is free of the drift that separate launches each meet on their own. While one side steps,
/// the other is stopped (SIGSTOP, SIGCONT before its own turn): by default OpenMP threads spin for a while after
/// each parallel region (Intel OpenMP's block time in libtorch, libgomp's spin count in PyTorch), and a side's
/// spinning threads would otherwise take the cores from the side being timed. Neither side's own waiting changes.
/// The time is split over several launches of both processes: a ratio holds steady within one pair of processes but
/// moves from one pair to the next (by up to 6% on the AMD EPYC of docs/performance.md), so the run's
/// ratio is the median over launches, not one launch's luck.
/// </summary>
public static class PairedSteps
{
    /// <summary>One launch of both sides: how many pairs it timed, the two sides' median steps, and its ratio.</summary>
    public sealed record Launch(int Pairs, double TorchSharpMs, double PyTorchMs, double Ratio);

    public sealed record Result(string Model, IReadOnlyList<Launch> Launches, string TorchSharpBlas, string PyTorchBlas)
    {
        /// <summary>The median over launches of each launch's ratio (above 1: TorchSharp is faster).</summary>
        public double Ratio => Median(Launches.Select(l => l.Ratio));
        /// <summary>How far apart the launches' ratios are, in percent of the ratio.</summary>
        public double LaunchSpread => 100 * (Launches.Max(l => l.Ratio) - Launches.Min(l => l.Ratio)) / Ratio;
        public int Pairs => Launches.Sum(l => l.Pairs);
        public override string ToString() =>
            $"{Model}: {Pairs} pairs of steps in turn over {Launches.Count} launch(es); ratio (median over launches of PyTorch's step / TorchSharp's, " +
            $"each launch's the median over its pairs) {Ratio:0.00}{(OperatingSystem.IsLinux() ? "" : " (the idle side was not stopped: Linux only)")}; " +
            $"by launch {string.Join(" / ", Launches.Select(l => l.Ratio.ToString("0.00")))} (spread {LaunchSpread:0.0}%), " +
            $"steps TorchSharp / PyTorch {string.Join(", ", Launches.Select(l => $"{l.TorchSharpMs:0.0} / {l.PyTorchMs:0.0}"))} ms (medians); " +
            $"BLAS: {TorchSharpBlas} (PyTorch: {PyTorchBlas})";
    }

    static double Median(IEnumerable<double> values) => ClassicCnn.Inspection.Timing.Median(values.ToList());

    /// <summary><paramref name="seconds"/> of timed pairs in all, shared out over <paramref name="launches"/> launches.</summary>
    public static Result Run(string model, Func<ProcessStartInfo> ours, Func<ProcessStartInfo> theirs, int warmup, double seconds, int launches)
    {
        var done = new List<Launch>();
        string oursBlas = "?", theirsBlas = "?";
        for (int launch = 0; launch < launches; launch++)
        {
            using var a = new Server(ours(), $"the TorchSharp worker for {model}");
            using var b = new Server(theirs(), $"bench_pytorch.py for {model}");
            (oursBlas, theirsBlas) = (a.Blas, b.Blas);
            done.Add(TimeLaunch(a, b, warmup, seconds / launches));
        }
        return new Result(model, done, oursBlas, theirsBlas);
    }

    static Launch TimeLaunch(Server ours, Server theirs, int warmup, double seconds)
    {
        // Warm up as a launch does: at least `warmup` steps each and a third of the time (LeNet's first steps are 2-8x slower).
        var warming = Stopwatch.StartNew();
        for (int i = 0; i < warmup || warming.Elapsed.TotalSeconds < seconds / 3; i++) { ours.StepAlone(theirs); theirs.StepAlone(ours); }
        var pairs = new List<(double Ours, double Theirs)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || pairs.Count < 6)
        {
            bool oursFirst = pairs.Count % 2 == 0;
            var (first, second) = oursFirst ? (ours, theirs) : (theirs, ours);
            double firstSeconds = first.StepAlone(second), secondSeconds = second.StepAlone(first);
            pairs.Add(oursFirst ? (firstSeconds, secondSeconds) : (secondSeconds, firstSeconds));
        }
        return new Launch(pairs.Count, 1000 * Median(pairs.Select(p => p.Ours)), 1000 * Median(pairs.Select(p => p.Theirs)),
            Median(pairs.Select(p => p.Theirs / p.Ours)));
    }

    /// <summary>One side's process: writes "step", reads the seconds it took.</summary>
    sealed class Server : IDisposable
    {
        readonly Process process;
        readonly string what;
        readonly StringBuilder errors = new();

        /// <summary>Which BLAS the side's torch uses, as it said on its "ready" line.</summary>
        public string Blas { get; } = "?";

        public Server(ProcessStartInfo info, string what)
        {
            this.what = what;
            info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
            process = Process.Start(info)!;
            process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
            process.BeginErrorReadLine();
            string? line;
            while ((line = process.StandardOutput.ReadLine()) is not null && !line.StartsWith("ready")) { }
            if (line is null) throw Failed("ended before it was ready");
            Blas = line["ready".Length..].Trim();
        }

        /// <summary>One step while <paramref name="other"/> is stopped, so its idle threads cannot spin on our cores.</summary>
        public double StepAlone(Server other)
        {
            other.Signal(SIGSTOP);
            try { return Step(); }
            finally { other.Signal(SIGCONT); }
        }

        const int SIGCONT = 18, SIGSTOP = 19;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        static extern int Kill(int pid, int signal);

        /// <summary>Only on Linux (the signal numbers are Linux's); elsewhere both sides stay alive and the result line says so.</summary>
        void Signal(int signal)
        {
            if (OperatingSystem.IsLinux() && !process.HasExited && Kill(process.Id, signal) != 0)
                throw Failed($"could not be sent signal {signal} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        public double Step()
        {
            process.StandardInput.WriteLine("step");
            process.StandardInput.Flush();
            string? line = process.StandardOutput.ReadLine();
            return double.TryParse(line, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
                ? seconds : throw Failed($"answered '{line}' to a step");
        }

        Exception Failed(string how)
        {
            // A side that failed usually ends right after its traceback: let it, so that all of its error output is read.
            if (process.WaitForExit(2_000)) process.WaitForExit();
            lock (errors) return new InvalidOperationException($"{what} {how}:\n{errors}");
        }

        public void Dispose()
        {
            Signal(SIGCONT); // in case a step of the other side failed while this one was stopped
            try { process.StandardInput.WriteLine("quit"); process.StandardInput.Close(); } catch (IOException) { }
            if (!process.WaitForExit(30_000)) process.Kill();
            process.Dispose();
        }
    }
}
