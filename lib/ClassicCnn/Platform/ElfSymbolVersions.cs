using System.Buffers.Binary;
using System.Text;

namespace ClassicCnn.Platform;

/// <summary>One symbol version a shared library needs from another (an entry of <c>.gnu.version_r</c>).</summary>
/// <param name="File">The library the version is needed from, for instance <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, for instance <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="IsWeak">True when the entry carries VER_FLG_WEAK: the loader then tolerates its absence.</param>
/// <param name="FlagsOffset">Byte offset of the entry's <c>vna_flags</c> field in the file.</param>
internal sealed record ElfVersionNeed(string File, string Version, bool IsWeak, long FlagsOffset);

/// <summary>
/// Reads the GNU symbol-versioning sections of a 64-bit little-endian ELF file (x86-64, arm64):
/// the versions it needs from other libraries (<c>.gnu.version_r</c>) and the versions it defines
/// (<c>.gnu.version_d</c>). Just enough ELF to decide whether a native library loads on this system
/// and to mark one needed version weak; see <see cref="LibStdCxxCompatibility"/>.
/// </summary>
internal sealed class ElfSymbolVersions
{
    const uint ShtGnuVerdef = 0x6ffffffd;
    const uint ShtGnuVerneed = 0x6ffffffe;
    internal const ushort VerFlagWeak = 0x2;

    public string Path { get; }
    public IReadOnlyList<ElfVersionNeed> Needs { get; }
    public IReadOnlyList<string> Definitions { get; }

    ElfSymbolVersions(string path, IReadOnlyList<ElfVersionNeed> needs, IReadOnlyList<string> definitions)
    {
        Path = path;
        Needs = needs;
        Definitions = definitions;
    }

    public static ElfSymbolVersions Read(string path)
    {
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException($"{path}: no such file. Give the path of an ELF shared library (.so).", path);
        return Parse(path, System.IO.File.ReadAllBytes(path));
    }

    public static ElfSymbolVersions Parse(string path, byte[] bytes)
    {
        var elf = new Reader(path, bytes);
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF file (it does not start with the bytes 7F 'E' 'L' 'F'). Point the fix at a Linux shared library such as libLibTorchSharp.so.");
        if (bytes[4] != 2)
            throw new InvalidDataException($"{path}: a 32-bit ELF file (EI_CLASS={bytes[4]}); only 64-bit libraries (linux-x64, linux-arm64) are supported.");
        if (bytes[5] != 1)
            throw new InvalidDataException($"{path}: a big-endian ELF file (EI_DATA={bytes[5]}); only little-endian libraries are supported.");

        long shoff = (long)elf.U64(40);
        int shentsize = elf.U16(58), shnum = elf.U16(60);
        if (shoff == 0 || shnum == 0)
            return new ElfSymbolVersions(path, [], []);
        if (shentsize < 64)
            throw elf.Corrupt($"section header entries are {shentsize} bytes, expected 64");

        var needs = new List<ElfVersionNeed>();
        var definitions = new List<string>();
        for (int i = 0; i < shnum; i++)
        {
            long header = shoff + (long)i * shentsize;
            uint type = elf.U32(header + 4);
            if (type != ShtGnuVerneed && type != ShtGnuVerdef) continue;
            long offset = (long)elf.U64(header + 24);
            int entries = (int)elf.U32(header + 44);
            long stringTable = (long)elf.U64(shoff + (long)elf.U32(header + 40) * shentsize + 24);
            if (type == ShtGnuVerneed) ReadNeeds(elf, offset, entries, stringTable, needs);
            else ReadDefinitions(elf, offset, entries, stringTable, definitions);
        }
        return new ElfSymbolVersions(path, needs, definitions);
    }

    static void ReadNeeds(Reader elf, long offset, int entries, long strings, List<ElfVersionNeed> needs)
    {
        long entry = offset;
        for (int n = 0; n < entries; n++)
        {
            int count = elf.U16(entry + 2);
            string file = elf.String(strings + elf.U32(entry + 4));
            long aux = entry + elf.U32(entry + 8);
            for (int a = 0; a < count; a++)
            {
                ushort flags = elf.U16(aux + 4);
                needs.Add(new ElfVersionNeed(file, elf.String(strings + elf.U32(aux + 8)), (flags & VerFlagWeak) != 0, aux + 4));
                aux += elf.U32(aux + 12);
            }
            uint next = elf.U32(entry + 12);
            if (next == 0) break;
            entry += next;
        }
    }

    static void ReadDefinitions(Reader elf, long offset, int entries, long strings, List<string> definitions)
    {
        long entry = offset;
        for (int n = 0; n < entries; n++)
        {
            long aux = entry + elf.U32(entry + 12);
            definitions.Add(elf.String(strings + elf.U32(aux)));
            uint next = elf.U32(entry + 16);
            if (next == 0) break;
            entry += next;
        }
    }

    /// <summary>Bounds-checked little-endian reads whose errors name the file.</summary>
    sealed class Reader(string path, byte[] bytes)
    {
        public InvalidDataException Corrupt(string what) =>
            new($"{path}: corrupt or truncated ELF file ({what}). Restore it again (delete its NuGet package folder and run the set-up).");

        ReadOnlySpan<byte> At(long offset, int length) =>
            offset < 0 || offset + length > bytes.Length
                ? throw Corrupt($"offset {offset} lies past the end of the {bytes.Length}-byte file")
                : bytes.AsSpan((int)offset, length);

        public ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(At(offset, 2));
        public uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(At(offset, 4));
        public ulong U64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(At(offset, 8));

        public string String(long offset)
        {
            At(offset, 1);
            int end = Array.IndexOf(bytes, (byte)0, (int)offset);
            if (end < 0) throw Corrupt($"string at offset {offset} has no terminating zero");
            return Encoding.ASCII.GetString(bytes, (int)offset, end - (int)offset);
        }
    }
}
