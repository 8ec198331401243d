using System.Globalization;
using ClassicCnn.Models;
using ClassicCnn.Notebooks;
using ClassicCnn.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Inspection;

/// <summary>One row of a <see cref="ModelSummary"/>; costs are per sample.</summary>
public sealed record LayerSummary(string Name, string Kind, long[] OutputShape, long Trainable, long Fixed, long Macs, long Connections, long ActivationBytes)
{
    public string Shape => string.Join("x", OutputShape.Skip(1));
}

/// <summary>
/// What a model is made of for a given input: per layer its output shape, trainable and fixed parameters,
/// multiply-accumulates (MACs, the measure torchvision's "GFLOPS" column reports), connections (inputs plus bias
/// per output unit, the 1998 LeNet paper's measure) and activation memory, then totals. Measured by running one
/// sample through the model with forward hooks, so it works for any architecture.
/// </summary>
public sealed class ModelSummary : IHtmlRenderable
{
    public string ModelName { get; }
    public long[] InputShape { get; }
    public IReadOnlyList<LayerSummary> Layers { get; }
    public long TrainableParameters { get; }
    public long FixedParameters { get; }
    public long Macs => Layers.Sum(l => l.Macs);
    public long Connections => Layers.Sum(l => l.Connections);
    public long ActivationBytes => Layers.Sum(l => l.ActivationBytes);
    public long ParameterBytes { get; }
    public string? Note { get; init; }

    ModelSummary(string name, long[] input, IReadOnlyList<LayerSummary> layers, long trainable, long fixedCount, long parameterBytes)
    {
        ModelName = name;
        InputShape = input;
        Layers = layers;
        TrainableParameters = trainable;
        FixedParameters = fixedCount;
        ParameterBytes = parameterBytes;
    }

    public LayerSummary this[string name] =>
        Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new KeyNotFoundException($"{ModelName} has no layer '{name}' in its summary; it has {string.Join(", ", Layers.Select(l => l.Name))}.");

    /// <summary>
    /// Summarises <paramref name="model"/> for one input of shape <paramref name="inputShape"/> ([C, H, W]). Rows are the
    /// modules <paramref name="depth"/> levels down (1: the model's own children), or leaves where the tree is shallower.
    /// </summary>
    public static ModelSummary Of(Module<Tensor, Tensor> model, long[] inputShape, int depth = int.MaxValue, string? name = null)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"inputShape must be [channels, height, width]; got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        var modules = model.named_modules().Where(m => m.name != "").ToList();
        bool IsLeaf(Module m) => !m.children().Any();
        int Level(string n) => n.Count(c => c == '.') + 1;
        var reported = modules.Where(m => Level(m.name) == depth || (Level(m.name) < depth && IsLeaf(m.module))).Select(m => m.name).ToHashSet();

        var shapes = new Dictionary<string, (long[] In, long[] Out, long Bytes)>();
        var order = new List<string>();
        var device = model.parameters().FirstOrDefault()?.device ?? CPU;
        var hooked = modules.Where(m => reported.Contains(m.name) || IsLeaf(m.module));
        using (new ForwardHooks(hooked, (moduleName, input, output) =>
        {
            shapes[moduleName] = (input.shape, output.shape, output.numel() * output.ElementSize);
            if (reported.Contains(moduleName)) order.Add(moduleName);
        }))
        using (new EvalMode(model))
        using (NewDisposeScope())
            model.call(zeros([1, .. inputShape], device: device));

