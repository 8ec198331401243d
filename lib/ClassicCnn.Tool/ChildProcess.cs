using System.Diagnostics;
using System.Text;

namespace ClassicCnn.Tool;

public sealed record ChildResult(int ExitCode, string Output, TimeSpan Duration, bool TimedOut);

/// <summary>Runs a program to completion, capturing stdout and stderr together (and optionally into a log file).</summary>
public static class ChildProcess
{
    public static ChildResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory,
        TimeSpan? timeout = null, string? logPath = null, IReadOnlyDictionary<string, string>? environment = null)
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
        using var process = new Process { StartInfo = info };
        DataReceivedEventHandler collect = (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
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
        bool exited = process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan);
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string text;
        lock (output) text = output.ToString();
        if (logPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            File.WriteAllText(logPath, text);
        }
        return new ChildResult(exited ? process.ExitCode : -1, text, watch.Elapsed, !exited);
    }

    /// <summary>Runs a dotnet command and throws with its output when it fails.</summary>
    public static ChildResult Dotnet(string workingDirectory, params string[] arguments)
    {
        var result = Run("dotnet", arguments, workingDirectory);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"'dotnet {string.Join(' ', arguments)}' failed with exit code {result.ExitCode}:\n{Tail(result.Output, 40)}");
        return result;
    }

    public static string Tail(string text, int lines) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));
}
