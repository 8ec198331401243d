using System.Diagnostics;
using System.Text;

namespace ClassicCnn.Benchmarks;

/// <summary>
/// Both sides alive at once, taking training steps in turn, one at a time, with the order swapped every pair: on a
/// machine whose speed swings within seconds (see --drift) each pair of steps meets the same machine, so the ratio of
/// a pair's two step times is free of the drift that separate launches each meet on their own. While one side steps,
/// the other is stopped (SIGSTOP, SIGCONT before its own turn): by default OpenMP threads spin for a while after
/// each parallel region (Intel OpenMP's block time in libtorch, libgomp's spin count in PyTorch), and a side's
/// spinning threads would otherwise take the cores from the side being timed. Neither side's own waiting changes.
/// The time is split over several launches of both processes: a ratio holds steady within one pair of processes but
/// moves from one pair to the next (by up to 6% on the AMD EPYC of docs/performance.md), so the run's
/// ratio is the median over launches, not one launch's luck.
/// </summary>
public static class PairedSteps
{
    /// <summary>One launch of both sides: how many pairs it timed, the two sides' median steps, and its ratio.</summary>
    public sealed record Launch(int Pairs, double TorchSharpMs, double PyTorchMs, double Ratio);

    public sealed record Result(string Model, long Parameters, IReadOnlyList<Launch> Launches, string TorchSharpBlas, string PyTorchBlas)
    {
        /// <summary>The median over launches of each launch's ratio (above 1: TorchSharp is faster).</summary>
        public double Ratio => Median(Launches.Select(l => l.Ratio));
        /// <summary>How far apart the launches' ratios are, in percent of the ratio.</summary>
        public double LaunchSpread => 100 * (Launches.Max(l => l.Ratio) - Launches.Min(l => l.Ratio)) / Ratio;
        public int Pairs => Launches.Sum(l => l.Pairs);
        public override string ToString() =>
            $"{Model}: {Pairs} pairs of steps in turn over {Launches.Count} launch(es); ratio (median over launches of PyTorch's step / TorchSharp's, " +
            $"each launch's the median over its pairs) {Ratio:0.00}{(OperatingSystem.IsLinux() ? "" : " (the idle side was not stopped: Linux only)")}; " +
            $"by launch {string.Join(" / ", Launches.Select(l => l.Ratio.ToString("0.00")))} (spread {LaunchSpread:0.0}%), " +
            $"steps TorchSharp / PyTorch {string.Join(", ", Launches.Select(l => $"{l.TorchSharpMs:0.0} / {l.PyTorchMs:0.0}"))} ms (medians); " +
            $"BLAS: {TorchSharpBlas} (PyTorch: {PyTorchBlas})";
    }

    static double Median(IEnumerable<double> values) => ClassicCnn.Inspection.Timing.Median(values.ToList());

    /// <summary>
    /// <paramref name="seconds"/> of timed pairs in all, shared out over <paramref name="launches"/> launches. A side
    /// that takes longer than <paramref name="patience"/> (default 10 minutes) to get ready or to answer a step is hung.
    /// </summary>
    public static Result Run(string model, Func<ProcessStartInfo> ours, Func<ProcessStartInfo> theirs, int warmup, double seconds, int launches, TimeSpan? patience = null)
    {
        var wait = patience ?? TimeSpan.FromMinutes(10);
        var done = new List<Launch>();
        string oursBlas = "?", theirsBlas = "?";
        long parameters = 0;
        for (int launch = 0; launch < launches; launch++)
        {
            using var torchSharp = new Server(ours(), $"the TorchSharp worker for {model}", wait);
            using var pyTorch = new Server(theirs(), $"bench_pytorch.py for {model}", wait);
            Twins.CheckSameSize(model, torchSharp.Parameters, pyTorch.Parameters);
            (parameters, oursBlas, theirsBlas) = (torchSharp.Parameters, torchSharp.Blas, pyTorch.Blas);
            done.Add(TimeLaunch(torchSharp, pyTorch, warmup, seconds / launches));
        }
        return new Result(model, parameters, done, oursBlas, theirsBlas);
    }

