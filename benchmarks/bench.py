"""Time convlib against the tools a reader would otherwise pick, in one process on one thread.

    python benchmarks/bench.py              # the full table, a few minutes
    python benchmarks/bench.py --quick      # H in {32, 128, 512}, k in {3, 11}, under a minute
    python benchmarks/bench.py --calibrate  # fit the cost model behind method="auto"

It times ``convlib.correlate2d`` (the forward pass, ``w ⊗ I``) and ``convlib.conv2d_backward``
(``dw = G ⊗ I``, ``db = ΣG``, ``dI = w * G``), with the default ``method="auto"``, against
scipy.signal's correlate2d / convolve2d, fftconvolve and oaconvolve, and
torch.nn.functional.conv2d (and its backward) on the CPU when torch is installed. Every peer's
answer is checked against convlib's before it is timed. A time is the best of several rounds
(each round a loop long enough to time) of the process's CPU time, with the contenders
interleaved round by round so that a busy machine slows all of them alike. The ratio is
convlib's time over the fastest peer's.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy, scipy or torch start their thread pools

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal  # noqa: E402
from scipy.optimize import nnls  # noqa: E402

import convlib  # noqa: E402
from convlib import _engines  # noqa: E402
from convlib.ops import CostModel  # noqa: E402

try:
    import torch
    import torch.nn.functional

    torch.set_num_threads(1)
except ImportError:  # torch is optional
    torch = None

SIZES = (32, 128, 512, 2048)
KERNELS = (3, 5, 7, 11)
DTYPES = (np.float64, np.float32)


# ---------------------------------------------------------------------------------------------
# The contenders: each takes (I, w) for the forward pass or (I, w, G) for the backward pass.
# ---------------------------------------------------------------------------------------------


def forward_peers():
    peers = {
        "scipy correlate2d": lambda I, w: scipy.signal.correlate2d(I, w, "valid"),
        "fftconvolve": lambda I, w: scipy.signal.fftconvolve(I, w[::-1, ::-1], "valid"),
        "oaconvolve": lambda I, w: scipy.signal.oaconvolve(I, w[::-1, ::-1], "valid"),
    }
    if torch is not None:

        def torch_forward(I, w):
            Y = torch.nn.functional.conv2d(
                torch.from_numpy(I)[None, None], torch.from_numpy(w)[None, None]
            )
            return Y[0, 0].numpy()

        peers["torch"] = torch_forward
    return peers


def backward_peers():
    def scipy_direct(I, w, G):
        return (
            scipy.signal.correlate2d(I, G, "valid"),
            G.sum(),
            scipy.signal.convolve2d(G, w, "full"),
        )

    def by(convolve):
        return lambda I, w, G: (
            convolve(I, G[::-1, ::-1], "valid"),
            G.sum(),
            convolve(G, w, "full"),
        )

    peers = {
        "scipy correlate2d": scipy_direct,
        "fftconvolve": by(scipy.signal.fftconvolve),
        "oaconvolve": by(scipy.signal.oaconvolve),
    }
    if torch is not None:

        def torch_backward(I, w, G):
            I_, w_, G_ = (torch.from_numpy(a)[None, None] for a in (I, w, G))
            dI, dw, db = torch.ops.aten.convolution_backward(
                G_, I_, w_, [1], [1, 1], [0, 0], [1, 1], False, [0, 0], 1, [True, True, True]
            )
            return dw[0, 0].numpy(), db[0].item(), dI[0, 0].numpy()

        peers["torch"] = torch_backward
    return peers


PEERS = {"forward": forward_peers(), "backward": backward_peers()}
CONVLIB = {"forward": convlib.correlate2d, "backward": convlib.conv2d_backward}


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def best_times(functions, args, budget):
    """Best CPU time per call of each function, interleaving them round by round.

    Each function is first called once (a warm-up that also sizes its loop: enough calls for
    about ``budget / 20`` seconds, at least one). Then every round times each loop once, until
    ``budget`` seconds per function are spent (at least 3 rounds, 2 for calls over a second)
    or 20 rounds are done. CPU time of this process (``time.process_time``), so that other
    processes on a busy machine do not count; on one thread it is the wall-clock time of a
    quiet machine.
    """
    loops, best, rounds = {}, {}, {}
    for name, f in functions.items():
        start = time.process_time()
        f(*args)
        once = time.process_time() - start
        loops[name] = max(1, int(budget / 20 / max(once, 1e-7)))
        rounds[name] = 3 if once < 1.0 else 2
        best[name] = once
    spent = dict.fromkeys(functions, 0.0)
    for round_ in range(20):
        todo = [name for name in functions if round_ < rounds[name] or spent[name] < budget]
        for name in todo:
            f = functions[name]
            start = time.process_time()
            for _ in range(loops[name]):
                f(*args)
            elapsed = time.process_time() - start
            spent[name] += elapsed
            best[name] = min(best[name], elapsed / loops[name])
    return best


def same(a, b, dtype):
    """Whether two answers (arrays, or tuples of them) agree to the dtype's precision."""
    if isinstance(a, tuple):
        return all(same(x, y, dtype) for x, y in zip(a, b, strict=True))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(b))))
    tolerance = 1e-3 if dtype == np.float32 else 1e-9
    return a.shape == b.shape and float(np.max(np.abs(a - b))) <= tolerance * scale


