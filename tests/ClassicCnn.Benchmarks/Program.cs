using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ClassicCnn.Benchmarks;
using ClassicCnn.Data;
using ClassicCnn.Inspection;
using ClassicCnn.Platform;
using TorchSharp;
using static TorchSharp.torch;

// TorchSharp beside PyTorch on the same machine, same models, batch and threads. See docs/performance.md.
// Every launch of either side is a fresh process (this program re-runs itself with --worker), so the launches
// measure what a learner's process sees, and peak RSS belongs to one model.
var options = BenchmarkOptions.Parse(args);
// The parent needs the device for its report, a worker for its measurement: both load libtorch the same way.
if (options.LibTorchFolder is { } libtorch)
{
    try { LibTorchFromPyTorch.Load(libtorch); }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
}
if (options.Threads is { } threads) { set_num_threads(threads); set_num_interop_threads(1); }
var device = options.Device is { } d ? TorchRuntime.Use(d) : TorchRuntime.Device;
if (options.Worker is { } workerModel)
{
    var spec = BenchmarkModel.All.Single(m => m.Name == workerModel);
    var (workerBatch, workerSize) = spec.BatchAndSize(options, device);
    if (options.Serve)
    {
        // The paired mode (PairedSteps): one training step per "step" line, its seconds on a line of its own.
        using var served = spec.Load(workerBatch, workerSize, device);
        Console.WriteLine($"ready {LoadedBlas.Describe()}");
        while (Console.ReadLine() == "step")
            Console.WriteLine(Timing.TrainingStepSeconds(served.Model, served.Images, served.Labels, 1, 0).ToString("R", CultureInfo.InvariantCulture));
        return 0;
    }
    if (options.Profile)
    {
        using var profiled = spec.Load(workerBatch, workerSize, device);
        var layers = Timing.LayerForwardSeconds(profiled.Model, profiled.Images, Math.Max(10, options.Steps)).Select(l => new object[] { l.Kind, l.Seconds });
        var phases = spec.InferenceOnly ? [] : Timing.TrainingStepPhases(profiled.Model, profiled.Images, profiled.Labels, options.Steps, options.Warmup, options.MinimumSeconds).Select(p => new object[] { p.Phase, p.Seconds });
        Console.WriteLine(JsonSerializer.Serialize(new { layers, phases }));
    }
    else
        Console.WriteLine(Measure.Json(Measure.Run(spec, workerBatch, workerSize, device, options)));
    return 0;
}

var python = options.NoPyTorch ? null : PyTorchSide.Find(options.Python);
if (python is not null) python.SameAllocator = !options.PyTorchDefaultMalloc;
var self = new TorchSharpSide(args, options.SameBlas);
Console.WriteLine($"device {device}, libtorch threads {get_num_threads()}, TorchSharp {TorchRuntime.TorchSharpVersion}" + (python is null ? ", PyTorch: not found (install python3-torch, or pass --python)" : $", PyTorch: {python.Describe()}"));
Console.WriteLine($"CPU {CpuDescription.Describe()}");
Console.WriteLine($"convolution check: {ConvolutionGuard.Check.Summary}");
Console.WriteLine($"native allocator: {TorchRuntime.Allocator}");
Console.WriteLine(options.PairedSeconds is { } shared
    ? $"each model: {options.Launches} launch(es) of both sides, {shared / options.Launches:0.#} s of steps in turn each, after at least {options.Warmup} warm-up steps and a third of that"
    : $"each measurement: at least {options.Steps} timed steps and {options.MinimumSeconds:0.#} s after at least {options.Warmup} warm-up steps; {options.Launches} launch(es) per side, alternating");
