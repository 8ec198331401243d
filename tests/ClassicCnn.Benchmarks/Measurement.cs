using System.Diagnostics;

namespace ClassicCnn.Benchmarks;

/// <summary>What one launch measured for one model. Rates are images (or batches) per second; memory in bytes.</summary>
public sealed record Measurement(string Side, long Parameters, double TrainImagesPerSecond, double InferenceImagesPerSecond,
    double PipelineBatchesPerSecond, long PeakRssBytes, long? DeviceBytesAtEnd, double? RssGrowthPercent, string Blas, CpuUse? TrainingCpu = null);

/// <summary>
/// How the CPU was used while training (the warm-up steps included), to tell a slow launch's cause: CpuPerWall is the
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
