using System.Buffers.Binary;
using System.IO.Compression;

namespace ClassicCnn.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its values in row-major order.</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    public int Count => Dimensions[0];
}

/// <summary>
/// The IDX format of MNIST (LeCun): two zero bytes, a type code (0x08 for unsigned bytes), the number of dimensions,
/// each dimension as a big-endian int32, then the values. Files may be gzipped (recognised by their first bytes).
/// Reading is strict: every problem is reported with the file's name, what is wrong, and what to do.
/// </summary>
public static class Idx
{
    const byte UnsignedByte = 0x08;
    static readonly Dictionary<byte, string> TypeNames = new()
    {
        [0x08] = "unsigned byte", [0x09] = "signed byte", [0x0B] = "int16", [0x0C] = "int32", [0x0D] = "float32", [0x0E] = "float64",
    };

    public static IdxArray Read(string path, int? expectedDimensions = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such IDX file. {Fix}", path);
        byte[] raw = File.ReadAllBytes(path);
        bool gzipped = raw.Length >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
        byte[] bytes;
        try
        {
            bytes = gzipped ? Gunzip(raw) : raw;
            // The gzip trailer ends with the uncompressed length (mod 2^32): a cut-off download shows here.
            if (gzipped && (raw.Length < 18 || BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)) != (uint)bytes.Length))
                throw new InvalidDataException("the data ends before the gzip trailer says it should");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: a damaged gzip file ({e.Message}). {Fix}", e);
        }
        return Parse(path, bytes, expectedDimensions);
    }

    const string Fix = "Download it again (see data/README.md for where each dataset comes from).";

    static byte[] Gunzip(byte[] raw)
    {
        using var input = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public static IdxArray Parse(string path, byte[] bytes, int? expectedDimensions = null)
    {
        if (bytes.Length < 4)
            throw new InvalidDataException($"{path}: truncated: {bytes.Length} bytes, shorter than the 4-byte IDX header. {Fix}");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file: the magic number must start with two zero bytes, found 0x{bytes[0]:X2} 0x{bytes[1]:X2}. {Fix}");
        byte type = bytes[2];
        if (type != UnsignedByte)
            throw new InvalidDataException(TypeNames.TryGetValue(type, out var name)
                ? $"{path}: holds {name} values (type 0x{type:X2}); MNIST-style image and label files hold unsigned bytes (0x08)."
                : $"{path}: unknown IDX element type 0x{type:X2}; MNIST-style files hold unsigned bytes (0x08). {Fix}");
        int rank = bytes[3];
        if (rank == 0)
            throw new InvalidDataException($"{path}: the header declares 0 dimensions. {Fix}");
        if (expectedDimensions is { } expected && rank != expected)
            throw new InvalidDataException($"{path}: has {rank} dimension(s), expected {expected} ({(expected == 3 ? "images: count, rows, columns" : "labels: count")}). Is it the right file?");
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new InvalidDataException($"{path}: truncated inside the header ({bytes.Length} of {header} bytes). {Fix}");
        var dims = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i))).ToArray();
        if (dims.Any(d => d < 0))
            throw new InvalidDataException($"{path}: negative dimension in [{string.Join(", ", dims)}]. {Fix}");
        long expectedLength = dims.Aggregate(1L, (a, d) => a * d);
        long actual = bytes.Length - header;
        if (actual < expectedLength)
            throw new InvalidDataException($"{path}: truncated: the header declares [{string.Join(", ", dims)}] = {expectedLength:N0} values but the file holds {actual:N0}. {Fix}");
        if (actual > expectedLength)
            throw new InvalidDataException($"{path}: {actual - expectedLength:N0} unexpected bytes after the {expectedLength:N0} values declared by [{string.Join(", ", dims)}]. {Fix}");
        return new IdxArray(dims, bytes[header..]);
    }

    /// <summary>Writes an unsigned-byte IDX file (gzipped when the name ends in .gz) atomically.</summary>
    public static void Write(string path, int[] dimensions, ReadOnlySpan<byte> data)
    {
        long count = dimensions.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length)
            throw new ArgumentException($"The dimensions [{string.Join(", ", dimensions)}] hold {count:N0} values but {data.Length:N0} were given.", nameof(data));
        var file = new byte[4 + 4 * dimensions.Length + data.Length];
        file[2] = UnsignedByte;
        file[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(file.AsSpan(4 + 4 * dimensions.Length));
        ClassicCnn.Platform.AtomicFile.Write(path, temp =>
        {
            using var stream = File.Create(temp);
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                // mtime 0 and no name in the gzip header, so the same data always gives the same bytes.
                using var gzip = new GZipStream(stream, CompressionLevel.SmallestSize);
                gzip.Write(file);
            }
            else stream.Write(file);
        });
    }
}
