using System.Globalization;
using System.Text.Json;
using ClassicCnn.Benchmarks;
using ClassicCnn.Inspection;
using ClassicCnn.Platform;
using TorchSharp;
using static TorchSharp.torch;

// TorchSharp beside PyTorch on the same machine, same models, batch and threads. See docs/performance.md.
// Every launch of either side is a fresh process (this program re-runs itself with --worker), so the launches
// measure what a learner's process sees, and peak RSS belongs to one model.
BenchmarkOptions options;
try { options = BenchmarkOptions.Parse(args); }
catch (UsageException e)
{
    (e.Message.Length > 0 ? Console.Error : Console.Out).WriteLine(BenchmarkOptions.Help(e));
    return e.Message.Length > 0 ? 2 : 0;
}
try
{
    // The parent needs the device for its report, a worker for its measurement: both load libtorch the same way.
    if (options.LibTorchFolder is { } libtorch)
    {
        try { LibTorchFromPyTorch.Load(libtorch); }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException) { throw new UsageException(e.Message); }
    }
    if (options.Threads is { } threads) { set_num_threads(threads); set_num_interop_threads(1); }
    Device device;
    if (options.Device is { } d)
    {
        try { device = TorchRuntime.Use(d); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException) { throw new UsageException($"--device {d}: {e.Message}"); }
    }
    else device = TorchRuntime.Device; // a bad CLASSICCNN_DEVICE is named by its own message
    return options.Worker is { } worker ? Worker.Run(options, worker, device) : Parent.Run(options, args, device);
}
catch (UsageException e) { Console.Error.WriteLine(BenchmarkOptions.Help(e)); return 2; }
catch (Exception e) when (options.Worker is null
    ? e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException
    : e is ArgumentException) // a worker's other failures keep their stack trace, which the parent passes on
{
    // A side that failed, a model built with options it refuses, a file that cannot be written: the message says which.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

namespace ClassicCnn.Benchmarks
{
    /// <summary>One measurement of one model in this process: what the parent asked of it with --worker.</summary>
    static class Worker
    {
        public static int Run(BenchmarkOptions options, string modelName, Device device)
        {
            var spec = BenchmarkModel.All.Single(m => m.Name == modelName);
            var (batch, size) = spec.BatchAndSize(options, device);
            using var work = spec.Load(batch, size, device);
            if (options.Serve)
            {
                // The paired mode (PairedSteps): one training step per "step" line, its seconds on a line of its own.
                Console.WriteLine($"ready {work.Parameters} {LoadedBlas.Describe()}");
                for (int step = 1; Console.ReadLine() == "step"; step++)
                {
                    Console.WriteLine(Timing.TrainingStepSeconds(work.Model, work.Images, work.Labels, 1, 0).ToString("R", CultureInfo.InvariantCulture));
                    // As Timing.Samples does every few steps, outside the timed step: the Scalars TorchSharp's optimizers
                    // make are freed by the finaliser only.
                    if (step % 10 == 0) GC.Collect(0);
                }
            }
            else if (options.Profile)
            {
                var layers = Timing.LayerForwardSeconds(work.Model, work.Images, Math.Max(10, options.Steps)).Select(l => new object[] { l.Kind, l.Seconds });
                var phases = spec.InferenceOnly ? [] : Timing.TrainingStepPhases(work.Model, work.Images, work.Labels, options.Steps, options.Warmup, options.MinimumSeconds).Select(p => new object[] { p.Phase, p.Seconds });
                Console.WriteLine(JsonSerializer.Serialize(new { parameters = work.Parameters, layers, phases }));
            }
            else
                Console.WriteLine(Measure.Json(Measure.Run(spec, work, batch, size, device, options)));
            return 0;
        }
    }

    /// <summary>The parent process: starts both sides' launches, checks they build the same models, and reports.</summary>
    static class Parent
    {
        public static int Run(BenchmarkOptions options, string[] args, Device device)
        {
            var python = options.NoPyTorch ? null : PyTorchSide.Find(options.Python);
            if (python is null && !options.NoPyTorch && options.Python is { } asked)
                throw new UsageException($"--python {asked}: it did not run `import torch` (install PyTorch for it, or give another Python)");
            if (python is null && options.PairedSeconds is not null)
                throw new UsageException("--paired needs the PyTorch side: a python3 with torch (install python3-torch, or give --python PATH)");
            if (python is not null && device.type == DeviceType.CUDA && !python.CudaAvailable)
                throw new UsageException($"the device is {device}, but {python.Describe()} sees no CUDA device: give --python a CUDA build of PyTorch, or --no-pytorch, or --device cpu");
            if (python is not null)
            {
                python.SameAllocator = !options.PyTorchDefaultMalloc;
                python.Device = device.ToString(); // the device this side resolved, so both measure on the same one
            }
            var self = new TorchSharpSide(args, options.SameBlas);
            Console.WriteLine($"device {device}, libtorch threads {get_num_threads()}, TorchSharp {TorchRuntime.TorchSharpVersion}" + (python is null ? ", PyTorch: not found (install python3-torch, or pass --python)" : $", PyTorch: {python.Describe()}"));
            Console.WriteLine($"CPU {CpuDescription.Describe()}");
            Console.WriteLine($"convolution check: {ConvolutionGuard.Check.Summary}");
            Console.WriteLine($"native allocator: {TorchRuntime.Allocator}");
            Console.WriteLine(options.PairedSeconds is { } shared
                ? $"each model: {options.Launches} launch(es) of both sides, {shared / options.Launches:0.#} s of steps in turn each, after at least {options.Warmup} warm-up steps and a third of that"
                : $"each measurement: at least {options.Steps} timed steps and {options.MinimumSeconds:0.#} s after at least {options.Warmup} warm-up steps; {options.Launches} launch(es) per side, alternating");
            var report = new BenchmarkReport(device);
            if (options.DriftSeconds is { } driftSeconds)
            {
                var model = options.TrainedModels[0];
                var (batch, size) = model.BatchAndSize(options, device);
                Console.WriteLine(MachineDrift.Watch(model, batch, size, device, driftSeconds));
            }
            else if (options.PairedSeconds is { } pairedSeconds)
                Paired(options, device, python!, self, report, pairedSeconds);
            else if (options.Profile)
                Profile(options, device, python, self);
            else
                Launches(options, device, python, self, report);
            return 0;
        }

        static void Paired(BenchmarkOptions options, Device device, PyTorchSide python, TorchSharpSide self, BenchmarkReport report, double pairedSeconds)
        {
            var paired = new List<PairedSteps.Result>();
            foreach (var model in options.TrainedModels)
            {
                var (batch, size) = model.BatchAndSize(options, device);
                paired.Add(PairedSteps.Run(model.Name, () => self.ServeInfo(model.Name), () => python.ServeInfo(model.Name, batch, size, options),
                    options.Warmup, pairedSeconds, options.Launches));
                Console.WriteLine(paired[^1]);
                // Written after every model, so a model that fails later leaves the ones measured before it on disk.
                report.Write(options.Output ?? Path.Combine("artifacts", "benchmarks", "paired.json"),
                    new { pairedSeconds, pytorch = python.Describe(), results = paired.Select(r => new { r.Model, r.Parameters, r.Ratio, r.LaunchSpread, r.Launches, r.TorchSharpBlas, r.PyTorchBlas }) });
            }
        }

        static void Profile(BenchmarkOptions options, Device device, PyTorchSide? python, TorchSharpSide self)
        {
            foreach (var model in BenchmarkModel.All.Where(m => options.Models.Contains(m.Name)))
            {
                var (batch, size) = model.BatchAndSize(options, device);
                Console.WriteLine();
                var (ours, theirs) = (self.Profile(model.Name), python?.Profile(model.Name, batch, size, options));
                if (theirs is not null) Twins.CheckSameSize(model.Name, ours.Parameters, theirs.Parameters);
                Console.WriteLine(LayerProfile.Table(model.Name, batch, size, ours.Layers, theirs?.Layers));
                if (ours.Phases.Count > 0) Console.WriteLine(LayerProfile.PhaseTable(model.Name, batch, size, ours.Phases, theirs?.Phases));
            }
        }

        static void Launches(BenchmarkOptions options, Device device, PyTorchSide? python, TorchSharpSide self, BenchmarkReport report)
        {
            var results = new List<ModelResult>();
            string output = options.Output ?? Path.Combine("artifacts", "benchmarks", "benchmark.json");
            foreach (var model in BenchmarkModel.All.Where(m => options.Models.Contains(m.Name)))
            {
                var (batch, size) = model.BatchAndSize(options, device);
                var launches = new List<Measurement>();
                var reference = new List<Measurement>();
                for (int launch = 0; launch < options.Launches; launch++)
                {
                    // Alternate the two sides so that the machine's drift hits both alike.
                    launches.Add(self.Run(model.Name));
                    if (python is null) continue;
                    reference.Add(python.Run(model.Name, batch, size, options));
                    Twins.CheckSameSize(model.Name, launches[^1].Parameters, reference[^1].Parameters);
                }
                var result = new ModelResult(model.Name, batch, size, launches, reference);
                results.Add(result);
                Console.WriteLine(result.Line());
                if (!model.InferenceOnly) Console.WriteLine(result.LaunchLines());
                // Written after every model, so a model that fails later leaves the ones measured before it on disk.
                report.Write(output, new { options.MinimumSeconds, results });
            }
            Console.WriteLine();
            Console.WriteLine(ModelResult.Table(results, device.ToString()));
        }
    }
}
