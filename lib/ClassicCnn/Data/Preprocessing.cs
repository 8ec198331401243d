using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Data;

/// <summary>
/// What happens to a batch of uint8 images on the device before the model sees it, in this order: to [0, 1] floats,
/// pad, resize, (training only) random crop and random horizontal flip, then scale or normalise. Everything works
/// on whole batches: no loop over samples.
/// </summary>
public sealed record Preprocessing
{
    /// <summary>Pixels added on every side (LeNet-5 reads 28x28 digits padded by 2 to 32x32).</summary>
    public int Pad { get; init; }
    /// <summary>Bilinear resize to this height and width (d2l upsamples Fashion-MNIST to 224 for AlexNet and VGG).</summary>
    public int? Resize { get; init; }
    /// <summary>Training only: pad by this many pixels, then crop back to the size at a random offset per image.</summary>
    public int RandomCropPadding { get; init; }
    /// <summary>Training only: mirror half the images left to right.</summary>
    public bool RandomFlip { get; init; }
    /// <summary>Subtract a mean and divide by a standard deviation.</summary>
    public (double Mean, double Std)? Normalize { get; init; }
    /// <summary>Map [0, 1] to [Low, High] (LeNet-5: background -0.1, ink 1.175, so the mean is about 0 and the variance about 1).</summary>
    public (double Low, double High)? Scale { get; init; }

    public static Preprocessing LeNet5 => new() { Pad = 2, Scale = (-0.1, 1.175) };
    public static Preprocessing None => new();

    public Tensor Apply(Tensor images, bool train)
    {
        using var scope = NewDisposeScope();
        var x = Geometry(images);
        if (train && RandomCropPadding > 0) x = RandomCrop(x, RandomCropPadding);
        if (train && RandomFlip) x = RandomHorizontalFlip(x);
        return Values(x).MoveToOuterDisposeScope();
    }

    /// <summary>uint8 images to [0, 1] floats, padded and resized.</summary>
    Tensor Geometry(Tensor images)
    {
        using Scalar maximum = 255; // Scalars disposed at once, not left to the finaliser (see ScaledTanh)
        var x = images.to(ScalarType.Float32, copy: true).div_(maximum); // a copy: float input must not be divided in place
        if (Pad > 0) x = functional.pad(x, [Pad, Pad, Pad, Pad]);
        if (Resize is { } size && (x.shape[2] != size || x.shape[3] != size))
            x = functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        return x;
    }

    /// <summary>[0, 1] images scaled or normalised for the model.</summary>
    Tensor Values(Tensor x)
    {
        if (Scale is { } s)
        {
            using Scalar range = s.High - s.Low, low = s.Low;
            x = x.mul(range).add_(low);
        }
        if (Normalize is { } n)
        {
            using Scalar mean = n.Mean, std = n.Std;
            x = x.sub(mean).div_(std);
        }
        return x;
    }

    /// <summary>Mirrors a random half of the batch (one mask for the batch, then a where).</summary>
    public static Tensor RandomHorizontalFlip(Tensor x)
    {
        using Scalar half = 0.5; // disposed now, not by the finaliser (see ScaledTanh)
        using var draw = rand(x.shape[0], device: x.device);
        using var below = draw.lt(half);
        using var flip = below.view(-1, 1, 1, 1);
        using var flipped = x.flip(3);
        return where(flip, flipped, x);
    }

    /// <summary>Pads by p and crops back at a random offset per image, with two gathers instead of a loop.</summary>
    public static Tensor RandomCrop(Tensor x, int padding)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var padded = functional.pad(x, [padding, padding, padding, padding]);
        var dy = randint(0, 2 * padding + 1, [n, 1], device: x.device);
        var dx = randint(0, 2 * padding + 1, [n, 1], device: x.device);
        var rows = (dy + arange(h, device: x.device)).view(n, 1, h, 1).expand(n, c, h, w + 2 * padding);
        var cols = (dx + arange(w, device: x.device)).view(n, 1, 1, w).expand(n, c, h, w);
        return padded.gather(2, rows).gather(3, cols).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The padding that makes crops of an image shift as the paper's 224 crops of 256 images do: 16 pixels a side at
    /// 224, a fourteenth of the size (rounded down, at least 1).
    /// </summary>
    public static int PaperCropPadding(long size) => (int)Math.Max(1, size / 14);

