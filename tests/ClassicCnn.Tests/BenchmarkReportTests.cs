using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using ClassicCnn.Platform;
using ClassicCnn.Benchmarks;
using static TorchSharp.torch;

namespace ClassicCnn.Tests;

/// <summary>
/// The benchmark's parts that need neither side running: its command line, the ratios and spreads it reports, and the
/// profile tables that pair the two sides' layers and phases.
/// </summary>
public class BenchmarkReportTests
{
    static string UsageError(params string[] args) => Assert.Throws<UsageException>(() => BenchmarkOptions.Parse(args)).Message;

    [Fact]
    public void Without_options_every_model_is_measured_with_the_documented_defaults()
    {
        var o = BenchmarkOptions.Parse([]);
        Assert.Equal(new HashSet<string> { "lenet5", "lenet", "alexnet", "vgg-small", "vgg16" }, o.Models);
        Assert.Equal((10, 3, 3, 20.0, 5, 6), (o.Steps, o.Warmup, o.Launches, o.MinimumSeconds, o.MemoryEpochs, o.StepsPerMemoryEpoch));
        Assert.Equal(["lenet5", "lenet", "alexnet", "vgg-small"], o.TrainedModels.Select(m => m.Name).ToArray());
        var paired = BenchmarkOptions.Parse(["--paired", "100", "--launches", "5", "--models", "lenet5,alexnet", "--seconds", "2.5"]);
        Assert.Equal((100.0, 5, 2.5), (paired.PairedSeconds!.Value, paired.Launches, paired.MinimumSeconds));
        Assert.Equal(["lenet5", "alexnet"], paired.TrainedModels.Select(m => m.Name).ToArray());
        Assert.Equal(0, BenchmarkOptions.Parse(["--seconds", "0"]).MinimumSeconds); // exactly --steps steps
    }

    [Theory]
    [InlineData("--seconds", "Infinity", "--seconds wants a number of seconds, not 'Infinity'")]
    [InlineData("--paired", "NaN", "--paired wants a positive number of seconds, not 'NaN'")]
    [InlineData("--drift", "0", "--drift wants a positive number of seconds, not '0'")]
    [InlineData("--seconds", "-1", "--seconds wants a number of seconds, not '-1'")]
    [InlineData("--batch", "-3", "--batch wants a positive whole number, not '-3'")]
    [InlineData("--models", "lenet,resnet", "--models: unknown model 'resnet'; the models are lenet5, lenet, alexnet, vgg-small, vgg16")]
    [InlineData("--pytorch-malloc", "glibc", "--pytorch-malloc takes one value: default")]
    public void A_bad_value_is_named_with_its_option(string option, string value, string message) => Assert.Equal(message, UsageError(option, value));

    [Fact]
    public void Missing_values_unknown_options_and_conflicting_modes_are_refused()
    {
        Assert.Equal("--launches needs a value", UsageError("--models", "lenet", "--launches"));
        Assert.Equal("unknown option '--sceonds'", UsageError("--sceonds", "3"));
        Assert.Equal("--profile and --paired are different modes: give one of them", UsageError("--paired", "30", "--profile"));
        Assert.Equal("--paired times training steps, and vgg16 is measured for inference only: add a trained model to --models (lenet5, lenet, alexnet, vgg-small)",
            UsageError("--paired", "30", "--models", "vgg16"));
        Assert.StartsWith("--drift times training steps, and vgg16", UsageError("--drift", "30", "--models", "vgg16"));
        Assert.Equal("--paired compares both sides step by step, so it cannot run with --no-pytorch", UsageError("--paired", "30", "--no-pytorch"));
        // --help is a usage "error" without a message: the usage alone, and exit code 0.
        var help = Assert.Throws<UsageException>(() => BenchmarkOptions.Parse(["--help"]));
        Assert.Equal("", help.Message);
        Assert.StartsWith("usage: dotnet run -c Release --project tests/ClassicCnn.Benchmarks", BenchmarkOptions.Help(help));
        Assert.StartsWith("error: unknown option '-x'\n\nusage:", BenchmarkOptions.Help(new UsageException("unknown option '-x'")));
    }

    static Measurement Launch(string side, double train, double inference, long rss = 100 << 20, double? growth = null) =>
        new(side, 1000, train, inference, double.NaN, rss, null, growth, "MKL");

    [Fact]
    public void Ratios_are_PyTorchs_time_over_TorchSharps_medians_over_launches_and_the_spread_is_TorchSharps()
    {
        // TorchSharp's launches: 90, 100, 130 img/s (median 100); PyTorch's: 200, 40, 50 (median 50).
        var result = new ModelResult("lenet", 256, 28,
            [Launch("TorchSharp", 90, 300, growth: 1.0), Launch("TorchSharp", 100, 310, growth: -2.0), Launch("TorchSharp", 130, 320, growth: 0.5)],
            [Launch("PyTorch", 200, 600), Launch("PyTorch", 40, 620), Launch("PyTorch", 50, 640)]);
        Assert.Equal(100, result.Train);
        Assert.Equal(2.0, result.TrainRatio!.Value, 12); // above 1: TorchSharp is faster
        Assert.Equal(310.0 / 620.0, result.InferenceRatio!.Value, 12);
        Assert.Equal(40.0, result.Spread, 12); // (130 - 90) / 100
        Assert.Equal(0.5, result.RssGrowth!.Value, 12);
        Assert.Contains("ratio 2.00", result.Line());
    }

