using System.Xml.Linq;
using ClassicCnn.Platform;

namespace ClassicCnn.Tool;

/// <summary>Registers a package source in the user-level NuGet.Config, which every restore on this machine reads (notebook kernels included).</summary>
public static class NuGetUserConfig
{
    public static string DefaultPath =>
        OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "NuGet", "NuGet.Config")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");

    /// <summary>Adds or updates <c>&lt;add key=name value=folder/&gt;</c>; returns false when it was already there as given.</summary>
    public static bool EnsureSource(string name, string folder, string? configPath = null)
    {
        configPath ??= DefaultPath;
        XDocument document;
        try
        {
            document = File.Exists(configPath)
                ? XDocument.Load(configPath)
                : new XDocument(new XElement("configuration"));
        }
        catch (System.Xml.XmlException e)
        {
            throw new InvalidDataException($"{configPath}: not valid XML ({e.Message}). Fix or delete the file, then run the set-up again.", e);
        }
        var root = document.Root ?? throw new InvalidDataException($"{configPath}: has no <configuration> element.");
        var sources = root.Element("packageSources");
        if (sources is null) root.Add(sources = new XElement("packageSources"));

        var entry = sources.Elements("add").FirstOrDefault(e => (string?)e.Attribute("key") == name);
        // A source can be switched off in <disabledPackageSources> (dotnet nuget disable source); ours must be on.
        var disabled = root.Element("disabledPackageSources")?.Elements("add").Where(e => (string?)e.Attribute("key") == name).ToList() ?? [];
        if (entry is not null && (string?)entry.Attribute("value") == folder && disabled.Count == 0)
            return false;
        if (entry is null) sources.Add(entry = new XElement("add", new XAttribute("key", name)));
        entry.SetAttributeValue("value", folder);
        disabled.Remove();
        AtomicFile.WriteAllText(configPath, document.Declaration + document.ToString() + Environment.NewLine);
        return true;
    }
}