if (options.DriftSeconds is { } driftSeconds)
{
    var model = BenchmarkModel.All.First(m => options.Models.Contains(m.Name) && !m.InferenceOnly);
    var (batch, size) = model.BatchAndSize(options, device);
    Console.WriteLine(MachineDrift.Watch(model, batch, size, device, driftSeconds));
    return 0;
}
if (options.PairedSeconds is { } pairedSeconds)
{
    if (python is null) { Console.Error.WriteLine("error: --paired needs the PyTorch side (python3 with torch; see --python)"); return 2; }
    var paired = new List<PairedSteps.Result>();
    foreach (var model in BenchmarkModel.All.Where(m => options.Models.Contains(m.Name) && !m.InferenceOnly))
    {
        var (batch, size) = model.BatchAndSize(options, device);
        paired.Add(PairedSteps.Run(model.Name, () => self.ServeInfo(model.Name), () => python.ServeInfo(model.Name, batch, size, options),
            options.Warmup, pairedSeconds, options.Launches));
        Console.WriteLine(paired[^1]);
        // Written after every model, so a model that fails later leaves the ones measured before it on disk.
        WriteJson(options.Output ?? Path.Combine("artifacts", "benchmarks", "paired.json"),
            new { pairedSeconds, pytorch = python.Describe(), results = paired.Select(r => new { r.Model, r.Ratio, r.LaunchSpread, r.Launches, r.TorchSharpBlas, r.PyTorchBlas }) });
    }
    return 0;
}
if (options.Profile)
{
    foreach (var model in BenchmarkModel.All.Where(m => options.Models.Contains(m.Name)))
    {
        var (batch, size) = model.BatchAndSize(options, device);
        Console.WriteLine();
        var (ours, theirs) = (self.Profile(model.Name), python?.Profile(model.Name, batch, size, options));
        Console.WriteLine(LayerProfile.Table(model.Name, batch, size, ours.Layers, theirs?.Layers));
        if (ours.Phases.Count > 0) Console.WriteLine(LayerProfile.PhaseTable(model.Name, batch, size, ours.Phases, theirs?.Phases));
    }
    return 0;
}

var results = new List<ModelResult>();
foreach (var model in BenchmarkModel.All.Where(m => options.Models.Contains(m.Name)))
{
    var (batch, size) = model.BatchAndSize(options, device);
    var launches = new List<Measurement>();
    var reference = new List<Measurement>();
    for (int launch = 0; launch < options.Launches; launch++)
    {
        // Alternate the two sides so that the machine's drift hits both alike.
        launches.Add(self.Run(model.Name));
        if (python is not null) reference.Add(python.Run(model.Name, batch, size, options));
    }
    var result = new ModelResult(model.Name, batch, size, launches, reference);
    results.Add(result);
    Console.WriteLine(result.Line());
    if (!model.InferenceOnly) Console.WriteLine(result.LaunchLines());
}
Console.WriteLine();
Console.WriteLine(ModelResult.Table(results, device.ToString()));
WriteJson(options.Output ?? Path.Combine("artifacts", "benchmarks", "benchmark.json"), new { options.MinimumSeconds, results });
return 0;

// Every results file starts with the machine it was measured on.
void WriteJson(string output, object measured)
{
    var json = new System.Text.Json.Nodes.JsonObject
    {
        ["device"] = device.ToString(), ["cpu"] = CpuDescription.ModelName, ["instructionSets"] = JsonSerializer.SerializeToNode(CpuDescription.Sets),
        ["convolutionCheck"] = ConvolutionGuard.Check.Summary, ["threads"] = get_num_threads(),
    };
    foreach (var (name, value) in JsonSerializer.SerializeToNode(measured, Measure.JsonOptions)!.AsObject().ToList()) json[name] = value?.DeepClone();
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    AtomicFile.WriteAllText(output, json.ToJsonString(Measure.JsonOptions));
    Console.WriteLine($"wrote {output}");
}

