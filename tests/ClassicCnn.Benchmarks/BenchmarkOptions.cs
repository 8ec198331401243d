using System.Globalization;

namespace ClassicCnn.Benchmarks;

/// <summary>The benchmark's command line. <see cref="Parse"/> throws <see cref="UsageException"/> for a bad one.</summary>
public sealed record BenchmarkOptions
{
    public HashSet<string> Models { get; init; } = BenchmarkModel.All.Select(m => m.Name).ToHashSet();
    public int? Batch { get; init; }
    public int? Size { get; init; }
    public int? Threads { get; init; }
    public int Steps { get; init; } = 10;
    public int Warmup { get; init; } = 3;
    public string? Device { get; init; }
    public string? LibTorchFolder { get; init; }
    public int Launches { get; init; } = 3;
    public string? Output { get; init; }
    public bool NoPyTorch { get; init; }
    public string? Python { get; init; }
    public int MemoryEpochs { get; init; } = 5;
    public int StepsPerMemoryEpoch { get; init; } = 6;
    public double MinimumSeconds { get; init; } = 20;
    /// <summary>Set in a worker process: the model it measures (the parent re-runs this program with --worker).</summary>
    public string? Worker { get; init; }
    public bool PyTorchDefaultMalloc { get; init; }
    public bool Profile { get; init; }
    public double? DriftSeconds { get; init; }
    public double? PairedSeconds { get; init; }
    /// <summary>Set in a worker of the paired mode: answer one training step per line.</summary>
    public bool Serve { get; init; }
    public bool SameBlas { get; init; }

    /// <summary>The models the options select that are trained (not inference only), in the benchmark's order.</summary>
    public IReadOnlyList<BenchmarkModel> TrainedModels => BenchmarkModel.All.Where(m => Models.Contains(m.Name) && !m.InferenceOnly).ToList();

    const string Usage = """
        usage: dotnet run -c Release --project tests/ClassicCnn.Benchmarks -- [options]
          --models a,b      lenet5, lenet, alexnet, vgg-small, vgg16 (default: all)
          --batch N         batch size (default: 256 for LeNet; 128 on CUDA / 32 on CPU for AlexNet and VGG; VGG16 64 / 8)
          --size N          input size of AlexNet and the small VGG (default 224)
          --threads N       libtorch threads on both sides (default: libtorch's choice)
          --steps N         at least N timed steps (default 10), after at least --warmup N untimed ones (default 3)
          --seconds S       and time for at least S seconds, warm up for at least S/3 (default 20: this machine's
                            speed swings within seconds, see --drift, and only a long timing averages it out;
                            0: exactly --steps steps)
          --launches N      measure each model in N fresh processes per side, alternating with PyTorch (default 3);
                            with --paired: N launches of both sides, sharing the S seconds
          --device D        cpu, cuda, cuda:1 (default: CUDA when available)
          --libtorch DIR    load libtorch from an existing PyTorch installation's torch/lib folder
          --python PATH     the Python with torch (default: /usr/bin/python3, then python3, then python)
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
        var all = BenchmarkModel.All.Select(m => m.Name).ToList();
        var o = new BenchmarkOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string option = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{option} needs a value");
            int Int() { string v = Next(); return int.TryParse(v, out int n) && n > 0 ? n : throw new UsageException($"{option} wants a positive whole number, not '{v}'"); }
            double Seconds(bool zeroAllowed = false)
            {
                string v = Next();
                return double.TryParse(v, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s) && (s > 0 || zeroAllowed && s == 0) ? s
                    : throw new UsageException($"{option} wants a {(zeroAllowed ? "" : "positive ")}number of seconds, not '{v}'");
            }
            o = option switch
            {
                "--models" => o with { Models = Next().Split(',').Select(m => all.Contains(m) ? m : throw new UsageException($"--models: unknown model '{m}'; the models are {string.Join(", ", all)}")).ToHashSet() },
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
                "--seconds" => o with { MinimumSeconds = Seconds(zeroAllowed: true) }, // 0: exactly --steps steps
                "--worker" => o with { Worker = Next() },
                "--profile" => o with { Profile = true },
                "--paired" => o with { PairedSeconds = Seconds() },
                "--serve" => o with { Serve = true },
                "--same-blas" => OperatingSystem.IsLinux() && PyTorchSide.OpenMpBlasFolder is not null ? o with { SameBlas = true }
                    : throw new UsageException("--same-blas needs Linux with OpenBLAS's OpenMP build (Debian: apt-get install libopenblas0-openmp)"),
                "--drift" => o with { DriftSeconds = Seconds() },
                "--pytorch-malloc" => Next() is "default" ? o with { PyTorchDefaultMalloc = true } : throw new UsageException("--pytorch-malloc takes one value: default"),
                "-h" or "--help" => throw new UsageException(""),
                _ => throw new UsageException($"unknown option '{option}'"),
            };
        }
        var modes = new[] { ("--profile", o.Profile), ("--paired", o.PairedSeconds is not null), ("--drift", o.DriftSeconds is not null) }.Where(m => m.Item2).Select(m => m.Item1).ToList();
        if (modes.Count > 1)
            throw new UsageException($"{string.Join(" and ", modes)} are different modes: give one of them");
        if ((o.PairedSeconds is not null || o.DriftSeconds is not null) && o.TrainedModels.Count == 0)
            throw new UsageException($"{modes[0]} times training steps, and {string.Join(", ", o.Models)} is measured for inference only: add a trained model to --models ({string.Join(", ", BenchmarkModel.All.Where(m => !m.InferenceOnly).Select(m => m.Name))})");
        if (o.PairedSeconds is not null && o.NoPyTorch)
            throw new UsageException("--paired compares both sides step by step, so it cannot run with --no-pytorch");
        return o;
    }

    /// <summary>The usage text, with the error first when there is one.</summary>
    public static string Help(UsageException e) => (e.Message.Length > 0 ? $"error: {e.Message}\n\n" : "") + Usage;
}

/// <summary>A bad command line (or --help, with an empty message): the program prints it with the usage text.</summary>
public sealed class UsageException(string message) : Exception(message);