    [Fact]
    public void An_inference_only_model_and_a_missing_PyTorch_side_show_no_ratio()
    {
        var vgg16 = new ModelResult("vgg16", 8, 224, [Launch("TorchSharp", double.NaN, 3.0), Launch("TorchSharp", double.NaN, 3.2)], []);
        Assert.True(double.IsNaN(vgg16.Train));
        Assert.Null(vgg16.PyTrain);
        Assert.Null(vgg16.TrainRatio);
        Assert.Null(vgg16.RssGrowth);
        Assert.Contains("train - img/s (PyTorch -, ratio -)", vgg16.Line());
    }

    [Fact]
    public void Twins_of_different_sizes_are_refused_with_both_counts()
    {
        Twins.CheckSameSize("alexnet", 46_764_746, 46_764_746);
        var error = Assert.Throws<InvalidOperationException>(() => Twins.CheckSameSize("alexnet", 46_764_746, 46_787_978));
        Assert.StartsWith("alexnet: the TorchSharp model has 46,764,746 parameters and bench_pytorch.py's twin 46,787,978", error.Message);
    }

    [Fact]
    public void Every_results_file_and_table_names_the_cpu_and_its_instruction_sets()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "benchmarks", "results.json");
        new BenchmarkReport(CPU).Write(path, new { MinimumSeconds = 3.5 });
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(CPU.ToString(), (string?)json["device"]);
        Assert.Equal(CpuDescription.ModelName, (string?)json["cpu"]);
        Assert.Equal(CpuDescription.Sets, json["instructionSets"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(ConvolutionGuard.Check.Summary, (string?)json["convolutionCheck"]);
        Assert.Equal(3.5, (double)json["MinimumSeconds"]!);
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temp file left beside it

        // Read here from /proc/cpuinfo without the benchmark's code, where this machine has one.
        string[] cpuinfo = OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        if (cpuinfo.FirstOrDefault(l => l.StartsWith("model name")) is { } modelLine)
            Assert.Equal(modelLine.Split(':', 2)[1].Trim(), CpuDescription.ModelName);
        if (cpuinfo.FirstOrDefault(l => l.StartsWith("flags")) is { } flagLine)
        {
            var flags = flagLine.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (string set in new[] { "avx2", "fma", "avx512f", "avx512_vnni" })
                Assert.Equal(flags.Contains(set), CpuDescription.Sets.Contains(set));
        }

        Assert.Contains($"; CPU {CpuDescription.Describe()}", ModelResult.Table([], CPU.ToString()));
        Assert.EndsWith($"; CPU {CpuDescription.Describe()}", LayerProfile.Table("lenet5", 256, 32, [("Conv2d", 0.010)], [("Conv2d", 0.012)]).Caption);
        Assert.EndsWith($"; CPU {CpuDescription.Describe()}", LayerProfile.PhaseTable("lenet5", 256, 32, [("forward", 0.010)], [("forward", 0.012)]).Caption);
    }

    [Fact]
    public void The_profile_pairs_layers_by_kind_and_occurrence_and_shows_a_phase_one_side_lacks_as_a_dash()
    {
        IReadOnlyList<(string, double)> ours = [("Conv2d", 0.010), ("ReLU", 0.001), ("Conv2d", 0.020), ("EuclideanRbf", 0.002)];
        IReadOnlyList<(string, double)> theirs = [("Conv2d", 0.005), ("ReLU", 0.001), ("Conv2d", 0.040)];
        var rows = LayerProfile.Table("lenet5", 256, 32, ours, theirs).Rows;
        // The second Conv2d meets the second: 40 / 20 ms = 2.00; the layer PyTorch lacks has no partner.
        Assert.Contains(rows, r => r.SequenceEqual(["3", "Conv2d", "20.0", "40.0", "2.00"]));
        Assert.Contains(rows, r => r.SequenceEqual(["4", "EuclideanRbf", "2.0", "-", "-"]));
        Assert.Contains(rows, r => r.SequenceEqual(["all", "Conv2d", "30.0", "45.0", "1.50"]));

        var phases = LayerProfile.PhaseTable("lenet5", 256, 32, [("zero_grad", 0.001), ("forward", 0.010)], [("forward", 0.012)]).Rows;
        Assert.Contains(phases, r => r.SequenceEqual(["zero_grad", "1.0", "-", "-"]));
        Assert.Contains(phases, r => r.SequenceEqual(["forward", "10.0", "12.0", "1.20"]));
    }

    [SkippableFact, UnsupportedOSPlatform("windows")] // the attribute tells the platform analyzer what Skip.If already ensures
    public void A_Python_is_asked_for_its_PyTorch_version_and_whether_it_sees_CUDA()
    {
        Skip.If(OperatingSystem.IsWindows(), "The stand-in Pythons are /bin/sh scripts.");
        using var temp = new TempFolder();
        string Python(string name, string script)
        {
            string path = temp.File(name);
            File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }
        var cpuOnly = PyTorchSide.Find(Python("cpu-python", "echo '1.13.1 False'"));
        Assert.NotNull(cpuOnly);
        Assert.False(cpuOnly.CudaAvailable);
        Assert.StartsWith("PyTorch 1.13.1 (", cpuOnly.Describe());
        Assert.True(PyTorchSide.Find(Python("cuda-python", "echo '2.11.0+cu128 True'"))!.CudaAvailable);
        // A Python without torch fails the import; one that answers something else is not taken for a PyTorch either.
        Assert.Null(PyTorchSide.Find(Python("no-torch", "echo \"ModuleNotFoundError: No module named 'torch'\" >&2; exit 1")));
        Assert.Null(PyTorchSide.Find(Python("odd", "echo 'hello'")));
        Assert.Null(PyTorchSide.Find(temp.File("missing-python")));
    }
}