def run(sizes, kernels, dtypes, budget):
    rng = np.random.default_rng(0)
    rows = []
    for dtype in dtypes:
        for op in ("forward", "backward"):
            for H in sizes:
                for k in kernels:
                    I = rng.standard_normal((H, H)).astype(dtype)
                    w = rng.standard_normal((k, k)).astype(dtype)
                    G = rng.standard_normal((H - k + 1, H - k + 1)).astype(dtype)
                    args = (I, w) if op == "forward" else (I, w, G)
                    expected = CONVLIB[op](*args)
                    functions = {"convlib": CONVLIB[op]}
                    for name, f in PEERS[op].items():
                        if not same(f(*args), expected, dtype):
                            raise AssertionError(f"{name} disagrees with convlib ({op}, {H}, {k})")
                        functions[name] = f
                    times = best_times(functions, args, budget)
                    row = dict(dtype=np.dtype(dtype).name, op=op, H=H, k=k, **times)
                    row["method"] = convlib.choose_method(I.shape, w.shape, I.dtype)
                    rows.append(row)
                    print(format_row(row, list(functions)), flush=True)
    return rows


def format_row(row, names):
    peers = [name for name in names if name != "convlib"]
    fastest = min(peers, key=lambda name: row[name])
    cells = [row["dtype"], row["op"], str(row["H"]), str(row["k"])]
    cells += [f"{row[name] * 1e3:.3g}" for name in names]
    cells += [fastest, f"{row['convlib'] / row[fastest]:.2f}"]
    return "| " + " | ".join(cells) + " |"


def header(names):
    cells = ["dtype", "pass", "H=W", "k"] + [f"{name} (ms)" for name in names]
    cells += ["fastest peer", "convlib / fastest"]
    return "| " + " | ".join(cells) + " |\n|" + "---|" * len(cells)


# ---------------------------------------------------------------------------------------------
# Calibration of the cost model behind method="auto"
# ---------------------------------------------------------------------------------------------


def calibrate(budget, path=None):
    """Time the two engines over many shapes, fit ``CostModel`` and write its constants.

    The direct engine's time is modelled as ``per_call * calls + per_mac * multiply_adds``, the
    FFT engine's as ``per_fft + per_nlogn * n log2 n`` for its ``n``-point grid
    (``convlib.ops.CostModel``). The fit minimises the relative error (each row divided by its
    measured time). The constants go to ``convlib/_cost_model.json`` (or ``path``), which
    ``method="auto"`` reads.
    """
    rng = np.random.default_rng(0)
    shapes = [
        ((H, H), (k, k)) for H in (16, 32, 64, 128, 256, 512, 1024) for k in (2, 3, 5, 7, 11, 15)
    ]
    # kernels larger than the output, as G in dw = G ⊗ I
    shapes += [((H, H), (H - k + 1,) * 2) for H in (32, 128, 512, 1024) for k in (3, 7, 11)]
    models = {}
    for dtype in map(np.dtype, DTYPES):
        rows = []
        for image_shape, kernel_shape in shapes:
            if kernel_shape[0] > image_shape[0]:
                continue
            I = rng.standard_normal(image_shape).astype(dtype)
            w = rng.standard_normal(kernel_shape).astype(dtype)
            # The FFT as "auto" takes it: behind its guard (the checks of _engines.decide).
            engines = {
                "direct": lambda I, w: convlib.correlate2d(I, w, method="direct"),
                "fft": _engines.fft_as_auto,
            }
            t = best_times(engines, (I, w), budget)
            rows.append((image_shape, kernel_shape, t["direct"], t["fft"]))
        direct_work = np.array([CostModel.direct_work(i, k, dtype) for i, k, _, _ in rows], float)
        fft_work = np.array([[1.0, CostModel.fft_work(i)] for i, _, _, _ in rows])
        t_direct, t_fft = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
        (per_call, per_mac), _ = nnls(direct_work / t_direct[:, None], np.ones(len(rows)))
        (per_fft, per_nlogn), _ = nnls(fft_work / t_fft[:, None], np.ones(len(rows)))
        model = CostModel(per_call, per_mac, per_fft, per_nlogn)
        models[dtype] = model
        print(f"{dtype.name}: {model}")
        print("  image  kernel  direct ms    fft ms  faster  model")
        for (H, _), (k1, _), td, tf in rows:
            t = model.seconds((H, H), (k1, k1), dtype)
            said = "direct" if t["direct"] <= t["fft"] else "fft"
            real = "direct" if td <= tf else "fft"
            flag = "" if said == real else f"  (loses {max(td, tf) / min(td, tf):.2f}x)"
            print(f"  {H:>5}  {k1:>6}  {td * 1e3:>9.3f}  {tf * 1e3:>8.3f}  {real:>6}  {said}{flag}")
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, one thread"
    written = CostModel.save(models, path, machine=machine)
    print(f"# wrote {written}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="H in {32, 128, 512}, k in {3, 11}")
    parser.add_argument("--calibrate", action="store_true", help="fit the cost model of 'auto'")
    parser.add_argument(
        "--cost-file", default=None, help="where --calibrate writes (default: convlib's)"
    )
    parser.add_argument("--budget", type=float, default=None, help="seconds per contender and case")
    args = parser.parse_args(argv)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, one thread; "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"torch {torch.__version__ if torch else 'not installed'}"
    )
    if args.calibrate:
        calibrate(args.budget or 0.05, args.cost_file)
        return 0
    sizes, kernels = ((32, 128, 512), (3, 11)) if args.quick else (SIZES, KERNELS)
    budget = args.budget or (0.05 if args.quick else 0.1)
    names = ["convlib", *PEERS["forward"]]
    print(header(names), flush=True)
    start = time.perf_counter()
    run(sizes, kernels, DTYPES, budget)
    print(f"# {time.perf_counter() - start:.0f} s wall clock", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