        var byName = modules.ToDictionary(m => m.name, m => m.module);
        var layers = order.Select(n =>
        {
            var module = byName[n];
            var leaves = modules.Where(m => (m.name == n || m.name.StartsWith(n + ".")) && IsLeaf(m.module) && shapes.ContainsKey(m.name));
            var costs = leaves.Select(l => CostOf(l.module, shapes[l.name].In, shapes[l.name].Out)).ToList();
            return new LayerSummary(n, KindOf(module), shapes[n].Out,
                module.parameters().Where(p => p.requires_grad).Sum(p => p.numel()),
                FixedCount(module), costs.Sum(c => c.Macs), costs.Sum(c => c.Connections), shapes[n].Bytes);
        }).ToList();

        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        return new ModelSummary(name ?? model.GetName(), inputShape, layers, trainable.Sum(p => p.numel()), FixedCount(model),
            trainable.Sum(p => p.numel() * p.ElementSize));
    }

    /// <summary>Frozen floating-point values: buffers such as the RBF centres or batch-norm statistics, and parameters without gradients.</summary>
    static long FixedCount(Module module) =>
        module.buffers().Where(b => b.is_floating_point()).Sum(b => b.numel())
        + module.parameters().Where(p => !p.requires_grad).Sum(p => p.numel());

    static (long Macs, long Connections) CostOf(Module module, long[] input, long[] output)
    {
        long outputs = output.Skip(1).Aggregate(1L, (a, b) => a * b);
        switch (module)
        {
            case ILayerCost custom:
                return custom.Cost(input, output);
            case Conv2d conv:
                long fanIn = conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
                return (outputs * fanIn, outputs * (fanIn + (conv.bias is null ? 0 : 1)));
            case TorchSharp.Modules.Linear linear:
                return (outputs * linear.in_features, outputs * (linear.in_features + (linear.bias is null ? 0 : 1)));
            default:
                return (0, 0);
        }
    }

    static string KindOf(Module module) => module switch
    {
        Sequential s => string.Join(" + ", s.children().Select(KindOf)),
        Conv2d c => $"Conv2d {c.kernel_size[0]}x{c.kernel_size[1]}{(c.stride[0] > 1 ? $" /{c.stride[0]}" : "")}{(c.groups > 1 ? $" groups {c.groups}" : "")}",
        TorchSharp.Modules.Linear => "Linear",
        _ => module.GetType().Name,
    };

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.0} KiB",
        _ => $"{bytes} B",
    };

    /// <summary>A count in G (10^9) or M (10^6), whichever reads better.</summary>
    public static string Giga(long value) => value >= 100_000_000
        ? (value / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G"
        : (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M";

    public HtmlTable Table()
    {
        var rows = new List<IReadOnlyList<string>> { (IReadOnlyList<string>)[DisplayLanguage.Text("layer", "层"), DisplayLanguage.Text("kind", "类型"), DisplayLanguage.Text("output", "输出"), DisplayLanguage.Text("trainable", "可训练参数"), DisplayLanguage.Text("fixed", "固定参数"), DisplayLanguage.Text("MACs", "乘加次数"), DisplayLanguage.Text("connections", "连接数"), DisplayLanguage.Text("activations", "激活值")] };
        rows.AddRange(Layers.Select(l => (IReadOnlyList<string>)[l.Name, l.Kind, l.Shape, Count(l.Trainable), Count(l.Fixed), Count(l.Macs), Count(l.Connections), Bytes(l.ActivationBytes)]));
        rows.Add([DisplayLanguage.Text("total", "合计"), "", "", Count(TrainableParameters), Count(FixedParameters), Count(Macs), Count(Connections), Bytes(ActivationBytes)]);
        string input = string.Join("x", InputShape);
        string caption = DisplayLanguage.Text(
            $"{ModelName} on a {input} input: {Count(TrainableParameters)} trainable parameters ({Bytes(ParameterBytes)}), {Giga(Macs)}MACs per image",
            $"{ModelName}，输入 {input}：可训练参数 {Count(TrainableParameters)} 个（{Bytes(ParameterBytes)}），每张图像 {Giga(Macs)} 次乘加") +
            (Note is null ? "" : DisplayLanguage.Text(". ", "。") + Note);
        return new HtmlTable(rows, caption);
    }

    public string ToHtml() => Table().ToHtml();
    public override string ToString() => Table().ToString();
}
