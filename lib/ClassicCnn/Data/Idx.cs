using System.Buffers.Binary;
using System.IO.Compression;

namespace ClassicCnn.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its values in row-major order.</summary>
internal sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    public int Count => Dimensions[0];
}

/// <summary>
/// The IDX format of MNIST (LeCun): two zero bytes, a type code (0x08 for unsigned bytes), the number of dimensions,
/// each dimension as a big-endian int32, then the values. Files may be gzipped (recognised by their first bytes).
/// Reading is strict: every problem is reported with the file's name, what is wrong, and what to do.
/// </summary>
internal static class Idx
{
    const byte UnsignedByte = 0x08;
    static readonly Dictionary<byte, string> TypeNames = new()
    {
        [0x08] = "unsigned byte", [0x09] = "signed byte", [0x0B] = "int16", [0x0C] = "int32", [0x0D] = "float32", [0x0E] = "float64",
    };

    /// <summary>The largest array read (1 GiB): MNIST's biggest file holds 47 MB; a header declaring more is damaged.</summary>
    public const long MaximumValues = 1L << 30;

    /// <summary>
    /// Reads an IDX file, gzipped or not. Memory is bounded by what the header declares (and by
    /// <see cref="MaximumValues"/>): a file that holds more is refused as soon as the extra shows, before it is read.
    /// </summary>
    public static IdxArray Read(string path, int? expectedDimensions = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no such IDX file. {Fix}", path);
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[2];
        int got = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzipped = got == 2 && start[0] == 0x1f && start[1] == 0x8b;
        if (!gzipped) return ReadValues(path, file, file.Length, expectedDimensions);

        // The gzip trailer ends with the uncompressed length (mod 2^32), known before anything is expanded.
        if (file.Length < 18)
            throw new InvalidDataException($"{path}: a damaged gzip file ({file.Length} bytes, shorter than a gzip header and trailer). {Fix}");
        Span<byte> trailer = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        file.Position = 0;
        uint expandedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        try
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            return ReadValues(path, gzip, null, expectedDimensions, expandedLength);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path))
        {
            throw new InvalidDataException($"{path}: a damaged gzip file ({e.Message}). {Fix}", e);
        }
    }

    const string Fix = "Download it again (see data/README.md for where each dataset comes from).";

    /// <summary>Reads the header, checks what it declares against what the file can hold, then reads exactly that many values.</summary>
    static IdxArray ReadValues(string path, Stream stream, long? fileLength, int? expectedDimensions, uint? gzipLength = null)
    {
        var start = new byte[4];
        int got = stream.ReadAtLeast(start, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new InvalidDataException($"{path}: truncated: {got} bytes, shorter than the 4-byte IDX header. {Fix}");
        if (LooksLikeHtml(start))
            throw new InvalidDataException($"{path}: a web page (HTML), not an IDX file: the download saved an error or redirect page instead of the data. {Fix}");
        if (start[0] != 0 || start[1] != 0)
            throw new InvalidDataException($"{path}: not an IDX file: the magic number must start with two zero bytes, found 0x{start[0]:X2} 0x{start[1]:X2}. {Fix}");
        byte type = start[2];
        if (type != UnsignedByte)
            throw new InvalidDataException(TypeNames.TryGetValue(type, out var name)
                ? $"{path}: holds {name} values (type 0x{type:X2}); MNIST-style image and label files hold unsigned bytes (0x08)."
                : $"{path}: unknown IDX element type 0x{type:X2}; MNIST-style files hold unsigned bytes (0x08). {Fix}");
        int rank = start[3];
        if (rank == 0)
            throw new InvalidDataException($"{path}: the header declares 0 dimensions. {Fix}");
        if (expectedDimensions is { } expected && rank != expected)
            throw new InvalidDataException($"{path}: has {rank} dimension(s), expected {expected} ({(expected == 3 ? "images: count, rows, columns" : "labels: count")}). Is it the right file?");
        int header = 4 + 4 * rank;
        var sizes = new byte[4 * rank];
        got = stream.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false);
        if (got < sizes.Length)
            throw new InvalidDataException($"{path}: truncated inside the header ({4 + got} of {header} bytes). {Fix}");
        var dims = Enumerable.Range(0, rank).Select(i => BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * i))).ToArray();
        if (dims.Any(d => d < 0))
            throw new InvalidDataException($"{path}: negative dimension in [{string.Join(", ", dims)}]. {Fix}");
        long declared = dims.Aggregate(1L, (a, d) => a > MaximumValues ? a : a * d);
        string shape = $"[{string.Join(", ", dims)}]";
        if (declared > MaximumValues)
            throw new InvalidDataException($"{path}: the header declares {shape}, more than the {MaximumValues:N0} values any dataset of this series holds: a damaged file. {Fix}");
        if (fileLength is { } length)
        {
            long actual = length - header;
            if (actual < declared)
                throw new InvalidDataException($"{path}: truncated: the header declares {shape} = {declared:N0} values but the file holds {actual:N0}. {Fix}");
            if (actual > declared)
                throw new InvalidDataException($"{path}: {actual - declared:N0} unexpected bytes after the {declared:N0} values declared by {shape}. {Fix}");
        }
        if (gzipLength is { } expanded && expanded != (uint)(header + declared))
            throw new InvalidDataException(
                $"{path}: the header declares {shape} = {declared:N0} values, but the gzip trailer says the file expands to {expanded:N0} bytes (mod 2^32) " +
                $"instead of {header + declared:N0}: a damaged or different file. {Fix}");

        var data = new byte[declared];
        got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < declared)
            throw new InvalidDataException($"{path}: truncated: the header declares {shape} = {declared:N0} values but the file holds {got:N0}. {Fix}");
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException($"{path}: unexpected bytes after the {declared:N0} values declared by {shape}. {Fix}");
        return new IdxArray(dims, data);
    }

    /// <summary>A saved web page starts with '&lt;' (after any blanks or a byte-order mark), which no IDX file does.</summary>
    static bool LooksLikeHtml(ReadOnlySpan<byte> start)
    {
        foreach (byte b in start)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF) continue;
            return b == (byte)'<';
        }
        return false;
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
