using ClassicCnn.Data;
using ClassicCnn.Models;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Benchmarks;

/// <summary>One model as the benchmark runs it: how to build it, its input, and whether it is only timed for inference.</summary>
public sealed record BenchmarkModel(string Name, Func<int, Module<Tensor, Tensor>> Build, int Channels, int NativeSize, bool Resizable, bool InferenceOnly, Preprocessing Preprocessing)
{
    /// <summary>The models the benchmark compares, by the names the PyTorch script uses too.</summary>
    public static IReadOnlyList<BenchmarkModel> All { get; } =
    [
        new("lenet5", _ => new LeNet5(), 1, 32, false, false, Preprocessing.LeNet5),
        new("lenet", _ => new LeNet(Activation.Sigmoid, Pooling.Average), 1, 28, false, false, Preprocessing.None),
        new("alexnet", size => AlexNet.D2l(new AlexNetOptions { InputSize = size }), 1, 224, true, false, Preprocessing.None),
        new("vgg-small", size => Vgg.Small(size), 1, 224, true, false, Preprocessing.None),
        new("vgg16", _ => Vgg.Create("D"), 3, 224, false, true, Preprocessing.None),
    ];

    /// <summary>The model on the device with one fixed random batch: what every measurement of it trains and runs on.</summary>
    public Workload Load(int batch, int size, Device device)
    {
        var model = Build(size);
        model.to(device);
        return new Workload(model, randn(batch, Channels, size, size, device: device), randint(0, 10, [batch], device: device));
    }

    /// <summary>d2l's batch sizes (256 for the LeNets; 128 at 224 for AlexNet and VGG on a GPU, 32 on a CPU; VGG16 64 / 8) unless given.</summary>
    public (int Batch, int Size) BatchAndSize(BenchmarkOptions options, Device device)
    {
        bool cuda = device.type == TorchSharp.DeviceType.CUDA;
        int batch = options.Batch ?? Name switch { "lenet5" or "lenet" => 256, "vgg16" => cuda ? 64 : 8, _ => cuda ? 128 : 32 };
        return (batch, Resizable ? options.Size ?? NativeSize : NativeSize);
    }
}

/// <summary>A model and the batch it is measured on; disposing it frees all three.</summary>
public sealed record Workload(Module<Tensor, Tensor> Model, Tensor Images, Tensor Labels) : IDisposable
{
    /// <summary>The model's parameter count, which both sides report so that the parent can tell they built the same network.</summary>
    public long Parameters => Model.parameters().Sum(p => p.numel());

    public void Dispose() { Model.Dispose(); Images.Dispose(); Labels.Dispose(); }
}
