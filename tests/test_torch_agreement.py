"""convlib's general layer against PyTorch's autograd, on hundreds of random configurations.

Runs when torch is installed (it is not a dependency of the course; ``pip install torch`` in the
environment to run it). Forward pass and all three gradients, float64 to 1e-9 and float32 to
2e-4 of the largest expected magnitude (or of 1), on layers with batches, channels, groups
(depthwise included), strides, paddings ("valid", "same", ints, pairs) and dilations; the notes'
2-D layer too, which torch computes as one sample with one channel.
"""

import warnings

import numpy as np
import pytest
from general_cases import cases

import convlib

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # like the rest of the suite (make sets OMP_NUM_THREADS=1)
F = torch.nn.functional

CASES = cases(300, seed=15)
CHUNKS = [CASES[k : k + 25] for k in range(0, len(CASES), 25)]  # few test items, fast to collect
TOLERANCE = {np.float64: 1e-9, np.float32: 2e-4}


def close(actual, expected, rtol, what):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, torch {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=0, atol=rtol * scale, err_msg=what)


def torch_layer(case, arrays):
    """Torch's output and gradients of L = <G, Y_hat>, as numpy arrays of the case's shapes."""
    batch = (lambda x: x) if case.batched else (lambda x: x[None, None])
    I, w = (torch.tensor(batch(arrays[k]), requires_grad=True) for k in ("I", "w"))
    b = torch.tensor(np.atleast_1d(arrays["b"]), requires_grad=True)
    with warnings.catch_warnings():  # "same" with an even kernel warns that it pads a copy
        warnings.simplefilter("ignore", UserWarning)
        Y_hat = F.conv2d(I, w, b, **{k: _torch(v) for k, v in case.settings.items()})
    (Y_hat * torch.from_numpy(batch(arrays["G"]))).sum().backward()
    numpy = (lambda x: x.detach().numpy()) if case.batched else (lambda x: x.detach().numpy()[0, 0])
    db = b.grad.numpy() if case.batched else b.grad.numpy()[0]
    return numpy(Y_hat), numpy(w.grad), db, numpy(I.grad)


def _torch(setting):
    return tuple(setting) if isinstance(setting, list) else setting


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("chunk", CHUNKS, ids=lambda chunk: f"cases {CASES.index(chunk[0])}+")
def test_forward_and_gradients_agree_with_torch(chunk, dtype):
    for case in chunk:
        arrays = case.arrays(dtype)
        I, w, b, G = arrays["I"], arrays["w"], arrays["b"], arrays["G"]
        expected = torch_layer(case, arrays)
        Y_hat = convlib.conv2d_forward(I, w, b, **case.settings)
        dw, db, dI = convlib.conv2d_backward(I, w, G, **case.settings)
        ours = {"Y_hat": Y_hat, "dw": dw, "db": db, "dI": dI}
        for (name, value), theirs in zip(ours.items(), expected, strict=True):
            assert value.dtype == dtype, f"{case}: {name} is {value.dtype}"
            close(value, theirs, TOLERANCE[dtype], f"{name} of {case}")


def test_each_gradient_function_agrees_with_torch():
    # grad_w and grad_input on their own, told the kernel's and the image's size
    for case in CASES[:100]:
        arrays = case.arrays()
        _, dw_torch, db_torch, dI_torch = torch_layer(case, arrays)
        shapes, settings = case.shapes(), case.settings
        dw = convlib.grad_w(arrays["I"], arrays["G"], kernel_shape=shapes["w"][-2:], **settings)
        dI = convlib.grad_input(arrays["w"], arrays["G"], input_shape=shapes["I"][-2:], **settings)
        close(dw, dw_torch, 1e-9, f"grad_w of {case}")
        close(convlib.grad_b(arrays["G"]), db_torch, 1e-9, f"grad_b of {case}")
        close(dI, dI_torch, 1e-9, f"grad_input of {case}")


def test_a_training_step_of_conv2d_agrees_with_torch():
    # Conv2D on a batch: forward, backward and one SGD step, against torch.optim.SGD
    rng = np.random.default_rng(16)
    I = rng.standard_normal((4, 6, 11, 9))
    layer = convlib.Conv2D.from_shape((8, 3, 3, 2), seed=3, stride=(2, 1), padding=1, groups=2)
    layer.b = rng.standard_normal(8)
    w_t = torch.tensor(layer.w, requires_grad=True)
    b_t = torch.tensor(layer.b, requires_grad=True)
    Y_t = F.conv2d(torch.tensor(I), w_t, b_t, stride=(2, 1), padding=1, groups=2)
    Y_hat = layer.forward(I)
    close(Y_hat, Y_t.detach().numpy(), 1e-9, "forward")
    G = rng.standard_normal(Y_hat.shape)
    (Y_t * torch.tensor(G)).sum().backward()
    layer.backward(G)
    torch.optim.SGD([w_t, b_t], lr=0.1).step()
    layer.step(0.1)
    close(layer.w, w_t.detach().numpy(), 1e-9, "w after one step")
    close(layer.b, b_t.detach().numpy(), 1e-9, "b after one step")
