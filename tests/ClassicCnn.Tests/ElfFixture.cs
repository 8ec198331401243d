using System.Buffers.Binary;
using System.Text;

namespace ClassicCnn.Tests;

/// <summary>Builds minimal 64-bit little-endian ELF files with GNU version sections, to test the native fix without real libraries.</summary>
static class ElfFixture
{
    /// <summary>A library needing <paramref name="versions"/> from <paramref name="file"/> (flags as given).</summary>
    public static byte[] Needing(string file, params (string Version, ushort Flags)[] versions)
    {
        var strings = new StringTable();
        uint fileName = strings.Add(file);
        var section = new List<byte>();
        section.AddRange(Verneed(version: 1, count: (ushort)versions.Length, file: fileName, aux: 16, next: 0));
        for (int i = 0; i < versions.Length; i++)
            section.AddRange(Vernaux(0x0a1b2c3d, versions[i].Flags, (ushort)(i + 2), strings.Add(versions[i].Version), next: i + 1 < versions.Length ? 16u : 0));
        return Build(strings, 0x6ffffffe, ".gnu.version_r", section.ToArray(), entries: 1);
    }

    /// <summary>A libstdc++ stand-in that defines <paramref name="versions"/>.</summary>
    public static byte[] Defining(params string[] versions)
    {
        var strings = new StringTable();
        var section = new List<byte>();
        for (int i = 0; i < versions.Length; i++)
        {
            var entry = new byte[28];
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(0), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), (ushort)(i + 1));
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), 20);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(16), i + 1 < versions.Length ? 28u : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(20), strings.Add(versions[i]));
            section.AddRange(entry);
        }
        return Build(strings, 0x6ffffffd, ".gnu.version_d", section.ToArray(), entries: versions.Length);
    }

    static byte[] Verneed(ushort version, ushort count, uint file, uint aux, uint next)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0), version);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), count);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), file);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), aux);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), next);
        return b;
    }

    static byte[] Vernaux(uint hash, ushort flags, ushort other, uint name, uint next)
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(0), hash);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), other);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), name);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), next);
        return b;
    }

    /// <summary>Header, .dynstr, the version section, .shstrtab, then four section headers.</summary>
    static byte[] Build(StringTable dynstr, uint type, string name, byte[] section, int entries)
    {
        var names = new StringTable();
        uint dynstrName = names.Add(".dynstr"), sectionName = names.Add(name), shstrtabName = names.Add(".shstrtab");
        byte[] dyn = dynstr.Bytes(), shstr = names.Bytes();
        int dynOffset = 64, sectionOffset = dynOffset + dyn.Length, shstrOffset = sectionOffset + section.Length;
        int headersOffset = (shstrOffset + shstr.Length + 7) / 8 * 8;
        var file = new byte[headersOffset + 4 * 64];
        "\x7f"u8.CopyTo(file); "ELF"u8.CopyTo(file.AsSpan(1));
        file[4] = 2; file[5] = 1; file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 3);   // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 62);  // x86-64
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)headersOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), 3);
        dyn.CopyTo(file, dynOffset); section.CopyTo(file, sectionOffset); shstr.CopyTo(file, shstrOffset);
        void Header(int index, uint nameOffset, uint sectionType, int offset, int size, uint link, uint info)
        {
            var h = file.AsSpan(headersOffset + index * 64, 64);
            BinaryPrimitives.WriteUInt32LittleEndian(h, nameOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], sectionType);
            BinaryPrimitives.WriteUInt64LittleEndian(h[24..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(h[32..], (ulong)size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[40..], link);
            BinaryPrimitives.WriteUInt32LittleEndian(h[44..], info);
        }
        Header(1, dynstrName, 3, dynOffset, dyn.Length, 0, 0);
        Header(2, sectionName, type, sectionOffset, section.Length, 1, (uint)entries);
        Header(3, shstrtabName, 3, shstrOffset, shstr.Length, 0, 0);
        return file;
    }

    sealed class StringTable
    {
        readonly List<byte> bytes = [0];
        public uint Add(string s)
        {
            uint offset = (uint)bytes.Count;
            bytes.AddRange(Encoding.ASCII.GetBytes(s));
            bytes.Add(0);
            return offset;
        }
        public byte[] Bytes() => bytes.ToArray();
    }
}
