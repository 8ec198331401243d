using System.Diagnostics;
using ClassicCnn.Benchmarks;

namespace ClassicCnn.Tests;

/// <summary>
/// The benchmark's paired mode, driven with two stand-in sides (small shell scripts) instead of TorchSharp and PyTorch:
/// the ratio it computes, that each side steps while the other is stopped, and its errors. Linux only, as the stopping is.
/// </summary>
public class PairedStepsTests
{
    // A side of the paired mode as the benchmark talks to it: "ready BLAS", then one line of seconds per "step".
    // It writes its process id to $1; at each step it reads the other side's state from /proc and answers with its
    // own step time ($4) only if that side is stopped ("T"), with 9 seconds otherwise. Anything but "step" ends it.
    const string Side = """
        echo $$ > "$1.tmp" && mv "$1.tmp" "$1"
        echo "ready $3"
        while read line; do
          [ "$line" = step ] || exit 0
          other=$(cat "$2")
          state=$(sed 's/.*) //' "/proc/$other/stat" | cut -c1)
          if [ "$state" = T ]; then echo "$4"; else echo 9; fi
        done
        """;

    static ProcessStartInfo Start(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", script, "side" } };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return info;
    }

    [Fact]
    public void The_ratio_is_the_median_of_PyTorchs_step_over_TorchSharps_each_taken_while_the_other_side_is_stopped()
    {
        if (!OperatingSystem.IsLinux()) return; // the idle side is stopped on Linux only (SIGSTOP), and /proc tells it
        using var temp = new TempFolder();
        string ours = temp.File("ours.pid"), theirs = temp.File("theirs.pid");

        var result = PairedSteps.Run("lenet", () => Start(Side, ours, theirs, "MKL", "0.010"), () => Start(Side, theirs, ours, "OpenBLAS", "0.020"),
            warmup: 2, seconds: 0.6, launches: 2);

        Assert.Equal(2, result.Launches.Count);
        Assert.All(result.Launches, launch =>
        {
            // A step answered while the other side ran reads 9 s and would move these medians.
            Assert.Equal(10.0, launch.TorchSharpMs, 9);
            Assert.Equal(20.0, launch.PyTorchMs, 9);
            Assert.Equal(2.0, launch.Ratio, 9);
        });
        Assert.Equal(2.0, result.Ratio, 9);
        Assert.Equal(0.0, result.LaunchSpread, 9);
        Assert.Equal(("MKL", "OpenBLAS"), (result.TorchSharpBlas, result.PyTorchBlas));

        // Both sides of the last launch have ended: none is left running or stopped.
        foreach (var pidFile in new[] { ours, theirs })
            Assert.False(Directory.Exists($"/proc/{File.ReadAllText(pidFile).Trim()}"), $"the side whose process id is in {Path.GetFileName(pidFile)} is still there");
    }

    [Fact]
    public void A_side_that_answers_a_step_with_something_else_is_named_with_what_it_said_and_wrote_to_stderr()
    {
        if (!OperatingSystem.IsLinux()) return;
        const string broken = """
            echo "ready OpenBLAS"
            read line
            echo "Traceback: out of memory on purpose" >&2
            echo oops
            """;
        using var temp = new TempFolder();
        string ours = temp.File("ours.pid");
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("vgg-small", () => Start(Side, ours, ours, "MKL", "0.010"), () => Start(broken), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("bench_pytorch.py for vgg-small answered 'oops' to a step", error.Message);
        Assert.Contains("Traceback: out of memory on purpose", error.Message);
    }

    [Fact]
    public void A_side_that_ends_before_it_is_ready_is_named_with_its_error_output()
    {
        if (!OperatingSystem.IsLinux()) return;
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("alexnet", () => Start("echo 'no module named torch' >&2; exit 1"), () => Start("exit 1"), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("the TorchSharp worker for alexnet ended before it was ready", error.Message);
        Assert.Contains("no module named torch", error.Message);
    }
}
