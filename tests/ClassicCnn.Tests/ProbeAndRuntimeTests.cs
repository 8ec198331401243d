using ClassicCnn.Inspection;
using ClassicCnn.Models;
using ClassicCnn.Platform;
using System.Runtime.InteropServices;
using TorchSharp;

namespace ClassicCnn.Tests;

public class ProbeAndRuntimeTests
{
    [Fact]
    public void A_learners_own_convolution_protected_by_the_runtime_agrees_with_float64()
    {
        // 24 input channels and a 3x3 kernel: a float32 shape libtorch's oneDNN gets wrong on common AVX2 and AVX-512 CPUs.
        using var layer = torch.nn.Conv2d(24, 32, 3, padding: 1);
        Assert.Same(layer, TorchRuntime.ProtectConvolutions(layer));
        using var x = torch.randn(2, 24, 12, 12);
        using var output = layer.call(x);
        using var x64 = x.to(torch.float64);
        using var w64 = layer.weight!.detach().to(torch.float64);
        using var b64 = layer.bias!.detach().to(torch.float64);
        using var reference = torch.nn.functional.conv2d(x64, w64, b64, padding: [1, 1]);
        using var difference = (output.detach().to(torch.float64) - reference).abs().max();
        Assert.True(difference.item<double>() < 1e-4, $"largest difference from float64: {difference.item<double>():E2}");
    }

    [Fact]
    public void Timing_runs_at_least_the_asked_steps_and_seconds_and_takes_the_median()
    {
        // The median, not the mean: one slow step among many does not move it.
        Assert.Equal(0.005, Timing.Median([0.005, 0.005, 0.300, 0.005, 0.005]), 12);
        Assert.Equal(0.0055, Timing.Median([0.006, 0.300, 0.001, 0.005]), 12);
        Assert.True(double.IsNaN(Timing.Median([])));

        // A time floor: warm-up for a third of it, then timing for all of it, whatever the counts asked.
        int calls = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Timing.Timed(() => { calls++; Thread.Sleep(5); }, repeats: 3, warmup: 2, minimumSeconds: 0.3);
        Assert.True(clock.Elapsed.TotalSeconds >= 0.4, $"stopped after {clock.Elapsed.TotalSeconds:0.000} s");
        Assert.True(calls > 2 + 3, $"{calls} calls");

        calls = 0;
        Timing.Timed(() => calls++, repeats: 7, warmup: 4);
        Assert.Equal(11, calls); // without a time floor: exactly warm-up + repeats
    }

    [Fact]
    public void A_training_step_is_split_into_its_four_phases_and_every_phase_really_runs()
    {
        using var model = new LeNet();
        using var images = torch.randn(8, 1, 28, 28);
        using var labels = torch.randint(0, 10, [8]);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        var phases = Timing.TrainingStepPhases(model, images, labels, repeats: 3, warmup: 1);
        Assert.Equal(["zero_grad", "forward", "backward", "step"], phases.Select(p => p.Phase));
        Assert.All(phases, p => Assert.True(p.Seconds > 0, $"{p.Phase} took no time"));
        // The steps ran backward and the update: every parameter has a gradient, and parameters moved (SGD at 1e-6,
        // four steps: too little to show in every float32 weight; the output layer's bias moves most).
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
        Assert.Contains(model.parameters().Zip(before), pair => !pair.First.equal(pair.Second).all().item<bool>());
        Assert.True(model.training);
    }

