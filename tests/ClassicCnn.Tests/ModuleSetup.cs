using System.Runtime.CompilerServices;
using ClassicCnn.Platform;

namespace ClassicCnn.Tests;

static class ModuleSetup
{
    /// <summary>Runs the library's native-library preparation before any test can call into libtorch.</summary>
    [ModuleInitializer]
    internal static void PrepareTorch() => RuntimeHelpers.RunModuleConstructor(typeof(TorchRuntime).Module.ModuleHandle);

    /// <summary>Held until the process exits.</summary>
    static FileStream? Turn { get; set; }

    /// <summary>Waits while the notebook tests run (see <see cref="TestAssemblyTurns"/>).</summary>
    [ModuleInitializer]
    internal static void WaitForTurn() => Turn = TestAssemblyTurns.TakeTurn(ProjectFolders.RepositoryRoot(AppContext.BaseDirectory)!);
}
