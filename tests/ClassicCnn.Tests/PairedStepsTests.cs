using System.Diagnostics;
using ClassicCnn.Benchmarks;

namespace ClassicCnn.Tests;

/// <summary>
/// The benchmark's paired mode, driven with stand-in sides (small shell scripts) instead of TorchSharp and PyTorch:
/// the ratio it computes, that each side steps only while the other is stopped, and what a failing side leaves.
/// </summary>
public class PairedStepsTests
{
    // A side as the benchmark talks to it: "ready BLAS", then one line of seconds per "step"; anything else ends it,
    // and it then writes "$1.ended" (a side killed instead, say because it was never resumed, writes nothing).
    // It writes its process id to $1. At each step it waits up to a second for the other side (its id in $2) to show
    // as stopped ("T" in /proc/ID/stat; a stop signal takes a moment to land) and answers with its own step time ($4);
    // a step taken while the other side ran is written to the log $5.
    const string CheckingSide = """
        echo $$ > "$1.tmp" && mv "$1.tmp" "$1"
        echo "ready $3"
        while read line; do
          [ "$line" = step ] || break
          other=$(cat "$2"); tries=0
          while state=$(sed 's/.*) //' "/proc/$other/stat" | cut -c1); [ "$state" != T ] && [ $tries -lt 100 ]; do
            tries=$((tries + 1)); sleep 0.01
          done
          [ "$state" = T ] || echo "$$ stepped while $other was in state $state" >> "$5"
          echo "$4"
        done
        echo ended > "$1.ended"
        """;

    // A side that answers every step with 10 ms and writes "$1.ended" when told to end.
    const string PlainSide = """
        echo "ready MKL"
        while read line; do [ "$line" = step ] || break; echo 0.010; done
        echo ended > "$1.ended"
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
        if (!OperatingSystem.IsLinux()) return; // the idle side is stopped on Linux only (SIGSTOP), and /proc shows it
        using var temp = new TempFolder();
        string ours = temp.File("ours.pid"), theirs = temp.File("theirs.pid"), log = temp.File("unstopped.log");

        var result = PairedSteps.Run("lenet", () => Start(CheckingSide, ours, theirs, "MKL", "0.010", log),
            () => Start(CheckingSide, theirs, ours, "OpenBLAS", "0.020", log), warmup: 2, seconds: 0.6, launches: 2);

        Assert.False(File.Exists(log), File.Exists(log) ? File.ReadAllText(log) : "");
        Assert.Equal(2, result.Launches.Count);
        Assert.All(result.Launches, launch =>
        {
            Assert.Equal(10.0, launch.TorchSharpMs, 9);
            Assert.Equal(20.0, launch.PyTorchMs, 9);
            Assert.Equal(2.0, launch.Ratio, 9);
        });
        Assert.Equal(2.0, result.Ratio, 9);
        Assert.Equal(0.0, result.LaunchSpread, 9);
        Assert.Equal(("MKL", "OpenBLAS"), (result.TorchSharpBlas, result.PyTorchBlas));
        // The last launch's sides were resumed and told to end, not left stopped and killed.
        Assert.True(File.Exists(ours + ".ended") && File.Exists(theirs + ".ended"), "a side of the last launch did not end when told to");
    }

    [Fact]
    public void A_side_that_answers_a_step_with_something_else_is_named_with_its_error_output_and_the_other_side_is_resumed()
    {
        if (OperatingSystem.IsWindows()) return; // the stand-ins are /bin/sh scripts
        const string broken = """
            echo "ready OpenBLAS"
            read line
            echo "Traceback: out of memory on purpose" >&2
            echo oops
            """;
        using var temp = new TempFolder();
        string ours = temp.File("ours");
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("vgg-small", () => Start(PlainSide, ours), () => Start(broken), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("bench_pytorch.py for vgg-small answered 'oops' to a step", error.Message);
        Assert.Contains("Traceback: out of memory on purpose", error.Message);
        // Our side was stopped while the broken one stepped; it was resumed and ended when told to.
        Assert.True(File.Exists(ours + ".ended"), "the TorchSharp side was not resumed after the other side failed");
    }

    [Fact]
    public void A_side_that_ends_before_it_is_ready_is_named_with_its_error_output()
    {
        if (OperatingSystem.IsWindows()) return;
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("alexnet", () => Start("echo 'no module named torch' >&2; exit 1"), () => Start("exit 1"), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("the TorchSharp worker for alexnet ended before it was ready", error.Message);
        Assert.Contains("no module named torch", error.Message);
    }
}
