namespace ClassicCnn.Tests;

public class TestAssemblyTurnsTests
{
    [Fact]
    public void A_second_holder_waits_until_the_first_lets_go()
    {
        using var temp = new TempFolder();
        string lockFile = temp.File(Path.Combine("artifacts", "test-assembly.lock")); // its folder does not exist yet
        using (var first = TestAssemblyTurns.Take(lockFile, TimeSpan.Zero))
        {
            Assert.NotNull(first);
            Assert.Null(TestAssemblyTurns.TryHold(lockFile));
            Assert.Null(TestAssemblyTurns.Take(lockFile, TimeSpan.FromSeconds(1))); // gives up after its patience
        }
        using var second = TestAssemblyTurns.Take(lockFile, TimeSpan.Zero);
        Assert.NotNull(second);
    }
}