    [Fact]
    public void The_library_keeps_freed_native_buffers_on_linux_and_says_so()
    {
        Assert.Contains(TorchRuntime.Describe(), d => d.Name == "native allocator" && d.Value == TorchRuntime.Allocator);
        // The tunables handed to processes started from here: the same settings and one arena for all threads, unless
        // the caller chose glibc's settings already.
        Assert.Equal("glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647", NativeAllocator.GlibcTunables);
        Assert.Null(NativeAllocator.TunablesFor(new Dictionary<string, string> { ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=2" }));
        Assert.Null(NativeAllocator.TunablesFor(new Dictionary<string, string> { [EnvironmentVariables.Malloc] = "Default" }));
        if (!OperatingSystem.IsLinux())
            return;
        // Tunables of other kinds are kept, and the malloc settings added after them.
        Assert.Equal("glibc.pthread.rseq=0:" + NativeAllocator.GlibcTunables,
            NativeAllocator.TunablesFor(new Dictionary<string, string> { ["GLIBC_TUNABLES"] = "glibc.pthread.rseq=0", [EnvironmentVariables.Malloc] = "" }));
        Assert.StartsWith("glibc keeps freed buffers (every block from the heap", TorchRuntime.Allocator);
        if (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is null)
        {
            Assert.Contains("open the repository's folder in VS Code (its .vscode/settings.json gives the kernel the variable)", TorchRuntime.Allocator);
            Assert.EndsWith("start the process with GLIBC_TUNABLES=" + NativeAllocator.GlibcTunables, TorchRuntime.Allocator);
        }

        // What the settings do: a 48 MiB tensor (above glibc's default mmap threshold, below a thread arena's 64 MiB
        // heap) comes from a heap, not from a mapping of its own; glibc marks a mapped block in its chunk header.
        using var block = torch.ones(12 << 20);
        long chunkSize = Marshal.ReadInt64(block.storage<float>().data_ptr() - 8);
        Assert.True((chunkSize & IsMmapped) == 0, "glibc mapped the 48 MiB tensor on its own: the allocator settings did not take");
    }

    /// <summary>glibc's flag for a block mapped on its own (malloc.c's IS_MMAPPED) in the size word before the block.</summary>
    const long IsMmapped = 2;

    [Fact]
    public void The_receptive_field_of_stacked_convolutions_is_measured_and_a_model_that_blocks_gradients_is_explained()
    {
        foreach (var (kernel, layers, expected) in new[] { (3, 1, 3), (3, 2, 5), (3, 3, 7), (7, 1, 7) })
        {
            using var stack = torch.nn.Sequential(Enumerable.Range(0, layers)
                .Select(i => (torch.nn.Module<torch.Tensor, torch.Tensor>)torch.nn.Conv2d(i == 0 ? 1 : 4, 4, kernel, padding: kernel / 2)).ToArray());
            Assert.Equal((expected, expected), ReceptiveField.Measure(stack, 1, 31));
        }

        // A ReLU after a convolution whose weights are set to +0.01 and whose input is all ones passes everything;
        // a negative scale before the ReLU blocks every gradient.
        using var blocked = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding: 1), new Negate(), torch.nn.ReLU());
        var error = Assert.Throws<InvalidOperationException>(() => ReceptiveField.Measure(blocked, 1, 15));
        Assert.Contains("No input pixel of the 15x15 input changes the centre output", error.Message);
        Assert.Contains("input gradient is all zero", error.Message);

        // Through 2x2 average pooling the second 3x3 layer's steps count double: 3 + 1 + 2 x 2 = 8.
        using var pooled = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding: 1), torch.nn.AvgPool2d(2), torch.nn.Conv2d(4, 4, 3, padding: 1));
        Assert.Equal((8, 8), ReceptiveField.Measure(pooled, 1, 31));
        using var maxPooled = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding: 1), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 4, 3, padding: 1));
        var refused = Assert.Throws<ArgumentException>(() => ReceptiveField.Measure(maxPooled, 1, 31));
        Assert.Contains("has max pooling", refused.Message);
        Assert.Contains("Measure the same network with average pooling", refused.Message);
        using var adaptive = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding: 1), torch.nn.AdaptiveMaxPool2d(new long[] { 8, 8 }));
        Assert.Contains("has max pooling", Assert.Throws<ArgumentException>(() => ReceptiveField.Measure(adaptive, 1, 31)).Message);

        using var flat = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.Flatten());
        Assert.Contains("the receptive field needs feature maps [N, C, H, W]", Assert.Throws<ArgumentException>(() => ReceptiveField.Measure(flat, 1, 15)).Message);
    }

    sealed class Negate() : torch.nn.Module<torch.Tensor, torch.Tensor>(nameof(Negate))
    {
        public override torch.Tensor forward(torch.Tensor input) => -input;
    }

    [Fact]
    public void The_machine_description_shows_the_convolution_check()
    {
        var row = Assert.Single(TorchRuntime.Describe(), d => d.Name == "convolution check (CPU)");
        Assert.Equal(ConvolutionGuard.Check.Summary, row.Value);
        Assert.Contains(ConvolutionGuard.Check.Faulty ? "gives wrong outputs or input gradients here" : "outputs and gradients are right here", row.Value);
        // An error is a number, or says why there is none: a bare "NaN" left learners unsure whether the check broke.
        Assert.Matches(@"error:? (\d\.\de-?\d+|not finite \(the float32 result held NaN or infinity\))", row.Value);
        Assert.Equal("3.4e-7", ConvolutionGuard.Describe(3.4e-7));
        Assert.All(new[] { double.NaN, double.PositiveInfinity }, e => Assert.Equal("not finite (the float32 result held NaN or infinity)", ConvolutionGuard.Describe(e)));
    }
}