    /// <summary>
    /// AlexNet's test-time augmentation for a batch of raw images: the four corners and the centre of the image padded
    /// by <paramref name="padding"/> pixels (default: <see cref="RandomCropPadding"/>, else <see cref="PaperCropPadding"/>),
    /// cropped back to its size, and their mirror images. The views are cut in
    /// image space, as the training crops are, so their borders are black; only then are they scaled or normalised.
    /// </summary>
    public IReadOnlyList<Tensor> TenViews(Tensor images, int? padding = null)
    {
        using var scope = NewDisposeScope();
        var x = Geometry(images);
        long height = x.shape[2], width = x.shape[3];
        int p = padding ?? (RandomCropPadding > 0 ? RandomCropPadding : PaperCropPadding(height));
        var padded = functional.pad(x, [p, p, p, p]);
        var views = new List<Tensor>();
        foreach (var (top, left) in new (long, long)[] { (0, 0), (0, 2 * p), (2 * p, 0), (2 * p, 2 * p), (p, p) })
        {
            var crop = padded.narrow(2, top, height).narrow(3, left, width);
            views.Add(Values(crop.contiguous()).MoveToOuterDisposeScope());
            views.Add(Values(crop.flip(3)).MoveToOuterDisposeScope());
        }
        return views;
    }
}

/// <summary>Cuts batches from an <see cref="ImageDataset"/> on its device, in a seeded shuffled order per epoch.</summary>
public sealed class BatchLoader(ImageDataset data, int batchSize, Preprocessing preprocessing, bool shuffle = true, long seed = 0)
{
    public ImageDataset Data { get; } = data.Count > 0 ? data : throw new ArgumentException($"{data.Name} has no examples to cut into batches; give a dataset (or a Subset) of at least one example.", nameof(data));
    public int BatchSize { get; } = batchSize > 0 ? batchSize : throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "the batch size must be at least 1.");
    public Preprocessing Preprocessing { get; } = preprocessing;
    public int BatchesPerEpoch => (Data.Count + BatchSize - 1) / BatchSize;

    /// <summary>
    /// The batches of one epoch: (images ready for the model, labels). The order depends only on the seed and the
    /// epoch number, so a resumed run sees the same batches. Dispose each pair (or run inside a DisposeScope).
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> Epoch(int epoch, bool train)
    {
        // No DisposeScope may stay open across a yield: the caller's tensors would land in it.
        using var order = Order(epoch);
        for (long start = 0; start < Data.Count; start += BatchSize)
            yield return Cut(order, start, train);
    }

    /// <summary>
    /// The batches in the dataset's own order, as the model sees them at test time, whether or not the loader shuffles:
    /// evaluation pairs each prediction with <see cref="ImageDataset.Labels"/> by position.
    /// </summary>
    public IEnumerable<(Tensor Images, Tensor Labels)> InOrder()
    {
        using var order = DatasetOrder();
        for (long start = 0; start < Data.Count; start += BatchSize)
            yield return Cut(order, start, train: false);
    }

    /// <summary>The batches in the dataset's own order as ten views each (<see cref="Preprocessing.TenViews"/>), with their labels.</summary>
    public IEnumerable<(IReadOnlyList<Tensor> Views, Tensor Labels)> TenViewBatches()
    {
        using var order = DatasetOrder();
        for (long start = 0; start < Data.Count; start += BatchSize)
        {
            using var index = order.narrow(0, start, Math.Min(BatchSize, Data.Count - start));
            using var images = Data.Images.index_select(0, index);
            yield return (Preprocessing.TenViews(images), Data.Labels.index_select(0, index));
        }
    }

    Tensor Order(int epoch)
    {
        if (!shuffle) return DatasetOrder();
        using var generator = new Generator((ulong)(seed * 100_003 + epoch), CPU);
        using var cpuOrder = randperm(Data.Count, generator: generator);
        return cpuOrder.to(Data.Device).DetachFromDisposeScope();
    }

    Tensor DatasetOrder() => arange(Data.Count, dtype: ScalarType.Int64, device: Data.Device).DetachFromDisposeScope();

    (Tensor Images, Tensor Labels) Cut(Tensor order, long start, bool train)
    {
        using var scope = NewDisposeScope();
        var index = order.narrow(0, start, Math.Min(BatchSize, Data.Count - start));
        var images = Preprocessing.Apply(Data.Images.index_select(0, index), train);
        var labels = Data.Labels.index_select(0, index);
        return (images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }
}
