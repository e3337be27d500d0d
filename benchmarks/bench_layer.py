"""Time convlib's general layer against torch on the CPU, one thread, on typical layers.

    python benchmarks/bench_layer.py            # the table: float32 and float64, under a minute
    python benchmarks/bench_layer.py --quick    # a shorter time budget per case
    python benchmarks/bench_layer.py --gemm     # also: the three matrix products on their own

For each layer (N, C_in, C_out, H = W, k1 = k2 = k, stride, padding, groups) it times the forward
pass, ``convlib.conv2d_forward(I, w, b, ...)`` against ``torch.nn.functional.conv2d``, and the
backward pass, ``convlib.conv2d_backward(I, w, G, ...)`` (all three gradients) against
``torch.ops.aten.convolution_backward`` (the call autograd makes, all three gradients). Every
answer is checked against torch's before it is timed. Times are the best CPU time per call of
interleaved rounds (``bench.best_times``); torch's include wrapping numpy arrays
(``torch.from_numpy``, no copy) and unwrapping the results, as a numpy user would. The ratios
are convlib's time over torch's; the target is forward + backward at most 2.0x torch in float32
and 1.5x in float64.

It also measures the peak memory of each convlib pass with ``tracemalloc`` (numpy reports its
allocations to it) beside the size of the im2col matrix, the largest array the layer builds.
With ``--gemm`` it times the three matrix products of a layer on their own (``W @ col``,
``G @ col.T``, ``W.T @ G``, on the matrices convlib builds), to show how much of convlib's time
is BLAS and how that compares with torch's whole forward and backward passes.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy, scipy or torch start their thread pools

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from bench import best_times, same  # noqa: E402

import convlib  # noqa: E402
from convlib import _im2col  # noqa: E402
from convlib._checks import layer_geometry  # noqa: E402

try:
    import torch
    import torch.nn.functional

    torch.set_num_threads(1)
except ImportError:  # torch is optional
    torch = None

# (N, C_in, C_out, H = W, k, stride, padding, groups)
LAYERS = [
    (8, 16, 32, 32, 3, 1, 1, 1),
    (32, 3, 16, 32, 5, 1, 2, 1),
    (8, 64, 64, 16, 3, 1, 1, 1),
    (16, 32, 64, 28, 3, 2, 1, 1),
    (64, 1, 8, 8, 3, 1, 0, 1),
    (4, 32, 32, 56, 3, 1, 1, 32),
]
TARGET = {"float32": 2.0, "float64": 1.5}


def arrays(layer, dtype, rng):
    N, C_in, C_out, H, k, stride, padding, groups = layer
    I = rng.standard_normal((N, C_in, H, H)).astype(dtype)
    w = rng.standard_normal((C_out, C_in // groups, k, k)).astype(dtype)
    b = rng.standard_normal(C_out).astype(dtype)
    H_out = (H + 2 * padding - k) // stride + 1
    G = rng.standard_normal((N, C_out, H_out, H_out)).astype(dtype)
    return I, w, b, G


def contenders(layer, I, w, b, G):
    *_, stride, padding, groups = layer
    settings = {"stride": stride, "padding": padding, "groups": groups}
    ours = {
        "forward": lambda: convlib.conv2d_forward(I, w, b, **settings),
        "backward": lambda: convlib.conv2d_backward(I, w, G, **settings),
    }
    if torch is None:
        return ours, {}
    I_t, w_t, b_t, G_t = (torch.from_numpy(x) for x in (I, w, b, G))

    def torch_forward():
        return torch.nn.functional.conv2d(I_t, w_t, b_t, **settings).numpy()

    def torch_backward():
        dI, dw, db = torch.ops.aten.convolution_backward(
            G_t, I_t, w_t, [w.shape[0]], [stride] * 2, [padding] * 2, [1, 1], False, [0, 0],
            groups, [True, True, True],
        )  # fmt: skip
        return dw.numpy(), db.numpy(), dI.numpy()

    return ours, {"forward": torch_forward, "backward": torch_backward}


def peak_memory(function):
    """Peak bytes that numpy allocates during one call (the layer's layout is cached first)."""
    function()
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def im2col_bytes(layer, I, w):
    """The size of the im2col matrix for this layer (0 for depthwise: it builds none)."""
    *_, stride, padding, groups = layer
    g = layer_geometry(I.shape, w.shape, stride=stride, padding=padding, dilation=1, groups=groups)
    if _im2col._is_depthwise(g):
        return 0
    return g.k1 * g.k2 * g.C_in * g.N * g.H_out * g.W_out * I.itemsize


def gemm_seconds(layer, I, w, G, budget):
    """Best time of the three matrix products of one (non-depthwise) layer, on their own."""
    *_, stride, padding, groups = layer
    g = layer_geometry(I.shape, w.shape, stride=stride, padding=padding, dilation=1, groups=groups)
    compact, runs = _im2col.layout(g, compact=True), _im2col.layout(g, compact=False)
    col = _im2col._im2col(_im2col._to_phases(I, compact), compact)
    W, G_compact = _im2col._filters(w, compact), _im2col._spread(G, compact)
    G_runs = _im2col._spread(G, runs)
    products = {
        "W col": lambda: np.matmul(W, col),
        "G colT": lambda: np.matmul(G_compact, col.transpose(0, 2, 1)),
        "WT G": lambda: np.matmul(W.transpose(0, 2, 1), G_runs),
    }
    return sum(best_times(products, (), budget).values())


def run(budget, gemm):
    rng = np.random.default_rng(0)
    print(
        "| dtype | N, C_in, C_out, H, k, stride, padding, groups | convlib fwd (ms) | torch fwd "
        "(ms) | convlib bwd (ms) | torch bwd (ms) | fwd ratio | bwd ratio | fwd + bwd ratio "
        "| target |\n|" + "---|" * 10,
        flush=True,
    )
    memory, shares = [], []
    for dtype in (np.float32, np.float64):
        name = np.dtype(dtype).name
        for layer in LAYERS:
            I, w, b, G = arrays(layer, dtype, rng)
            ours, theirs = contenders(layer, I, w, b, G)
            for op in theirs:
                got, expected = ours[op](), theirs[op]()
                if not same(tuple(got) if op == "backward" else got, expected, dtype):
                    raise AssertionError(f"convlib and torch disagree: {op} of {layer}, {name}")
            functions = {f"convlib {op}": f for op, f in ours.items()}
            functions |= {f"torch {op}": f for op, f in theirs.items()}
            t = best_times(functions, (), budget)
            if (
                gemm
                and theirs
                and not _im2col._is_depthwise(
                    layer_geometry(
                        I.shape,
                        w.shape,
                        stride=layer[5],
                        padding=layer[6],
                        dilation=1,
                        groups=layer[7],
                    )
                )
            ):
                products = gemm_seconds(layer, I, w, G, budget)
                ours_total = t["convlib forward"] + t["convlib backward"]
                torch_total = t["torch forward"] + t["torch backward"]
                shares.append((name, layer, products / ours_total, products / torch_total))
            cells = [name, ", ".join(map(str, layer))]
            cells += [f"{t[k] * 1e3:.3g}" for k in functions]
            if theirs:
                fwd = t["convlib forward"] / t["torch forward"]
                bwd = t["convlib backward"] / t["torch backward"]
                both = (t["convlib forward"] + t["convlib backward"]) / (
                    t["torch forward"] + t["torch backward"]
                )
                met = "met" if both <= TARGET[name] else f"missed (> {TARGET[name]})"
                cells[2:] = [cells[2], cells[4], cells[3], cells[5]]
                cells += [f"{fwd:.2f}", f"{bwd:.2f}", f"**{both:.2f}**", met]
            print("| " + " | ".join(cells) + " |", flush=True)
            memory.append(
                (name, layer, im2col_bytes(layer, I, w), *(peak_memory(f) for f in ours.values()))
            )
    if shares:
        print("\n| dtype | layer | matrix products / convlib's time | matrix products / torch's |")
        print("|---|---|---|---|")
        for name, layer, share, against in shares:
            print(f"| {name} | {', '.join(map(str, layer))} | {share:.2f} | {against:.2f} |")
    print("\n| dtype | layer | im2col matrix (MB) | peak, forward (MB) | peak, backward (MB) |")
    print("|---|---|---|---|---|")
    for name, layer, col, forward, backward in memory:
        cells = [name, ", ".join(map(str, layer))]
        cells += [f"{x / 1e6:.2f}" for x in (col, forward, backward)]
        print("| " + " | ".join(cells) + " |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a shorter budget per case")
    parser.add_argument("--budget", type=float, default=None, help="seconds per contender")
    parser.add_argument("--gemm", action="store_true", help="time the matrix products alone")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, one thread; "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"torch {torch.__version__ if torch else 'not installed'}; load average {load}"
    )
    start = time.perf_counter()
    run(args.budget or (0.1 if args.quick else 0.4), args.gemm)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\n# {time.perf_counter() - start:.0f} s wall clock; load average at the end {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
