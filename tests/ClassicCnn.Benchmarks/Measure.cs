using System.Diagnostics;
using System.Text.Json;
using ClassicCnn.Data;
using ClassicCnn.Inspection;
using TorchSharp;
using static TorchSharp.torch;

namespace ClassicCnn.Benchmarks;

public static class Measure
{
    public static Measurement Run(BenchmarkModel spec, Workload work, int batch, int size, Device device, BenchmarkOptions options)
    {
        var (model, images, labels) = (work.Model, work.Images, work.Labels);

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
        return new Measurement("TorchSharp", work.Parameters, train, inference, pipeline, PeakRss(),
            device.type == DeviceType.CUDA ? CudaBytesInUse() : null, growth, LoadedBlas.Describe(), trainingCpu);
    }

    /// <summary>
    /// RSS of the first and the last of a few short "epochs" of training steps (TorchSharp issue #1278: memory must
    /// stay flat). An epoch's RSS is its high point over the steps: a single reading after the last step depends on
    /// whether glibc had just handed the top of its heap back, and made a flat run look like growth in some launches
    /// (docs/performance.md).
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

    /// <summary>
    /// The device memory this process holds at the end of its measurements, as nvidia-smi reports it (null without it):
    /// TorchSharp 0.107.0 exposes no CUDA memory statistics, so there is no peak to read.
    /// </summary>
    static long? CudaBytesInUse()
    {
        try
        {
            var info = new ProcessStartInfo("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"]) { RedirectStandardOutput = true };
            using var process = Process.Start(info)!;
            string text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var mine = text.Split('\n').Select(l => l.Split(',')).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == Environment.ProcessId.ToString());
            return mine is not null && long.TryParse(mine[1].Trim(), out long mib) ? mib * 1024 * 1024 : null; // "[N/A]" on some drivers
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