    static Launch TimeLaunch(Server ours, Server theirs, int warmup, double seconds)
    {
        // Warm up as a launch does: at least `warmup` steps each and a third of the time (LeNet's first steps are 2-8x slower).
        var warming = Stopwatch.StartNew();
        for (int i = 0; i < warmup || warming.Elapsed.TotalSeconds < seconds / 3; i++) { ours.StepAlone(theirs); theirs.StepAlone(ours); }
        var pairs = new List<(double Ours, double Theirs)>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || pairs.Count < 6)
        {
            bool oursFirst = pairs.Count % 2 == 0;
            var (first, second) = oursFirst ? (ours, theirs) : (theirs, ours);
            double firstSeconds = first.StepAlone(second), secondSeconds = second.StepAlone(first);
            pairs.Add(oursFirst ? (firstSeconds, secondSeconds) : (secondSeconds, firstSeconds));
        }
        return new Launch(pairs.Count, 1000 * Median(pairs.Select(p => p.Ours)), 1000 * Median(pairs.Select(p => p.Theirs)),
            Median(pairs.Select(p => p.Theirs / p.Ours)));
    }

    /// <summary>
    /// One side's process. It starts with "ready PARAMETERS BLAS" (its model's parameter count, and which BLAS its
    /// torch uses), then answers each "step" line with the seconds that training step took.
    /// </summary>
    sealed class Server : IDisposable
    {
        readonly Process process;
        readonly TimeSpan patience;
        readonly string what;
        readonly StringBuilder errors = new();

        public long Parameters { get; }

        /// <summary>Which BLAS the side's torch uses, as it said on its "ready" line.</summary>
        public string Blas { get; } = "?";

        public Server(ProcessStartInfo info, string what, TimeSpan patience)
        {
            (this.what, this.patience) = (what, patience);
            info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
            process = Process.Start(info)!;
            try
            {
                process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
                process.BeginErrorReadLine();
                string? line;
                while ((line = ReadLine("to get ready")) is not null && !line.StartsWith("ready")) { }
                if (line is null) throw Failed("ended before it was ready");
                var words = line["ready".Length..].Trim().Split(' ', 2);
                if (!long.TryParse(words[0], out long parameters))
                    throw Failed($"said '{line}' instead of \"ready PARAMETERS BLAS\"");
                (Parameters, Blas) = (parameters, words.Length > 1 ? words[1] : "?");
            }
            catch
            {
                Stop();
                process.Dispose();
                throw;
            }
        }

        /// <summary>One step while <paramref name="other"/> is stopped, so its idle threads cannot spin on our cores.</summary>
        public double StepAlone(Server other)
        {
            other.Signal(SIGSTOP);
            try { return Step(); }
            finally { other.Signal(SIGCONT); }
        }

        const int SIGCONT = 18, SIGSTOP = 19;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        static extern int Kill(int pid, int signal);

        /// <summary>Only on Linux (the signal numbers are Linux's); elsewhere both sides stay alive and the result line says so.</summary>
        void Signal(int signal)
        {
            if (OperatingSystem.IsLinux() && !process.HasExited && Kill(process.Id, signal) != 0 && !process.HasExited)
                throw Failed($"could not be sent signal {signal} (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }

        public double Step()
        {
            process.StandardInput.WriteLine("step");
            process.StandardInput.Flush();
            string? line = ReadLine("to answer a step");
            return double.TryParse(line, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
                ? seconds : throw Failed($"answered '{line}' to a step");
        }

        /// <summary>The side's next line, or null when it ended; a side silent for longer than its patience is hung.</summary>
        string? ReadLine(string doing)
        {
            try { return process.StandardOutput.ReadLineAsync().WaitAsync(patience).GetAwaiter().GetResult(); }
            catch (TimeoutException)
            {
                Stop();
                throw Failed($"took more than {patience.TotalSeconds:0.#} s {doing} and was stopped");
            }
        }

        Exception Failed(string how)
        {
            // A side that failed usually ends right after its traceback: let it, so that all of its error output is read.
            if (process.WaitForExit(2_000)) process.WaitForExit();
            lock (errors) return new InvalidOperationException($"{what} {how}:\n{errors}");
        }

        /// <summary>Ends the process for good, resumed first so that a stopped one can die.</summary>
        void Stop()
        {
            try
            {
                if (OperatingSystem.IsLinux() && !process.HasExited) Kill(process.Id, SIGCONT);
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or AggregateException or System.ComponentModel.Win32Exception) { } // it ended meanwhile, or could not be killed: the error being reported matters more
        }

        public void Dispose()
        {
            try { Signal(SIGCONT); } catch (InvalidOperationException) { } // in case a step of the other side failed while this one was stopped
            try { process.StandardInput.WriteLine("quit"); process.StandardInput.Close(); } catch (IOException) { }
            if (!process.WaitForExit(30_000)) Stop();
            process.Dispose();
        }
    }
}
