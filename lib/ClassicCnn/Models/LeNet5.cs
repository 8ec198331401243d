using ClassicCnn.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClassicCnn.Models;

/// <summary>
/// LeNet-5 as LeCun, Bottou, Bengio and Haffner published it in 1998 ("Gradient-based learning applied to document
/// recognition", section II-B). 32x32 input (28x28 digits padded by 2), seven layers, 60,000 trainable parameters:
/// <code>
/// layer   what                                          output     trainable
/// C1      6 convolutions 5x5                            6@28x28          156
/// S2      2x2 sum x coefficient + bias, squashed        6@14x14           12
/// C3      16 convolutions 5x5 on subsets of S2 (Table I) 16@10x10       1,516
/// S4      like S2                                       16@5x5            32
/// C5      120 convolutions 5x5                          120@1x1       48,120
/// F6      84 units                                      84            10,164
/// Output  10 Euclidean RBF units, fixed 7x12 codes      10                 0 (+840 fixed)
/// </code>
/// Every layer up to F6 squashes with f(a) = 1.7159 tanh(2a/3). The outputs are distances: the smallest wins.
/// </summary>
public sealed class LeNet5 : ImageClassifier, IClassifierHead
{
    public const int InputSize = 32;

    /// <summary>The positive constant j of the loss (equation 9): it keeps the penalty for wrong classes from going on forever.</summary>
    public const double LossConstantJ = 1.0;
    // Cached: a Scalar made per call lives until the garbage collector finalises it (see ScaledTanh).
    static readonly Scalar minusJ = -LossConstantJ;

    readonly Sequential c1, c3, c5, f6;
    readonly Subsampling s2, s4;
    readonly EuclideanRbf output;

    /// <param name="c3Inputs">The S2 maps each C3 map reads; null: the paper's Table I (<see cref="C3Inputs"/>).</param>
    public LeNet5(IReadOnlyList<IReadOnlyList<int>>? c3Inputs = null)
        : base(nameof(LeNet5), nameof(LeNet5), 1, InputSize, InputSize, "Pad 28x28 digits by 2 pixels on each side (Preprocessing.LeNet5 does).")
    {
        c1 = Sequential(("conv", Conv2d(1, 6, 5)), ("squash", new ScaledTanh()));
        s2 = new Subsampling(6);
        c3Inputs ??= C3Inputs;
        if (c3Inputs.Count != 16)
            throw new ArgumentException($"c3Inputs has {c3Inputs.Count} entries, but C3 has 16 maps (C5 reads 16): give one list of S2 maps (0 to 5) per C3 map, as LeNet5.C3Inputs does.", nameof(c3Inputs));
        c3 = Sequential(("conv", new PartialConnectionConv(inputMaps: 6, c3Inputs, kernel: 5)), ("squash", new ScaledTanh()));
        s4 = new Subsampling(16);
        c5 = Sequential(("conv", Conv2d(16, 120, 5)), ("squash", new ScaledTanh()));
        f6 = Sequential(("flatten", Flatten()), ("linear", Linear(120, 84)), ("squash", new ScaledTanh()));
        output = new EuclideanRbf(DigitCodes());
        Stack(("C1", c1), ("S2", s2), ("C3", c3), ("S4", s4), ("C5", c5), ("F6", f6), ("Output", output));
        PaperInit();
    }

    /// <summary>
    /// Equation 9 of the paper: E = mean( y_D + log(e^-j + sum_i e^-y_i) ), where y_D is the distance to the right class.
    /// Pulling y_D down alone could collapse all codes together; the second term pushes the other distances up.
    /// </summary>
    public Tensor Loss(Tensor output, Tensor labels)
    {
        using var rows = labels.unsqueeze(1);
        using var gathered = output.gather(1, rows);
        using var correct = gathered.squeeze(1);
        using var j = full(new long[] { output.shape[0], 1 }, minusJ, dtype: output.dtype, device: output.device);
        using var negated = output.neg();
        using var all = cat([j, negated], 1);
        using var competitors = all.logsumexp(1);
        using var perSample = correct + competitors;
        return perSample.mean();
    }

    public Tensor Predict(Tensor output) => output.argmin(1);
    public Tensor Scores(Tensor output) => -output;

