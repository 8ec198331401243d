"""The PyTorch side of the ClassicCnn benchmark: the same models, batch, input size, threads and optimizer as the
TorchSharp side (tests/ClassicCnn.Benchmarks), one model per run, one JSON line on stdout. Run by the C# benchmark;
written for PyTorch 1.13 (Debian's python3-torch) and later."""
import argparse, json, math, os, statistics, sys, time

import torch
from torch import nn
import torch.nn.functional as F


def squash(x):
    # 1.7159 tanh(2x/3) computed as 2 * 1.7159 sigmoid(4x/3) - 1.7159, exactly as the TorchSharp side does (ScaledTanh.Squash)
    return torch.sigmoid(x * (4.0 / 3.0)) * (2 * 1.7159) - 1.7159


class ScaledTanh(nn.Module):
    def forward(self, x):
        return squash(x)


class Subsampling(nn.Module):
    def __init__(self, maps):
        super().__init__()
        self.coefficient = nn.Parameter(torch.full((maps,), 0.25))
        self.bias = nn.Parameter(torch.zeros(maps))

    def forward(self, x):
        return squash(torch.addcmul(self.bias.view(1, -1, 1, 1), F.avg_pool2d(x, 2), self.coefficient.view(1, -1, 1, 1), value=4))


C3_INPUTS = [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
             [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
             [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5], [0, 1, 2, 3, 4, 5]]


class PartialConnectionConv(nn.Module):  # named as the library's layer, so profiles pair them up
    def __init__(self):
        super().__init__()
        index = [j * 6 + i for j, maps in enumerate(C3_INPUTS) for i in maps]
        self.register_buffer("index", torch.tensor(index), persistent=False)
        self.weight = nn.Parameter(torch.empty(len(index), 5, 5).uniform_(-0.02, 0.02))
        self.bias = nn.Parameter(torch.zeros(16))

    def forward(self, x):
        dense = torch.zeros(96, 5, 5, dtype=self.weight.dtype, device=self.weight.device).index_copy(0, self.index, self.weight)
        return F.conv2d(x, dense.view(16, 6, 5, 5), self.bias)


class EuclideanRbf(nn.Module):
    """The output layer: each class's squared distance from F6's output to its fixed code (a layer of its own, as in the library)."""
    def __init__(self):
        super().__init__()
        self.register_buffer("centres", torch.randint(0, 2, (10, 84)).float() * 2 - 1)

    def forward(self, f):
        return (f.unsqueeze(1) - self.centres.unsqueeze(0)).square().sum(-1)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 6, 5), ScaledTanh(), Subsampling(6), PartialConnectionConv(), ScaledTanh(), Subsampling(16),
                                 nn.Conv2d(16, 120, 5), ScaledTanh(), nn.Flatten(), nn.Linear(120, 84), ScaledTanh(), EuclideanRbf())

    def forward(self, x):
        return self.net(x)

    @staticmethod
    def loss(output, labels):
        correct = output.gather(1, labels.unsqueeze(1)).squeeze(1)
        j = torch.full((output.shape[0], 1), -1.0, device=output.device)
        return (correct + torch.cat([j, -output], 1).logsumexp(1)).mean()


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2),
                         nn.Flatten(), nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def size_after(n, k, s=1, p=0):
    return 0 if n + 2 * p < k else (n + 2 * p - k) // s + 1


def alexnet_d2l(size):
    s = size_after(size, 11, 4, 1); s = size_after(s, 3, 2); s = size_after(s, 3, 2); s = size_after(s, 3, 2)
    return nn.Sequential(
        nn.Conv2d(1, 96, 11, 4, 1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2), nn.Flatten(), nn.Linear(256 * s * s, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(4096, 10))


def vgg(cfg, in_channels, classes, size, divisor=1, adaptive=False):
    layers, c = [], in_channels
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v // divisor, 3, padding=1), nn.ReLU()]
            c = v // divisor
    spatial = 7 if adaptive else size // 32
    head = [nn.AdaptiveAvgPool2d(7)] if adaptive else []
    return nn.Sequential(*layers, *head, nn.Flatten(), nn.Linear(c * spatial * spatial, 4096), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4096, classes))


A = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def build(name, size):
    if name == "lenet5": return LeNet5(), 1, 32, False
    if name == "lenet": return lenet(), 1, 28, False
    if name == "alexnet": return alexnet_d2l(size), 1, size, False
    if name == "vgg-small": return vgg(A, 1, 10, size, divisor=4), 1, size, False
    if name == "vgg16": return vgg(D, 3, 1000, 224, adaptive=True), 3, 224, True
    raise SystemExit(f"unknown model {name}")


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def rss_kib():
    return status_kib("VmRSS:")


def blas():
    """The BLAS library this process really loaded (Debian's PyTorch reports BLAS_INFO=generic: libblas.so.3, whichever
    the system selects), with the folder that tells OpenBLAS's pthread build from its OpenMP build."""
    try:
        with open("/proc/self/maps") as f:
            libraries = sorted({line.split()[-1] for line in f if ".so" in line})
    except OSError:
        libraries = []
    for path in libraries:
        name = os.path.basename(path)
        if "openblas" in name:
            return f"OpenBLAS ({os.path.basename(os.path.dirname(path))})"
        if name.startswith("libmkl"):
            return "MKL"
    config = torch.__config__.show()
    return next((word.split("=")[1].rstrip(",") for word in config.split() if word.startswith("BLAS_INFO=")), "unknown")