namespace ClassicCnn.Benchmarks
{
    public sealed record BenchmarkOptions(HashSet<string> Models, int? Batch, int? Size, int? Threads, int Steps, int Warmup, string? Device,
        string? LibTorchFolder, int Launches, string? Output, bool NoPyTorch, string? Python, int MemoryEpochs, int StepsPerMemoryEpoch,
        double MinimumSeconds, string? Worker, bool PyTorchDefaultMalloc, bool Profile, double? DriftSeconds = null, double? PairedSeconds = null, bool Serve = false, bool SameBlas = false)
    {
        const string Usage = """
            usage: dotnet run -c Release --project tests/ClassicCnn.Benchmarks -- [options]
              --models a,b      lenet5, lenet, alexnet, vgg-small, vgg16 (default: all)
              --batch N         batch size (default: 256 for LeNet; 128 on CUDA / 32 on CPU for AlexNet and VGG; VGG16 64 / 8)
              --size N          input size of AlexNet and the small VGG (default 224)
              --threads N       libtorch threads on both sides (default: libtorch's choice)
              --steps N         at least N timed steps (default 10), after at least --warmup N untimed ones (default 3)
              --seconds S       and time for at least S seconds, warm up for at least S/3 (default 20: this machine's
                                speed swings within seconds, see --drift, and only a long timing averages it out)
              --launches N      measure each model in N fresh processes per side, alternating with PyTorch (default 3);
                                with --paired: N launches of both sides, sharing the S seconds
              --device D        cpu, cuda, cuda:1 (default: CUDA when available)
              --libtorch DIR    load libtorch from an existing PyTorch installation's torch/lib folder
              --python PATH     the Python with torch (default: /usr/bin/python3, then python3)
              --no-pytorch      skip the PyTorch side
              --profile         instead: the forward time of every layer, and the phases of a training step, on both sides
              --paired S        instead: for S seconds per model, both sides' training steps in turn, one at a time, in two
                                processes alive together: the ratio free of the machine's drift between launches; the
                                median over --launches such pairs of processes (JSON: artifacts/benchmarks/paired.json)
              --drift S         instead: for S seconds, one training step of the first model, then a fixed matrix product,
                                in turn in one process: whether the machine's own speed moves the step time
              --same-blas       the TorchSharp workers use the OpenBLAS the PyTorch side uses instead of libtorch's own MKL
                                (Linux: OpenBLAS's OpenMP build preloaded, so it answers libtorch's sgemm_ calls): the
                                ratio then compares the binding and libtorch's kernels, not two BLAS libraries
              --pytorch-malloc default  run PyTorch with glibc's malloc defaults instead of the allocator settings ClassicCnn uses
              --memory-epochs N epochs of the RSS growth check (default 5), --memory-steps N steps each (default 6)
              --out FILE        JSON results (default artifacts/benchmarks/benchmark.json; with --paired, paired.json)
            """;

        public static BenchmarkOptions Parse(string[] args)
        {
            var all = BenchmarkModel.All.Select(m => m.Name).ToHashSet();
            var o = new BenchmarkOptions(all, null, null, null, 10, 3, null, null, 3, null, false, null, 5, 6, 20, null, false, false);
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : Fail($"{args[i]} needs a value");
                int Int() { string v = Next(); return int.TryParse(v, out int n) && n > 0 ? n : Fail<int>($"{args[i - 1]} wants a positive whole number, not '{v}'"); }
                o = args[i] switch
                {
                    "--models" => o with { Models = Next().Split(',').Select(m => all.Contains(m) ? m : Fail($"unknown model '{m}'; the models are {string.Join(", ", all)}")).ToHashSet() },
                    "--batch" => o with { Batch = Int() },
                    "--size" => o with { Size = Int() },
                    "--threads" => o with { Threads = Int() },
                    "--steps" => o with { Steps = Int() },
                    "--warmup" => o with { Warmup = Int() },
                    "--launches" => o with { Launches = Int() },
                    "--device" => o with { Device = Next() },
                    "--libtorch" => o with { LibTorchFolder = Next() },
                    "--python" => o with { Python = Next() },
                    "--no-pytorch" => o with { NoPyTorch = true },
                    "--memory-epochs" => o with { MemoryEpochs = Int() },
                    "--memory-steps" => o with { StepsPerMemoryEpoch = Int() },
                    "--out" => o with { Output = Next() },
                    "--seconds" => o with { MinimumSeconds = double.TryParse(Next(), CultureInfo.InvariantCulture, out double sec) && sec >= 0 ? sec : Fail<double>($"--seconds wants a number of seconds, not '{args[i]}'") },
                    "--worker" => o with { Worker = Next() },
                    "--profile" => o with { Profile = true },
                    "--paired" => o with { PairedSeconds = double.TryParse(Next(), CultureInfo.InvariantCulture, out double paired) && paired > 0 ? paired : Fail<double>($"--paired wants a number of seconds, not '{args[i]}'") },
                    "--serve" => o with { Serve = true },
                    "--same-blas" => OperatingSystem.IsLinux() && PyTorchSide.OpenMpBlasFolder is not null ? o with { SameBlas = true }
                        : Fail<BenchmarkOptions>("--same-blas needs Linux with OpenBLAS's OpenMP build (Debian: apt-get install libopenblas0-openmp)"),
                    "--drift" => o with { DriftSeconds = double.TryParse(Next(), CultureInfo.InvariantCulture, out double drift) && drift > 0 ? drift : Fail<double>($"--drift wants a number of seconds, not '{args[i]}'") },
                    "--pytorch-malloc" => Next() is "default" ? o with { PyTorchDefaultMalloc = true } : Fail<BenchmarkOptions>("--pytorch-malloc takes one value: default"),
                    "-h" or "--help" => Fail<BenchmarkOptions>(""),
                    var other => Fail<BenchmarkOptions>($"unknown option '{other}'"),
                };
            }
            return o;
        }

