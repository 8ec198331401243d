using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ClassicCnn.Platform;

namespace ClassicCnn.Benchmarks;

/// <summary>The TorchSharp side: this program run again with --worker MODEL, one fresh process per launch.</summary>
public sealed class TorchSharpSide(string[] arguments, bool sameBlas)
{
    public Measurement Run(string model) => JsonSerializer.Deserialize<Measurement>(RunWorker(model), Measure.JsonOptions)!;

    public StepProfile Profile(string model) => LayerProfile.Parse(JsonDocument.Parse(RunWorker(model, "--profile")).RootElement, $"the TorchSharp worker for {model}");

    /// <summary>The worker for one model, answering one training step at a time (see PairedSteps).</summary>
    public ProcessStartInfo ServeInfo(string model) => WorkerInfo(model, "--serve");

    string RunWorker(string model, params string[] extra) => ChildJson.Run(WorkerInfo(model, extra), $"the TorchSharp worker for {model}");

    ProcessStartInfo WorkerInfo(string model, params string[] extra)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        var info = new ProcessStartInfo(host);
        // Under `dotnet ClassicCnn.Benchmarks.dll` the host is dotnet itself and the program is the entry assembly.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(typeof(TorchSharpSide).Assembly.Location);
        foreach (var a in arguments.Append("--worker").Append(model).Concat(extra)) info.ArgumentList.Add(a);
        // libtorch_cpu calls BLAS through its exported sgemm_, so a library preloaded ahead of it answers those calls.
        if (sameBlas) info.Environment["LD_PRELOAD"] = Path.Combine(PyTorchSide.OpenMpBlasFolder!, "libopenblas.so.0");
        if (NativeAllocator.TunablesFor() is { } tunables) info.Environment[NativeAllocator.TunablesVariable] = tunables; // as PyTorch's side gets them
        return info;
    }
}

/// <summary>Both sides answer with one JSON line, the last line of their output that starts with '{'.</summary>
static class ChildJson
{
    public static string Run(ProcessStartInfo info, string what)
    {
        info.RedirectStandardOutput = info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(); // read both at once: a full pipe would stall the child
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string? json = stdout.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || json is null)
            throw new InvalidOperationException($"{what} failed (exit code {process.ExitCode}):\n{stdout}\n{stderr.Result}");
        try { using var _ = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new InvalidOperationException($"{what} answered with a line that is not JSON ({e.Message}):\n{json}"); }
        return json;
    }
}
