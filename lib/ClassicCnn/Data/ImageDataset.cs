using ClassicCnn.Platform;
using static TorchSharp.torch;

namespace ClassicCnn.Data;

public enum Split { Train, Test }

/// <summary>
/// A whole image dataset as two tensors on the training device: the images as one uint8 tensor [N, 1, H, W] (a quarter
/// of the memory of floats; 60,000 MNIST images take 47 MB) and the labels as int64 [N]. Batches are cut from these
/// with index_select on the device, so training never copies images from the host.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    public string Name { get; }
    public Tensor Images { get; }
    public Tensor Labels { get; }
    public IReadOnlyList<string> Classes { get; }
    public int Count => (int)Images.shape[0];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];
    public Device Device => Images.device;

    public ImageDataset(string name, Tensor images, Tensor labels, IReadOnlyList<string> classes)
    {
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
            throw new ArgumentException($"{name}: images must be a uint8 tensor [N, C, H, W]; got {images.dtype} [{string.Join(", ", images.shape)}].", nameof(images));
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"{name}: {images.shape[0]:N0} images but {labels.shape[0]:N0} labels.", nameof(labels));
        if (labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"{name}: labels must be int64 (the losses index with them); got {labels.dtype}. Convert them with labels.to(ScalarType.Int64).", nameof(labels));
        if (labels.device_type != images.device_type || labels.device_index != images.device_index)
            throw new ArgumentException($"{name}: the images are on {images.device} but the labels on {labels.device}; move both to one device.", nameof(labels));
        if (labels.numel() > 0)
        {
            using var low = labels.min();
            using var high = labels.max();
            using var range = stack([low, high]).cpu(); // one read from the device
            foreach (long label in range.data<long>().ToArray())
                if (label < 0 || label >= classes.Count)
                    throw new ArgumentException($"{name}: label {label} is outside the {classes.Count} classes (0 to {classes.Count - 1}); fix the labels or the class list.", nameof(labels));
        }
        Name = name;
        Images = images;
        Labels = labels;
        Classes = classes;
    }

    /// <summary>Loads a split of a dataset (found where data/README.md says, or downloaded when <paramref name="download"/> is set) onto <paramref name="device"/> (default: the training device).</summary>
    public static ImageDataset Load(DatasetInfo dataset, Split split, Device? device = null, string? folder = null, bool download = false)
    {
        var location = download ? DatasetDownloader.LocateOrDownload(dataset, folder) : DatasetLocator.Locate(dataset, folder);
        string imagesPath = location.FileOf(split == Split.Train ? DatasetInfo.TrainImages : DatasetInfo.TestImages);
        string labelsPath = location.FileOf(split == Split.Train ? DatasetInfo.TrainLabels : DatasetInfo.TestLabels);
        return FromIdx($"{dataset.Name} {split.ToString().ToLowerInvariant()}", imagesPath, labelsPath, dataset.Classes, device);
    }

    /// <summary>Reads an image file and a label file, checking that they agree with each other and with the classes.</summary>
    public static ImageDataset FromIdx(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classes, Device? device = null)
    {
        var images = Idx.Read(imagesPath, expectedDimensions: 3);
        var labels = Idx.Read(labelsPath, expectedDimensions: 1);
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{imagesPath} holds {images.Count:N0} images but {labelsPath} holds {labels.Count:N0} labels: the two files do not belong together. Download both again.");
        int badIndex = Array.FindIndex(labels.Data, l => l >= classes.Count);
        if (badIndex >= 0)
            throw new InvalidDataException($"{labelsPath}: label {labels.Data[badIndex]} at position {badIndex:N0} is not a class of {name} (0-{classes.Count - 1}).");
        device ??= TorchRuntime.Device;
        var imageTensor = tensor(images.Data, [images.Count, 1, images.Dimensions[1], images.Dimensions[2]], ScalarType.Byte).to(device);
        var labelTensor = tensor(labels.Data, [labels.Count], ScalarType.Byte).to(ScalarType.Int64).to(device);
        return new ImageDataset(name, imageTensor, labelTensor, classes);
    }

    /// <summary>A random subset of <paramref name="count"/> examples, the same for the same seed (quick profiles train on these).</summary>
    public ImageDataset Subset(int count, long seed = 0)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"a subset of {Name} needs at least one example.");
        if (count >= Count) return new ImageDataset(Name, Images.alias(), Labels.alias(), Classes);
        using var generator = new Generator((ulong)seed, CPU);
        using var order = randperm(Count, generator: generator).narrow(0, 0, count).to(Device);
        return new ImageDataset($"{Name} ({count:N0} of {Count:N0})", Images.index_select(0, order), Labels.index_select(0, order), Classes);
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