        static string Fail(string message) => Fail<string>(message);

        static T Fail<T>(string message)
        {
            if (message.Length > 0) Console.Error.WriteLine($"error: {message}\n");
            Console.Error.WriteLine(Usage);
            Environment.Exit(message.Length > 0 ? 2 : 0);
            return default!;
        }
    }

    /// <summary>What one launch measured for one model. Rates are images (or batches) per second; memory in bytes.</summary>
    public sealed record Measurement(string Side, long Parameters, double TrainImagesPerSecond, double InferenceImagesPerSecond,
        double PipelineBatchesPerSecond, long PeakRssBytes, long? PeakDeviceBytes, double? RssGrowthPercent, string Blas, CpuUse? TrainingCpu = null);

    /// <summary>
    /// How the CPU was used while the training steps were timed, to tell a slow launch's cause: CpuPerWall is the
    /// process's CPU seconds per wall-clock second (2 = both threads busy all the time; less: its threads waited),
    /// SystemPercent the kernel's share of that (page faults, mapping memory), StealPercent the machine-wide share of
    /// time the hypervisor gave to other guests (Linux /proc/stat; null elsewhere).
    /// </summary>
    public sealed record CpuUse(double CpuPerWall, double SystemPercent, double? StealPercent)
    {
        public static Func<CpuUse> Start()
        {
            var process = Process.GetCurrentProcess();
            var (user, system) = (process.UserProcessorTime, process.PrivilegedProcessorTime);
            var machine = MachineTicks();
            var clock = Stopwatch.StartNew();
            return () =>
            {
                process.Refresh();
                double u = (process.UserProcessorTime - user).TotalSeconds, k = (process.PrivilegedProcessorTime - system).TotalSeconds;
                var after = MachineTicks();
                double? steal = machine is { } b && after is { } a && a.Total > b.Total ? 100.0 * (a.Steal - b.Steal) / (a.Total - b.Total) : null;
                return new CpuUse((u + k) / clock.Elapsed.TotalSeconds, u + k > 0 ? 100 * k / (u + k) : 0, steal);
            };
        }

        /// <summary>The first line of /proc/stat: (steal, all) ticks of every CPU since boot.</summary>
        static (long Steal, long Total)? MachineTicks()
        {
            if (!File.Exists("/proc/stat")) return null;
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToList();
            return (fields.Count > 7 ? fields[7] : 0, fields.Take(8).Sum());
        }

        public override string ToString() =>
            $"{CpuPerWall:0.00} CPUs, {SystemPercent:0}% system" + (StealPercent is { } s ? $", {s:0.0}% stolen" : "");
    }

    /// <summary>
    /// Whether a slow launch is the library's or the machine's: in one process, with the same model, tensors and
    /// buffers throughout, a training step and a fixed piece of work (512x512 matrix products on the same threads)
    /// take turns. If the machine's speed drifts (a shared virtual machine's neighbours), both times move together.
    /// </summary>
    public static class MachineDrift
    {
        public static string Watch(BenchmarkModel spec, int batch, int size, Device device, double seconds)
        {
            using var work = spec.Load(batch, size, device);
            Timing.TrainingStepSeconds(work.Model, work.Images, work.Labels, 3, 0); // warm-up
            Console.WriteLine($"{spec.Name}, batch {batch}, {size}x{size}, {device}: a training step and 0.5 s of 512x512 products in turn");
            var (steps, products) = (new List<double>(), new List<double>());
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                steps.Add(Timing.TrainingStepSeconds(work.Model, work.Images, work.Labels, 1, 0) * 1000);
                products.Add(ProductGflops(device));
                Console.WriteLine($"{clock.Elapsed.TotalSeconds,6:0} s  step {steps[^1],8:0.0} ms  fixed work {products[^1],6:0.0} GFLOP/s");
            }
            double Range(List<double> v) => v.Max() / v.Min();
            return $"step {steps.Min():0.0}-{steps.Max():0.0} ms ({Range(steps):0.00}x), fixed work {products.Min():0.0}-{products.Max():0.0} GFLOP/s ({Range(products):0.00}x); " +
                $"correlation of step time with the fixed work's time: {Correlation(steps, products.Select(g => 1 / g).ToList()):0.00}";
        }

        static double ProductGflops(Device device, double seconds = 0.5)
        {
            const int n = 512;
            using var a = randn(n, n, device: device);
            using var b = randn(n, n, device: device);
            int products = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds) { using var c = a.matmul(b); Timing.Synchronize(c); products++; }
            return 2.0 * n * n * n * products / clock.Elapsed.TotalSeconds / 1e9;
        }

        static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
        {
            double mx = x.Average(), my = y.Average();
            double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
            return sxy / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
        }
    }

    public static class Measure
    {
        public static Measurement Run(BenchmarkModel spec, int batch, int size, Device device, BenchmarkOptions options)
        {
            using var work = spec.Load(batch, size, device);
            var (model, images, labels) = (work.Model, work.Images, work.Labels);
            long parameters = model.parameters().Sum(p => p.numel());

            double train = double.NaN;
            double? growth = null;
            CpuUse? trainingCpu = null;
            if (!spec.InferenceOnly)
            {
                var cpu = CpuUse.Start();
                train = batch / Timing.TrainingStepSeconds(model, images, labels, options.Steps, options.Warmup, options.MinimumSeconds);
                trainingCpu = cpu();
                growth = RssGrowth(model, images, labels, options);
            }
            double inference = batch / Probes.InferenceSeconds(model, images, options.Steps, options.Warmup, options.MinimumSeconds);
            double pipeline = PipelineBatchesPerSecond(spec, batch, size, device);
            return new Measurement("TorchSharp", parameters, train, inference, pipeline, PeakRss(),
                device.type == DeviceType.CUDA ? PeakCudaBytes() : null, growth, LoadedBlas.Describe(), trainingCpu);
        }

        /// <summary>
        /// RSS of the first and the last of a few short "epochs" of training steps (TorchSharp issue #1278: memory must
        /// stay flat). An epoch's RSS is its high point over the steps: a single reading after the last step depends on
        /// whether glibc had just handed the top of its heap back (the small VGG read 795-1,114 MiB in its first five
        /// steps, then 1,114-1,116 for 35 more), which made a flat run look like +60% in one launch and +4% in another.
        /// </summary>
        static double RssGrowth(TorchSharp.torch.nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, BenchmarkOptions options)
        {
            long first = 0, last = 0;
            for (int epoch = 1; epoch <= options.MemoryEpochs; epoch++)
            {
                long high = 0;
                for (int step = 0; step < options.StepsPerMemoryEpoch; step++)
                {
                    Timing.TrainingStepSeconds(model, images, labels, 1, 0);
                    GC.Collect();
                    high = Math.Max(high, CurrentRss());
                }
                if (epoch == 1) first = high;
                last = high;
            }
            return 100.0 * (last - first) / first;
        }

        /// <summary>Batches per second of the device-resident pipeline alone: index, convert, resize, normalise.</summary>
        static double PipelineBatchesPerSecond(BenchmarkModel spec, int batch, int size, Device device)
        {
            int count = batch * 16;
            using var data = new ImageDataset("synthetic", randint(0, 256, [count, 1, 28, 28], dtype: ScalarType.Byte, device: device),
                randint(0, 10, [count], device: device), Enumerable.Range(0, 10).Select(i => i.ToString()).ToList());
            var preprocessing = spec.Resizable ? new Preprocessing { Resize = size, Normalize = (0.5, 0.5) } : spec.Preprocessing;
            var loader = new BatchLoader(data, batch, preprocessing, seed: 1);
            foreach (var (x, y) in loader.Epoch(0, train: true)) { x.Dispose(); y.Dispose(); } // warm-up
            var clock = Stopwatch.StartNew();
            int batches = 0;
            foreach (var (x, y) in loader.Epoch(1, train: true)) { Timing.Synchronize(x); x.Dispose(); y.Dispose(); batches++; }
            return batches / clock.Elapsed.TotalSeconds;
        }

        public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

        /// <summary>One line of JSON, the worker's answer to the parent.</summary>
        public static string Json(Measurement m) => JsonSerializer.Serialize(m, new JsonSerializerOptions(JsonOptions) { WriteIndented = false });

        public static long PeakRss() => ReadStatus("VmHWM:") ?? Process.GetCurrentProcess().PeakWorkingSet64;
        static long CurrentRss() => ReadStatus("VmRSS:") ?? Environment.WorkingSet;

        static long? ReadStatus(string key)
        {
            if (!OperatingSystem.IsLinux()) return null;
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key));
            return line is null ? null : long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024;
        }

        /// <summary>TorchSharp 0.107.0 exposes no CUDA memory statistics; the peak is read from nvidia-smi when it is there.</summary>
        static long? PeakCudaBytes()
        {
            try
            {
                var info = new ProcessStartInfo("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]) { RedirectStandardOutput = true };
                using var process = Process.Start(info)!;
                string text = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                var mine = text.Split('\n').Select(l => l.Split(',')).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == Environment.ProcessId.ToString());
                return mine is null ? null : long.Parse(mine[1].Trim()) * 1024 * 1024;
            }
            catch (System.ComponentModel.Win32Exception) { return null; }
        }
    }

    /// <summary>Both sides' measurements of one model, medians over the launches.</summary>
    public sealed record ModelResult(string Model, int Batch, int Size, List<Measurement> TorchSharp, List<Measurement> PyTorch)
    {
        static double Median(IEnumerable<double> values) => Timing.Median(values.Where(double.IsFinite).ToList());
        public double Train => Median(TorchSharp.Select(m => m.TrainImagesPerSecond));
        public double Inference => Median(TorchSharp.Select(m => m.InferenceImagesPerSecond));
        public double Pipeline => Median(TorchSharp.Select(m => m.PipelineBatchesPerSecond));
        public double? PyTrain => PyTorch.Count == 0 ? null : Median(PyTorch.Select(m => m.TrainImagesPerSecond));
        public double? PyInference => PyTorch.Count == 0 ? null : Median(PyTorch.Select(m => m.InferenceImagesPerSecond));
        /// <summary>The median over the launches: one launch's allocator warming up late should not speak for all.</summary>
        public double? RssGrowth => TorchSharp.Any(m => m.RssGrowthPercent is not null) ? Median(TorchSharp.Where(m => m.RssGrowthPercent is not null).Select(m => m.RssGrowthPercent!.Value)) : null;
        public double? TrainRatio => PyTrain is > 0 ? Train / PyTrain : null;
        public double? InferenceRatio => PyInference is > 0 ? Inference / PyInference : null;
        /// <summary>How many training steps' worth of batches the pipeline prepares in the time of one step.</summary>
        public double PipelineOverStep => Pipeline / (Train / Batch);
        public double Spread => TorchSharp.Count < 2 ? 0 : 100 * (TorchSharp.Max(m => m.TrainImagesPerSecond) - TorchSharp.Min(m => m.TrainImagesPerSecond)) / Train;

        static string F(double? v, string format = "N0") => v is { } x && double.IsFinite(x) ? x.ToString(format, CultureInfo.InvariantCulture) : "-";

        public string Line() =>
            $"{Model}: train {F(Train)} img/s (PyTorch {F(PyTrain)}, ratio {F(TrainRatio, "0.00")}), inference {F(Inference)} img/s (ratio {F(InferenceRatio, "0.00")}), " +
            $"pipeline {F(Pipeline)} batches/s = {F(PipelineOverStep, "0")}x the step, peak RSS {TorchSharp.Max(m => m.PeakRssBytes) / 1048576} MiB" +
            (PyTorch.Count > 0 ? $" (PyTorch {PyTorch.Max(m => m.PeakRssBytes) / 1048576} MiB)" : "") +
            (RssGrowth is { } g ? $", RSS growth from the first to the last epoch {g:+0.0;-0.0}%" : "") +
            $"; BLAS: {TorchSharp[0].Blas}" + (PyTorch.Count > 0 ? $" (PyTorch: {PyTorch[0].Blas})" : "");

        /// <summary>Each launch's training rate and CPU use, side by side: a slow launch shows whether its threads waited, the kernel worked, or the machine was busy.</summary>
        public string LaunchLines()
        {
            static string One(Measurement m) => $"{m.Side} {F(m.TrainImagesPerSecond, "N1")} img/s" + (m.TrainingCpu is { } c ? $" ({c})" : "");
            return string.Join(Environment.NewLine, TorchSharp.Select((m, i) =>
                $"  launch {i + 1}: {One(m)}" + (i < PyTorch.Count ? $"; {One(PyTorch[i])}" : "")));
        }

        public static string Table(IReadOnlyList<ModelResult> results, string device)
        {
            var rows = new List<string[]> { new[] { "model", "batch", "size", "train img/s", "PyTorch", "ratio", "infer img/s", "PyTorch", "ratio", "pipeline/step", "peak RSS MiB", "PyTorch MiB", "RSS growth %", "spread %" } };
            foreach (var r in results)
                rows.Add([r.Model, r.Batch.ToString(), r.Size.ToString(), F(r.Train), F(r.PyTrain), F(r.TrainRatio, "0.00"), F(r.Inference), F(r.PyInference), F(r.InferenceRatio, "0.00"),
                    F(r.PipelineOverStep, "0") + "x", (r.TorchSharp.Max(m => m.PeakRssBytes) / 1048576).ToString(), r.PyTorch.Count == 0 ? "-" : (r.PyTorch.Max(m => m.PeakRssBytes) / 1048576).ToString(),
                    F(r.RssGrowth, "+0.0;-0.0"), F(r.Spread, "0.0")]);
            return new ClassicCnn.Notebooks.HtmlTable(rows, $"TorchSharp beside PyTorch on {device}").ToString();
        }
    }
}
