using System.Runtime.CompilerServices;
using ClassicCnn.Tool;

namespace ClassicCnn.NotebookTests;

static class ModuleSetup
{
    /// <summary>Held until the process exits.</summary>
    static FileStream? Turn { get; set; }

    /// <summary>Waits while the unit tests run (see <see cref="TestAssemblyTurns"/>).</summary>
    [ModuleInitializer]
    internal static void WaitForTurn() => Turn = TestAssemblyTurns.TakeTurn(Repository.Find(AppContext.BaseDirectory).Root);
}