def machine_ticks():
    """The first line of /proc/stat: (steal, all) ticks of every CPU since boot, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
        return fields[7] if len(fields) > 7 else 0, sum(fields)
    except OSError:
        return None


def cpu_use(action):
    """As CpuUse in Program.cs: CPU seconds per wall second, the kernel's share of them, the machine's stolen share."""
    before, machine, start = os.times(), machine_ticks(), time.perf_counter()
    result = action()
    after, machine_after, wall = os.times(), machine_ticks(), time.perf_counter() - start
    user, system = after.user - before.user, after.system - before.system
    steal = 100.0 * (machine_after[0] - machine[0]) / (machine_after[1] - machine[1]) if machine and machine_after and machine_after[1] > machine[1] else None
    return result, [(user + system) / wall, 100.0 * system / (user + system) if user + system > 0 else 0.0, steal]


def layer_profile(model, images, repeats):
    """As Timing.LayerForwardSeconds: each leaf layer timed between a forward pre-hook and a forward hook."""
    leaves = [(n, m) for n, m in model.named_modules() if n and not list(m.children())]
    samples, order, clock = {n: [] for n, _ in leaves}, [], [0.0]
    sync = torch.cuda.synchronize if images.is_cuda else (lambda: None)
    handles = []
    for name, module in leaves:
        def pre(_, __, name=name):
            sync(); clock[0] = time.perf_counter()

        def post(_, __, ___, name=name):
            sync(); samples[name].append(time.perf_counter() - clock[0])
            if name not in order: order.append(name)
        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    model.eval()
    with torch.no_grad():
        for i in range(repeats + 1):
            model(images)
            if i == 0:
                for v in samples.values(): v.clear()
    for h in handles: h.remove()
    kinds = {n: type(m).__name__ for n, m in leaves}
    return [[kinds[n], statistics.median(samples[n])] for n in order]


def samples(run, n, warmup, seconds):
    """As Timing.Samples: warm up at least `warmup` times and seconds / 3, then keep what at least n runs and `seconds` return."""
    start = time.perf_counter(); i = 0
    while i < warmup or time.perf_counter() - start < seconds / 3:
        run(); i += 1
    kept = []; start = time.perf_counter()
    while len(kept) < n or time.perf_counter() - start < seconds:
        kept.append(run())
    return kept


def step_phases(model, images, labels, loss_of, repeats, warmup, seconds):
    """As Timing.TrainingStepPhases: median seconds of zero_grad, forward with the loss, backward and the optimizer step."""
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    model.train()
    sync = torch.cuda.synchronize if images.is_cuda else (lambda: None)

    def step():
        t = [time.perf_counter()]
        optimizer.zero_grad(set_to_none=True); t.append(time.perf_counter())
        loss = loss_of(model(images), labels); sync(); t.append(time.perf_counter())
        loss.backward(); sync(); t.append(time.perf_counter())
        optimizer.step(); sync(); t.append(time.perf_counter())
        return [t[p + 1] - t[p] for p in range(4)]
    kept = samples(step, repeats, warmup, seconds)
    return [[name, statistics.median(s[p] for s in kept)] for p, name in enumerate(["zero_grad", "forward", "backward", "step"])]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True); p.add_argument("--batch", type=int, required=True); p.add_argument("--size", type=int, default=224)
    p.add_argument("--steps", type=int, default=10); p.add_argument("--warmup", type=int, default=3); p.add_argument("--threads", type=int)
    p.add_argument("--seconds", type=float, default=20.0)  # as the C# side's --seconds
    p.add_argument("--profile", action="store_true", help="print the median forward seconds of each leaf layer instead")
    p.add_argument("--serve", action="store_true", help="answer each 'step' line on stdin with one training step's seconds")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--memory-epochs", type=int, default=5); p.add_argument("--memory-steps", type=int, default=6)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
        torch.set_num_interop_threads(1)  # as the TorchSharp side does with --threads
    device = torch.device(a.device)
    if device.type == "cuda":  # as the TorchSharp side (TorchRuntime) sets them on CUDA
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    model, channels, size, inference_only = build(a.model, a.size)
    model.to(device)
    images = torch.randn(a.batch, channels, size, size, device=device)
    labels = torch.randint(0, 10, (a.batch,), device=device)
    loss_of = LeNet5.loss if a.model == "lenet5" else F.cross_entropy
    parameters = sum(p.numel() for p in model.parameters())
    if a.profile:
        layers = layer_profile(model, images, max(10, a.steps))
        phases = [] if inference_only else step_phases(model, images, labels, loss_of, a.steps, a.warmup, a.seconds)
        print(json.dumps({"model": a.model, "parameters": parameters, "layers": layers, "phases": phases}))
        return
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)

    def timed(action, n, warmup, seconds):
        def run():
            t = time.perf_counter(); action(); return time.perf_counter() - t
        return samples(run, n, warmup, seconds)

    def step_times(n, warmup, seconds=0.0):
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
        model.train()

        def step():
            optimizer.zero_grad(set_to_none=True); loss = loss_of(model(images), labels); loss.backward(); optimizer.step(); sync()
        return timed(step, n, warmup, seconds)

    if a.serve:  # the paired mode: the .NET side asks for one step at a time, in turn with the TorchSharp worker
        print("ready", parameters, blas(), flush=True)
        for line in sys.stdin:
            if line.strip() != "step": break
            print(repr(step_times(1, 0)[0]), flush=True)
        return

    train, growth, training_cpu = float("nan"), None, None
    if not inference_only:
        times, training_cpu = cpu_use(lambda: step_times(a.steps, a.warmup, a.seconds))
        train = a.batch / statistics.median(times)
        first = last = 0
        for epoch in range(1, a.memory_epochs + 1):
            high = 0  # an epoch's RSS is its high point over the steps, as on the TorchSharp side
            for _ in range(a.memory_steps):
                step_times(1, 0)
                high = max(high, rss_kib())
            if epoch == 1: first = high
            last = high
        growth = 100.0 * (last - first) / first
    model.eval()
    with torch.no_grad():
        times = timed(lambda: (model(images), sync()), a.steps, a.warmup, a.seconds)
    inference = a.batch / statistics.median(times)
    # VmHWM, not ru_maxrss: a child started by the .NET side inherits its parent's ru_maxrss.
    peak = status_kib("VmHWM:") * 1024
    print(json.dumps({"model": a.model, "parameters": parameters, "train": None if math.isnan(train) else train,
                      "inference": inference, "peak_rss": peak, "rss_growth": growth, "blas": blas(), "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "training_cpu": training_cpu}))


if __name__ == "__main__":
    main()