    /// <summary>
    /// The paper's initialisation: weights uniform in [-2.4/F, 2.4/F] with F the fan-in of the unit. The subsampling
    /// coefficients start at 1/4 (an average) so the first passes see the same scale as the inputs.
    /// </summary>
    void PaperInit()
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.StartsWith("S")) continue;
            double fanIn = name switch
            {
                "C1.conv.weight" or "C1.conv.bias" => 25,
                "C5.conv.weight" or "C5.conv.bias" => 400,
                "F6.linear.weight" or "F6.linear.bias" => 120,
                _ => 0,
            };
            if (fanIn > 0) init.uniform_(parameter, -2.4 / fanIn, 2.4 / fanIn);
        }
        ((PartialConnectionConv)c3[0]).PaperInit();
    }

    /// <summary>
    /// Table I of the paper: the S2 maps each C3 map reads. Maps 0-5 read three neighbouring maps, 6-11 four
    /// neighbouring maps, 12-14 four non-neighbouring maps, and map 15 all six: "to break the symmetry in the network"
    /// and keep the number of connections down.
    /// </summary>
    public static readonly IReadOnlyList<IReadOnlyList<int>> C3Inputs =
    [
        [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
        [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
        [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
        [0, 1, 2, 3, 4, 5],
    ];

    /// <summary>Table I as a 6 x 16 grid (rows: S2 maps, columns: C3 maps), for drawing.</summary>
    public static bool[,] C3Table()
    {
        var table = new bool[6, 16];
        for (int output = 0; output < 16; output++)
            foreach (int input in C3Inputs[output]) table[input, output] = true;
        return table;
    }

    /// <summary>
    /// The fixed RBF centres: each digit drawn as a 7x12 bitmap of +1 (ink) and -1 (paper), like the stylised characters
    /// of the paper's Fig. 3. F6's 84 units are trained to reproduce the bitmap of the right digit.
    /// </summary>
    public static float[,] DigitCodes()
    {
        var codes = new float[10, 84];
        for (int digit = 0; digit < 10; digit++)
        {
            var rows = DigitBitmaps[digit];
            for (int r = 0; r < 12; r++)
                for (int c = 0; c < 7; c++)
                    codes[digit, r * 7 + c] = rows[r][c] == '#' ? 1f : -1f;
        }
        return codes;
    }

    public static readonly IReadOnlyList<string[]> DigitBitmaps =
    [
        [".......", "..###..", ".#...#.", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#", ".#...#.", "..###..", "......."],
        [".......", "...#...", "..##...", ".#.#...", "...#...", "...#...", "...#...", "...#...", "...#...", "...#...", ".#####.", "......."],
        [".......", "..###..", ".#...#.", "#.....#", "......#", ".....#.", "....#..", "...#...", "..#....", ".#.....", "#######", "......."],
        [".......", ".####..", "#....#.", "......#", ".....#.", "..###..", ".....#.", "......#", "......#", "#....#.", ".####..", "......."],
        [".......", "....##.", "...#.#.", "..#..#.", ".#...#.", "#....#.", "#######", ".....#.", ".....#.", ".....#.", ".....#.", "......."],
        [".......", "#######", "#......", "#......", "#####..", ".....#.", "......#", "......#", "......#", "#....#.", ".####..", "......."],
        [".......", "..####.", ".#.....", "#......", "#......", "#.###..", "##...#.", "#.....#", "#.....#", ".#...#.", "..###..", "......."],
        [".......", "#######", "......#", ".....#.", "....#..", "...#...", "...#...", "..#....", "..#....", "..#....", "..#....", "......."],
        [".......", "..###..", ".#...#.", "#.....#", ".#...#.", "..###..", ".#...#.", "#.....#", "#.....#", ".#...#.", "..###..", "......."],
        [".......", "..###..", ".#...#.", "#.....#", "#.....#", ".#...##", "..###.#", "......#", "......#", ".....#.", ".####..", "......."],
    ];
}

/// <summary>
/// LeNet-5's subsampling layer (S2, S4): each map sums its 2x2 windows, multiplies by one trainable coefficient, adds
/// one trainable bias and squashes. Two parameters per map.
/// </summary>
public sealed class Subsampling : Module<Tensor, Tensor>, ILayerCost
{
    readonly Parameter coefficient, bias;
    static readonly Scalar windowArea = 4; // the average pool times 4 is the window's sum (see ScaledTanh on cached Scalars)

    public Subsampling(int maps) : base(nameof(Subsampling))
    {
        coefficient = Parameter(full(maps, 0.25f));
        bias = Parameter(zeros(maps));
        register_parameter("coefficient", coefficient);
        register_parameter("bias", bias);
    }

    public override Tensor forward(Tensor input)
    {
        using var averages = functional.avg_pool2d(input, 2);
        using var coefficients = coefficient.view(1, -1, 1, 1);
        using var biases = bias.view(1, -1, 1, 1);
        using var scaled = biases.addcmul(averages, coefficients, windowArea); // bias + 4 x average x coefficient, in one pass
        return ScaledTanh.Squash(scaled);
    }

    /// <summary>Per output: four additions folded into one multiply (counted as one MAC), five connections (4 inputs + bias).</summary>
    public (long Macs, long Connections) Cost(long[] inputShape, long[] outputShape)
    {
        long outputs = outputShape.Skip(1).Aggregate(1L, (a, b) => a * b);
        return (outputs, outputs * 5);
    }
}

/// <summary>
/// A convolution in which output map j reads only the input maps listed in <c>inputs[j]</c> (LeNet-5's C3). The kernel
/// planes that exist are the only parameters (60 planes of 5x5 plus 16 biases = 1,516 for Table I); each forward pass
/// scatters them into a dense kernel, so the whole layer is one convolution with no loop over maps.
/// </summary>
public sealed class PartialConnectionConv : Module<Tensor, Tensor>, ILayerCost
{
    readonly Parameter weight, bias;
    readonly Tensor denseIndex;
    readonly int inputMaps, outputMaps, kernel;
    readonly IReadOnlyList<IReadOnlyList<int>> inputs;

    /// <param name="inputMaps">How many maps the layer reads (S2's 6 for LeNet-5's C3).</param>
    /// <param name="inputs">For each output map, the input maps it reads (each once, numbered from 0).</param>
    /// <param name="kernel">The kernel's height and width.</param>
    public PartialConnectionConv(int inputMaps, IReadOnlyList<IReadOnlyList<int>> inputs, int kernel) : base(nameof(PartialConnectionConv))
    {
        if (inputMaps < 1) throw new ArgumentOutOfRangeException(nameof(inputMaps), inputMaps, "the layer must read at least one input map.");
        if (kernel < 1) throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "the kernel must be at least 1x1.");
        if (inputs.Count == 0) throw new ArgumentException("the connection table is empty: give, for each output map, the input maps it reads.", nameof(inputs));
        for (int j = 0; j < inputs.Count; j++)
        {
            if (inputs[j].Count == 0)
                throw new ArgumentException($"output map {j} reads no input map: list at least one (0 to {inputMaps - 1}).", nameof(inputs));
            foreach (int i in inputs[j])
                if (i < 0 || i >= inputMaps)
                    throw new ArgumentException($"output map {j} reads input map {i}, but the layer has {inputMaps} input maps (0 to {inputMaps - 1}).", nameof(inputs));
            if (inputs[j].Distinct().Count() != inputs[j].Count)
                throw new ArgumentException($"output map {j} lists an input map more than once ({string.Join(", ", inputs[j])}): list each input map once.", nameof(inputs));
        }
        this.inputs = inputs;
        this.kernel = kernel;
        this.inputMaps = inputMaps;
        outputMaps = inputs.Count;
        // Plane p belongs to output map j and input map i; it lands at row j * inputMaps + i of the dense kernel.
        var index = inputs.SelectMany((maps, j) => maps.Select(i => (long)(j * inputMaps + i))).ToArray();
        denseIndex = tensor(index);
        weight = Parameter(empty(index.Length, kernel, kernel));
        bias = Parameter(zeros(outputMaps));
        register_parameter("weight", weight);
        register_parameter("bias", bias);
        register_buffer("dense_index", denseIndex, persistent: false);
        PaperInit();
    }

    /// <summary>The input maps each output map reads: the layer's setting, so a checkpoint's fingerprint tells two tables apart.</summary>
    public IReadOnlyList<IReadOnlyList<int>> Inputs => inputs;

    /// <summary>Weights uniform in ±2.4/F, F being each output map's own fan-in (75, 100 or 150 for Table I).</summary>
    public void PaperInit()
    {
        using var _ = no_grad();
        int plane = 0;
        for (int j = 0; j < outputMaps; j++)
        {
            double fanIn = inputs[j].Count * kernel * kernel;
            init.uniform_(weight.narrow(0, plane, inputs[j].Count), -2.4 / fanIn, 2.4 / fanIn);
            init.uniform_(bias.narrow(0, j, 1), -2.4 / fanIn, 2.4 / fanIn);
            plane += inputs[j].Count;
        }
    }

    /// <summary>The dense kernel [outputs, inputs, k, k] with zeros where Table I has no connection.</summary>
    public Tensor DenseKernel()
    {
        using var flat = zeros(outputMaps * inputMaps, kernel, kernel, dtype: weight.dtype, device: weight.device);
        using var filled = flat.index_copy(0, denseIndex, weight);
        return filled.view(outputMaps, inputMaps, kernel, kernel);
    }

    public override Tensor forward(Tensor input)
    {
        using var dense = DenseKernel();
        return ConvolutionGuard.Conv2d(input, dense, bias);
    }

    public (long Macs, long Connections) Cost(long[] inputShape, long[] outputShape)
    {
        long positions = outputShape[2] * outputShape[3];
        long planes = inputs.Sum(i => i.Count);
        return (positions * planes * kernel * kernel, positions * (planes * kernel * kernel + outputMaps));
    }
}

/// <summary>
/// Euclidean radial basis function units: y_i = sum_j (x_j - w_ij)^2. The centres w are fixed (a buffer, not a
/// parameter): no gradient reaches them and no optimiser sees them.
/// </summary>
public sealed class EuclideanRbf : Module<Tensor, Tensor>, ILayerCost
{
    readonly Tensor centres;

    public EuclideanRbf(float[,] centres) : base(nameof(EuclideanRbf))
    {
        this.centres = tensor(centres);
        register_buffer("centres", this.centres);
    }

    public Tensor Centres => centres;

    public override Tensor forward(Tensor input)
    {
        using var difference = input.unsqueeze(1) - centres.unsqueeze(0);
        using var squared = difference.square();
        return squared.sum(-1);
    }

    public (long Macs, long Connections) Cost(long[] inputShape, long[] outputShape) =>
        (centres.shape[0] * centres.shape[1], centres.shape[0] * centres.shape[1]);
}
