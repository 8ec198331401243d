using System.Text.Json;
using ClassicCnn.Platform;
using static TorchSharp.torch;

namespace ClassicCnn.Benchmarks;

/// <summary>A results file: every one starts with the machine it was measured on (device, CPU and its instruction sets, the convolution check, threads).</summary>
public sealed class BenchmarkReport(Device device)
{
    public void Write(string output, object measured)
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["device"] = device.ToString(), ["cpu"] = CpuDescription.ModelName, ["instructionSets"] = JsonSerializer.SerializeToNode(CpuDescription.Sets),
            ["convolutionCheck"] = ConvolutionGuard.Check.Summary, ["threads"] = get_num_threads(),
        };
        foreach (var (name, value) in JsonSerializer.SerializeToNode(measured, Measure.JsonOptions)!.AsObject().ToList()) json[name] = value?.DeepClone();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        AtomicFile.WriteAllText(output, json.ToJsonString(Measure.JsonOptions));
        Console.WriteLine($"wrote {output}");
    }
}
