using System.Text.Json.Nodes;
using ClassicCnn.Tool;
using ClassicCnn.Tool.Site;

namespace ClassicCnn.NotebookTests;

/// <summary>The Chinese edition stays the English one's twin: same notebooks, same code, prose translated.</summary>
public class EditionTests
{
    static readonly Repository Repository = Repository.Find(AppContext.BaseDirectory);
    static string Chinese => Path.Combine(Repository.Notebooks, Edition.Chinese.Folder);

    [Fact]
    public void Every_notebook_has_a_chinese_twin_with_identical_code_and_translated_prose()
    {
        Assert.Equal(Directory.EnumerateFiles(Repository.Notebooks, "*.ipynb").Select(Path.GetFileName).Order(),
            Directory.EnumerateFiles(Chinese, "*.ipynb").Select(Path.GetFileName).Order());
        var problems = EditionCheck.Problems(Repository.Notebooks, Chinese, Edition.Chinese);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        foreach (var path in Directory.EnumerateFiles(Chinese, "*.ipynb"))
            Assert.Empty(NotebookFormat.Check(path));
    }

    [Fact]
    public void A_drifted_code_cell_a_missing_twin_and_prose_left_in_english_are_each_named()
    {
        using var temp = new TempFolder();
        string english = Directory.CreateDirectory(temp.File("en")).FullName, twin = Directory.CreateDirectory(temp.File("zh-CN")).FullName;
        foreach (var path in Directory.EnumerateFiles(Repository.Notebooks, "*.ipynb")) File.Copy(path, Path.Combine(english, Path.GetFileName(path)));
        foreach (var path in Directory.EnumerateFiles(Chinese, "*.ipynb")) File.Copy(path, Path.Combine(twin, Path.GetFileName(path)));
        Assert.Empty(EditionCheck.Problems(english, twin, Edition.Chinese));

        string lenet = Path.Combine(twin, "01-lenet5.ipynb");
        var notebook = JsonNode.Parse(File.ReadAllText(lenet))!;
        var cells = notebook["cells"]!.AsArray();
        int code = cells.Select((c, i) => (c, i)).First(x => (string?)x.c!["cell_type"] == "code" && x.i > 2).i;
        int prose = cells.Select((c, i) => (c, i)).Last(x => (string?)x.c!["cell_type"] == "markdown").i;
        cells[code]!["source"] = new JsonArray("var lenet5 = new LeNet5(); // drifted\n");
        cells[prose]!["source"] = new JsonArray("## Summary\n", "\n", "- LeNet-5 has 60,000 trainable parameters and 340,908 connections.");
        File.WriteAllText(lenet, notebook.ToJsonString());
        File.Delete(Path.Combine(twin, "03-vgg.ipynb"));

        var problems = EditionCheck.Problems(english, twin, Edition.Chinese);
        Assert.Contains($"{lenet}, cell {code + 1}: its code differs from the English cell; code cells must be identical (copy the English one).", problems);
        Assert.Contains(problems, p => p.StartsWith($"{lenet}, cell {prose + 1} reads as English"));
        Assert.Contains($"03-vgg.ipynb has no 中文 twin: add {Path.Combine(twin, "03-vgg.ipynb")} (a copy with its markdown translated).", problems);
        Assert.Equal(3, problems.Count);
    }

    [Theory]
    [InlineData("## 1.1 模型整体结构\n\nLeNet-5 读入 32×32 的灰度图像，`Preprocessing.LeNet5` 把 28×28 的数字四周各填充 2 个像素。", true)]
    [InlineData("## 1.1 Overall structure (模型整体结构)\n\nLeNet-5 reads a 32×32 grey image.", false)]
    [InlineData("参数量为 $(5 \\times 5 + 1) \\times 6 = 156$，见 [上一篇](00-setup.ipynb)。", true)]
    public void Prose_counts_as_chinese_by_its_letters_leaving_out_code_formulas_and_links(string markdown, bool chinese) =>
        Assert.Equal(chinese, EditionCheck.ChineseShare(markdown) >= EditionCheck.MinimumChineseShare);
}
