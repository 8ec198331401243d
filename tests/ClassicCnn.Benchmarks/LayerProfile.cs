using System.Text.Json;

namespace ClassicCnn.Benchmarks;

/// <summary>One side's profile: the model's parameter count, each leaf layer's forward seconds, and each phase of a training step (none for inference-only models).</summary>
public sealed record StepProfile(long Parameters, IReadOnlyList<(string Kind, double Seconds)> Layers, IReadOnlyList<(string Kind, double Seconds)> Phases);

/// <summary>Both sides' per-layer forward times side by side, and the totals per kind of layer.</summary>
public static class LayerProfile
{
    public static StepProfile Parse(JsonElement root, string what) =>
        new(root.TryGetProperty("parameters", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt64()
                : throw new InvalidOperationException($"{what} gave a profile without its model's parameter count: {root}"),
            Pairs(root, "layers"), Pairs(root, "phases"));

    static List<(string, double)> Pairs(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) ? list.EnumerateArray().Select(l => (l[0].GetString()!, l[1].GetDouble())).ToList() : [];

    /// <summary>zero_grad, forward with the loss, backward and the optimizer step, side by side.</summary>
    public static ClassicCnn.Notebooks.HtmlTable PhaseTable(string model, int batch, int size, IReadOnlyList<(string Kind, double Seconds)> torchSharp, IReadOnlyList<(string Kind, double Seconds)>? pyTorch)
    {
        var rows = new List<IReadOnlyList<string>> { new[] { "phase", "TorchSharp ms", "PyTorch ms", "PyTorch / TorchSharp" } };
        foreach (var (phase, seconds) in torchSharp.Append(("whole step", torchSharp.Sum(p => p.Seconds))))
        {
            double? py = phase == "whole step" ? pyTorch?.Sum(p => p.Seconds)
                : pyTorch?.Where(p => p.Kind == phase).Select(p => (double?)p.Seconds).FirstOrDefault(); // null, shown as "-", when that side has no such phase
            rows.Add([phase, Ms(seconds), py is { } p ? Ms(p) : "-", py is { } q ? (q / seconds).ToString("0.00") : "-"]);
        }
        return new ClassicCnn.Notebooks.HtmlTable(rows, $"{model}: one training step by phase, batch {batch}, {size}x{size} (above 1: TorchSharp faster); CPU {CpuDescription.Describe()}");
    }

    static string Ms(double s) => (s * 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    public static ClassicCnn.Notebooks.HtmlTable Table(string model, int batch, int size, IReadOnlyList<(string Kind, double Seconds)> torchSharp, IReadOnlyList<(string Kind, double Seconds)>? pyTorch)
    {
        var rows = new List<IReadOnlyList<string>> { new[] { "#", "layer", "TorchSharp ms", "PyTorch ms", "PyTorch / TorchSharp" } };
        // Layers pair up by kind and occurrence (the 3rd Conv2d with the 3rd Conv2d): one side may flatten in a layer, the other in code.
        double? Partner(int i)
        {
            int occurrence = torchSharp.Take(i).Count(l => l.Kind == torchSharp[i].Kind);
            var same = pyTorch?.Where(l => l.Kind == torchSharp[i].Kind).ToList();
            return same is not null && occurrence < same.Count ? same[occurrence].Seconds : null;
        }
        for (int i = 0; i < torchSharp.Count; i++)
        {
            var py = Partner(i);
            rows.Add([(i + 1).ToString(), torchSharp[i].Kind, Ms(torchSharp[i].Seconds), py is { } p ? Ms(p) : "-", py is { } q ? (q / torchSharp[i].Seconds).ToString("0.00") : "-"]);
        }
        foreach (var kind in torchSharp.Select(l => l.Kind).Distinct())
        {
            double ts = torchSharp.Where(l => l.Kind == kind).Sum(l => l.Seconds);
            var same = pyTorch?.Where(l => l.Kind == kind).ToList();
            double? py = same is { Count: > 0 } ? same.Sum(l => l.Seconds) : null; // a layer the other side computes inline
            rows.Add(["all", kind, Ms(ts), py is { } p ? Ms(p) : "-", py is { } q ? (q / ts).ToString("0.00") : "-"]);
        }
        double total = torchSharp.Sum(l => l.Seconds);
        double? pyTotal = pyTorch?.Sum(l => l.Seconds);
        rows.Add(["all", "every layer", Ms(total), pyTotal is { } t ? Ms(t) : "-", pyTotal is { } u ? (u / total).ToString("0.00") : "-"]);
        return new ClassicCnn.Notebooks.HtmlTable(rows, $"{model}: forward time per layer, batch {batch}, {size}x{size} (above 1: TorchSharp faster); CPU {CpuDescription.Describe()}");
    }
}
