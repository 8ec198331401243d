using System.Diagnostics;
using System.Text;

namespace ClassicCnn.Tool;

public sealed record ChildResult(int ExitCode, string Output, TimeSpan Duration, bool TimedOut);

/// <summary>Runs a program to completion, capturing stdout and stderr together (and optionally into a log file, line by line).</summary>
public static class ChildProcess
{
    /// <summary>How long a dotnet command of the set-up (tool restore, pack) may take before it counts as hung.</summary>
    public static readonly TimeSpan DotnetTimeout = TimeSpan.FromMinutes(20);

    /// <param name="heartbeat">Called every <paramref name="heartbeatEvery"/> (default a minute) while the program runs, with the time so far.</param>
    public static ChildResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan? timeout = null, string? logPath = null, IReadOnlyDictionary<string, string>? environment = null,
        Action<TimeSpan>? heartbeat = null, TimeSpan? heartbeatEvery = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;

        var output = new StringBuilder();
        var watch = Stopwatch.StartNew();
        if (logPath is not null) Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        // Written as lines arrive, so a run that is stopped still leaves what it printed.
        using var log = logPath is null ? null : new StreamWriter(logPath, append: false) { AutoFlush = true };
        using var process = new Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output)
            {
                output.AppendLine(e.Data);
                log?.WriteLine(e.Data);
            }
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start '{fileName}': {e.Message}. Is it installed and on PATH?", e);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Beats go by the clock: a wait can end early (another child of this process exiting wakes it).
        var exit = process.WaitForExitAsync();
        var beat = heartbeatEvery ?? TimeSpan.FromMinutes(1);
        var nextBeat = beat;
        bool exited;
        while (true)
        {
            var now = watch.Elapsed;
            if (timeout is { } limit && now >= limit) { exited = exit.IsCompleted; break; }
            if (now >= nextBeat)
            {
                heartbeat?.Invoke(now);
                nextBeat = now + beat;
            }
            var wait = timeout is { } end && end - now < nextBeat - now ? end - now : nextBeat - now;
            if (exited = exit.Wait(wait)) break;
        }
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string text;
        lock (output) text = output.ToString();
        return new ChildResult(exited ? process.ExitCode : -1, text, watch.Elapsed, !exited);
    }

    /// <summary>Runs a dotnet command and throws with its output when it fails.</summary>
    public static ChildResult Dotnet(string workingDirectory, params string[] arguments)
    {
        var result = Run("dotnet", arguments, workingDirectory, DotnetTimeout);
        if (result.TimedOut)
            throw new InvalidOperationException($"'dotnet {string.Join(' ', arguments)}' was stopped after {DotnetTimeout.TotalMinutes:0} minutes (a stalled network or a hung build?); run it again, or by hand to see where it stops:\n{Tail(result.Output, 20)}");
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'dotnet {string.Join(' ', arguments)}' failed with exit code {result.ExitCode}:\n{Tail(result.Output, 40)}");
        return result;
    }

    public static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));
}
