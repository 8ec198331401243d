using System.Diagnostics;
using ClassicCnn.Benchmarks;

namespace ClassicCnn.Tests;

/// <summary>
/// The benchmark's paired mode, driven with stand-in sides (small shell scripts) instead of TorchSharp and PyTorch:
/// the ratio it computes, that each side steps only while the other is stopped, and what a failing side leaves.
/// </summary>
public class PairedStepsTests
{
    const string StandInsAreShellScripts = "The stand-in sides are /bin/sh scripts.";

    // A side as the benchmark talks to it: "ready PARAMETERS BLAS" ($3), then one line of seconds per "step"; anything
    // else ends it, and it then writes "$1.ended" (a side killed instead, say because it was never resumed, writes
    // nothing). It writes its process id to $1. At each step it waits up to a second for the other side (its id in $2)
    // to show as stopped ("T" in /proc/ID/stat; a stop signal takes a moment to land) and answers with its own step
    // time ($4), except every fifth step, which it answers with the outlier $6; a step taken while the other side ran
    // is written to the log $5.
    const string CheckingSide = """
        echo $$ > "$1.tmp" && mv "$1.tmp" "$1"
        echo "ready $3"
        n=0
        while read line; do
          [ "$line" = step ] || break
          other=$(cat "$2"); tries=0
          while state=$(sed 's/.*) //' "/proc/$other/stat" | cut -c1); [ "$state" != T ] && [ $tries -lt 100 ]; do
            tries=$((tries + 1)); sleep 0.01
          done
          [ "$state" = T ] || echo "$$ stepped while $other was in state $state" >> "$5"
          n=$((n + 1))
          if [ $((n % 5)) -eq 0 ]; then echo "$6"; else echo "$4"; fi
        done
        echo ended > "$1.ended"
        """;

    // A side of a 61,706-parameter model that answers every step with 10 ms and writes "$1.ended" when told to end.
    const string PlainSide = """
        echo "ready 61706 MKL"
        while read line; do [ "$line" = step ] || break; echo 0.010; done
        echo ended > "$1.ended"
        """;

    static ProcessStartInfo Start(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", script, "side" } };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return info;
    }

    [SkippableFact]
    public void The_ratio_is_the_median_of_PyTorchs_step_over_TorchSharps_each_taken_while_the_other_side_is_stopped()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "The idle side is stopped on Linux only (SIGSTOP), and /proc shows it.");
        using var temp = new TempFolder();
        string ours = temp.File("ours.pid"), theirs = temp.File("theirs.pid"), log = temp.File("unstopped.log");

        // Every fifth step of each side is an outlier (TorchSharp 5 s, PyTorch 0.001 s): medians ignore them, means would not.
        var result = PairedSteps.Run("lenet", () => Start(CheckingSide, ours, theirs, "61706 MKL", "0.010", log, "5.0"),
            () => Start(CheckingSide, theirs, ours, "61706 OpenBLAS", "0.020", log, "0.001"), warmup: 2, seconds: 0.6, launches: 2);

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
        Assert.Equal(61706, result.Parameters);
        // The last launch's sides were resumed and told to end, not left stopped and killed.
        Assert.True(File.Exists(ours + ".ended") && File.Exists(theirs + ".ended"), "a side of the last launch did not end when told to");
    }

    [SkippableFact]
    public void A_side_that_answers_a_step_with_something_else_is_named_with_its_error_output_and_the_other_side_is_resumed()
    {
        Skip.If(OperatingSystem.IsWindows(), StandInsAreShellScripts);
        const string broken = """
            echo "ready 61706 OpenBLAS"
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

    [SkippableFact]
    public void A_side_that_ends_before_it_is_ready_is_named_with_its_error_output()
    {
        Skip.If(OperatingSystem.IsWindows(), StandInsAreShellScripts);
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("alexnet", () => Start("echo 'no module named torch' >&2; exit 1"), () => Start("exit 1"), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("the TorchSharp worker for alexnet ended before it was ready", error.Message);
        Assert.Contains("no module named torch", error.Message);
    }

    [SkippableFact]
    public void Sides_that_build_networks_of_different_sizes_are_refused_with_both_counts()
    {
        Skip.If(OperatingSystem.IsWindows(), StandInsAreShellScripts);
        using var temp = new TempFolder();
        string ours = temp.File("ours"), theirs = temp.File("theirs");
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("lenet", () => Start(PlainSide, ours), () => Start(PlainSide.Replace("61706", "61000"), theirs), warmup: 1, seconds: 0.1, launches: 1));
        Assert.Equal("lenet: the TorchSharp model has 61,706 parameters and bench_pytorch.py's twin 61,000, so the two sides do not build the same network; " +
            "make the twin in tests/ClassicCnn.Benchmarks/bench_pytorch.py match the library's model before comparing them.", error.Message);
        // Neither side was left running.
        Assert.True(File.Exists(ours + ".ended") && File.Exists(theirs + ".ended"), "a side was not told to end");
    }

    [SkippableFact]
    public void A_ready_line_without_the_parameter_count_is_named()
    {
        Skip.If(OperatingSystem.IsWindows(), StandInsAreShellScripts);
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("lenet", () => Start("echo 'ready MKL'; read line"), () => Start("echo 'ready 1 MKL'; read line"), warmup: 1, seconds: 0.1, launches: 1));
        Assert.StartsWith("the TorchSharp worker for lenet said 'ready MKL' instead of \"ready PARAMETERS BLAS\"", error.Message);
    }

    [SkippableFact]
    public void A_side_that_hangs_is_stopped_after_its_patience_and_named()
    {
        Skip.If(OperatingSystem.IsWindows(), StandInsAreShellScripts);
        using var temp = new TempFolder();
        string ours = temp.File("ours");
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<InvalidOperationException>(() =>
            PairedSteps.Run("alexnet", () => Start(PlainSide, ours), () => Start("echo 'ready 61706 MKL'; read line; sleep 60"), warmup: 1, seconds: 0.1, launches: 1,
                patience: TimeSpan.FromSeconds(0.5)));
        Assert.StartsWith("bench_pytorch.py for alexnet took more than 0.5 s to answer a step and was stopped", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the hung side held the run for {clock.Elapsed.TotalSeconds:0} s");
        Assert.True(File.Exists(ours + ".ended"), "the other side was not resumed and ended");
    }
}
