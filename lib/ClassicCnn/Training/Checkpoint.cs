using System.IO.Compression;
using System.Text;
using ClassicCnn.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Training;

/// <summary>
/// A training checkpoint: one zip file holding the model's tensors (model.bin), the optimiser's state
/// (optimizer.bin) and the history (history.json). Written to a temporary file and renamed, so a crash leaves the
/// previous checkpoint whole.
/// </summary>
internal static class Checkpoint
{
    public static void Save(string path, Module model, OptimizerHelper optimizer, TrainingHistory history)
    {
        AtomicFile.Write(path, temp =>
        {
            using var zip = ZipFile.Open(temp, ZipArchiveMode.Create);
            using (var entry = new BinaryWriter(zip.CreateEntry("model.bin", CompressionLevel.Fastest).Open()))
                StateDictionary.Write(entry, model);
            using (var entry = new BinaryWriter(zip.CreateEntry("optimizer.bin", CompressionLevel.Fastest).Open()))
                optimizer.save_state_dict(entry);
            using (var entry = new StreamWriter(zip.CreateEntry("history.json").Open(), new UTF8Encoding(false)))
                entry.Write(history.ToJson());
        });
    }

    /// <summary>Loads a checkpoint into a model (and optimiser); returns its history. A different architecture is named tensor by tensor.</summary>
    public static TrainingHistory Load(string path, Module model, OptimizerHelper? optimizer = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such checkpoint.", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a ClassicCnn checkpoint ({e.Message}). Delete it to start training afresh.", e);
        }
        using (zip)
        {
            ZipArchiveEntry Entry(string name) => zip.GetEntry(name)
                ?? throw new InvalidDataException($"{path}: has no {name}; it is not a ClassicCnn checkpoint or it is damaged. Delete it to start afresh.");
            using (var reader = new BinaryReader(Copy(Entry("model.bin"))))
                StateDictionary.Read(reader, model, path);
            if (optimizer is not null)
                using (var reader = new BinaryReader(Copy(Entry("optimizer.bin"))))
                    optimizer.load_state_dict(reader);
            using var text = new StreamReader(Entry("history.json").Open());
            return TrainingHistory.FromJson(text.ReadToEnd(), path);
        }
    }

    static MemoryStream Copy(ZipArchiveEntry entry)
    {
        var memory = new MemoryStream();
        using (var stream = entry.Open()) stream.CopyTo(memory);
        memory.Position = 0;
        return memory;
    }
}

/// <summary>A model's named tensors in a small self-describing format: name, type, shape, bytes.</summary>
internal static class StateDictionary
{
    const int Magic = 0x43434E31; // "CCN1"

    public static void Write(BinaryWriter writer, Module model)
    {
        var state = model.state_dict();
        writer.Write(Magic);
        writer.Write(state.Count);
        foreach (var (name, value) in state)
        {
            using var cpu = value.detach().cpu().contiguous();
            writer.Write(name);
            writer.Write((int)cpu.dtype);
            writer.Write((int)cpu.dim());
            foreach (var d in cpu.shape) writer.Write(d);
            var bytes = cpu.bytes;
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    public static void Read(BinaryReader reader, Module model, string source)
    {
        if (reader.ReadInt32() != Magic)
            throw new InvalidDataException($"{source}: the model tensors are not in ClassicCnn's format.");
        int count = reader.ReadInt32();
        var saved = new Dictionary<string, (ScalarType Type, long[] Shape, byte[] Bytes)>();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            var type = (ScalarType)reader.ReadInt32();
            var shape = new long[reader.ReadInt32()];
            for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
            saved[name] = (type, shape, reader.ReadBytes(reader.ReadInt32()));
        }

        var target = model.state_dict();
        var missing = target.Keys.Where(k => !saved.ContainsKey(k)).ToList();
        var unexpected = saved.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var reshaped = target.Where(t => saved.TryGetValue(t.Key, out var s) && !s.Shape.SequenceEqual(t.Value.shape))
            .Select(t => $"{t.Key} (checkpoint [{string.Join(", ", saved[t.Key].Shape)}], model [{string.Join(", ", t.Value.shape)}])").ToList();
        if (missing.Count + unexpected.Count + reshaped.Count > 0)
        {
            var problems = new List<string>();
            if (reshaped.Count > 0) problems.Add($"different shapes: {string.Join("; ", reshaped.Take(8))}{(reshaped.Count > 8 ? $" and {reshaped.Count - 8} more" : "")}");
            if (missing.Count > 0) problems.Add($"missing from the checkpoint: {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? $" and {missing.Count - 8} more" : "")}");
            if (unexpected.Count > 0) problems.Add($"not in the model: {string.Join(", ", unexpected.Take(8))}{(unexpected.Count > 8 ? $" and {unexpected.Count - 8} more" : "")}");
            throw new InvalidDataException(
                $"{source} was saved from a different architecture than {model.GetName()}: {string.Join("; ", problems)}. Load it into the model it was trained with, or delete it to train afresh.");
        }

        using var _ = no_grad();
        foreach (var (name, value) in target)
        {
            var (type, shape, bytes) = saved[name];
            using var loaded = empty(shape, type);
            loaded.bytes = bytes;
            value.copy_(loaded);
        }
    }
}
