r"""The layers a small CNN needs around the convolution, each backward right beside its forward.

:class:`ReLU`, :class:`MaxPool2D`, :class:`Flatten`, :class:`Linear`, :class:`Sequential`, and
the loss :func:`softmax_cross_entropy`. numpy only; ``import convlib`` does not import this
module: write ``from convlib import nn`` or ``import convlib.nn``.

Every layer has the three methods of :class:`convlib.Conv2D`:

- ``forward(x)`` returns the output ``y`` and keeps (its own copy of) what ``backward`` needs;
- ``backward(G)`` takes :math:`G = \partial L / \partial y`, the shape of ``y``, returns
  :math:`\partial L / \partial x`, the shape of ``x``, to hand to the layer before, and keeps
  the gradients of the layer's parameters in ``dw`` and ``db``;
- ``step(lr)`` takes one gradient-descent step, :math:`w \leftarrow w - \eta\,
  \partial L / \partial w`; a no-op for a layer with nothing to learn.

Each ``backward`` is the chain rule, one line per step, with the same method as the notes:
which outputs does one input touch, sum over exactly those, differentiate the definition. The
book's chapter 8, "A network that reads digits", derives each one: softmax cross-entropy (8.1),
(8.2), the dense layer (8.3), (8.4), max-pooling (8.5), (8.6) and ReLU (8.7), (8.8).
Inputs are never modified. Bad input raises an error that names the argument, says what was
expected and what came.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_int, as_labels, as_real_nd, as_real_scalar, common_float

__all__ = ["Flatten", "Linear", "MaxPool2D", "ReLU", "Sequential", "softmax_cross_entropy"]


def _need_forward(layer, kept):
    """Raise ``RuntimeError`` if ``backward`` comes before any ``forward``."""
    if kept is None:
        name = type(layer).__name__
        raise RuntimeError(f"{name}.backward(G) needs the input of forward(x): call it first")


def _upstream(G, shape, layer):
    """Return ``G = dL/dy`` as a real array, after checking it has the output's ``shape``."""
    name = type(layer).__name__
    G = as_real_nd(G, f"upstream gradient G of {name}")
    if G.shape != tuple(shape):
        raise ValueError(
            f"upstream gradient G of {name} has shape {G.shape} but its output y had shape "
            f"{tuple(shape)}: G = dL/dy must have the shape of y"
        )
    return G


def _learning_rate(lr):
    return as_real_scalar(lr, "learning rate lr")


# --------------------------------------------------------------------------------------------
# ReLU
# --------------------------------------------------------------------------------------------


class ReLU:
    r"""The rectifier :math:`y = \max(x, 0)`, entry by entry, (8.7); nothing to learn.

    Attributes
    ----------
    positive : ndarray of bool or None
        :math:`\mathbb{1}[x > 0]` from the last ``forward``: all that ``backward`` needs.

    Notes
    -----
    Each output depends on one input only, so the chain rule has one term, (8.8):

    .. math::

        y = \max(x, 0), \qquad
        \frac{\partial L}{\partial x} = G \odot \mathbb{1}[x > 0].

    At :math:`x = 0`, where the derivative does not exist, the gradient is 0, as in PyTorch.
    Any shape; NaN stays NaN in ``forward`` and gets a zero gradient.

    Examples
    --------
    >>> from convlib.nn import ReLU
    >>> relu = ReLU()
    >>> relu.forward([[-1.0, 2.0], [0.0, 3.0]])
    array([[0., 2.],
           [0., 3.]])
    >>> relu.backward([[5.0, 5.0], [5.0, 5.0]])
    array([[0., 5.],
           [0., 5.]])
    """

    def __init__(self):
        self.positive = None

    def forward(self, x):
        r"""Return :math:`y = \max(x, 0)` and keep :math:`\mathbb{1}[x > 0]`."""
        x = as_real_nd(x, "input x of ReLU")
        self.positive = x > 0  # a new array: x itself is not kept
        return np.maximum(x, 0)  # y = max(x, 0), (8.7)

    def backward(self, G):
        r"""Return :math:`\partial L / \partial x = G \odot \mathbb{1}[x > 0]`, (8.8)."""
        _need_forward(self, self.positive)
        G = _upstream(G, self.positive.shape, self)
        return np.where(self.positive, G, 0)  # (8.8): G ⊙ 1[x > 0] (0, not 0·inf, elsewhere)

    def step(self, lr):
        """Do nothing: ReLU has no parameters (``lr`` must still be a real number)."""
        _learning_rate(lr)

    def __repr__(self):
        return "ReLU()"


# --------------------------------------------------------------------------------------------
# MaxPool2D
# --------------------------------------------------------------------------------------------


class MaxPool2D:
    r"""Max-pooling over non-overlapping ``size`` windows (stride = size), like PyTorch's.

    Parameters
    ----------
    size : int or (int, int)
        The window :math:`(s_1, s_2)`; an int ``s`` is ``(s, s)``. The stride is the same, so
        windows do not overlap, as in ``torch.nn.MaxPool2d(size)``.

    Attributes
    ----------
    size : (int, int)
        :math:`(s_1, s_2)`.
    argmax : ndarray of int or None
        For each output, where its window's maximum was (``p * s2 + q``, row-major), from the
        last ``forward``.

    Notes
    -----
    For an input of shape ``(N, C, H, W)`` (or ``(C, H, W)``) the output has shape
    ``(N, C, H // s1, W // s2)``: rows and columns left over that do not fill a window are
    dropped, as in PyTorch, and get a zero gradient. Each channel of each sample is pooled on
    its own, (8.5):

    .. math::

        y[i, j] = \max_{0 \le p < s_1,\; 0 \le q < s_2} x[i s_1 + p,\, j s_2 + q].

    An input touches one output, the one whose window holds it, and only if it is that window's
    maximum :math:`(p^*, q^*)`, so the chain rule has one term or none, (8.6):

    .. math::

        \frac{\partial L}{\partial x}[i s_1 + p,\, j s_2 + q] =
        \begin{cases} G[i, j] & (p, q) = (p^*, q^*) \\ 0 & \text{otherwise.} \end{cases}

    **Ties.** When several inputs of a window share the maximum, :math:`(p^*, q^*)` is the first
    of them in row-major order (smallest :math:`p`, then smallest :math:`q`), which gets the
    whole of :math:`G[i, j]`; the others get 0. PyTorch's CPU kernel chooses the same one. A
    NaN in a window counts as its maximum: the output is NaN, as in PyTorch.

    Examples
    --------
    The second window has a three-way tie at 2: the first in row-major order, top left, gets
    the gradient.

    >>> import numpy as np
    >>> from convlib.nn import MaxPool2D
    >>> pool = MaxPool2D(2)
    >>> x = np.array([[[[1, 3, 2, 0],
    ...                 [4, 0, 2, 2]]]])
    >>> pool.forward(x)
    array([[[[4., 2.]]]])
    >>> pool.backward([[[[10.0, 20.0]]]])
    array([[[[ 0.,  0., 20.,  0.],
             [10.,  0.,  0.,  0.]]]])
    """

    def __init__(self, size):
        if isinstance(size, tuple | list):
            if len(size) != 2:
                raise ValueError(f"pool size must be an int or a pair of ints, got {size!r}")
            s1, s2 = (as_int(s, "pool size", minimum=1) for s in size)
        else:
            s1 = s2 = as_int(size, "pool size", minimum=1)
        self.size = (s1, s2)
        self.argmax = None
        self.x_shape = None

    def forward(self, x):
        r"""Return each window's maximum (the remainder dropped) and keep where it was."""
        x = as_real_nd(x, "input x of MaxPool2D", (3, 4), "(C, H, W) or (N, C, H, W)")
        (s1, s2), (*lead, H, W) = self.size, x.shape
        if s1 > H or s2 > W:
            raise ValueError(
                f"pool size {self.size} of MaxPool2D is larger than its input's (H, W) = "
                f"{(H, W)} (input x of shape {x.shape}): a window must fit inside the input"
            )
        Ho, Wo = H // s1, W // s2
        windows = x[..., : Ho * s1, : Wo * s2].reshape(*lead, Ho, s1, Wo, s2)
        windows = np.moveaxis(windows, -3, -2).reshape(*lead, Ho, Wo, s1 * s2)  # k = p s2 + q
        self.argmax = np.argmax(windows, axis=-1)  # (p*, q*): the first maximum, row-major
        self.x_shape = x.shape
        return np.take_along_axis(windows, self.argmax[..., None], axis=-1)[..., 0]  # (8.5)

    def backward(self, G):
        r"""Return :math:`\partial L / \partial x`, (8.6): each ``G[i, j]`` at its window's max."""
        _need_forward(self, self.argmax)
        G = _upstream(G, self.argmax.shape, self)
        (s1, s2), (*lead, Ho, Wo) = self.size, self.argmax.shape
        dwindows = np.zeros((*G.shape, s1 * s2), dtype=G.dtype)
        # dy[i, j]/dx[i s1 + p, j s2 + q] is 1 at (p*, q*), 0 elsewhere: one term per window
        np.put_along_axis(dwindows, self.argmax[..., None], G[..., None], axis=-1)
        dx = np.zeros(self.x_shape, dtype=G.dtype)  # the dropped remainder: gradient 0
        dx[..., : Ho * s1, : Wo * s2] = np.moveaxis(
            dwindows.reshape(*lead, Ho, Wo, s1, s2), -2, -3
        ).reshape(*lead, Ho * s1, Wo * s2)  # (8.6): dL/dx[i s1 + p*, j s2 + q*] = G[i, j]
        return dx

    def step(self, lr):
        """Do nothing: MaxPool2D has no parameters (``lr`` must still be a real number)."""
        _learning_rate(lr)

    def __repr__(self):
        s1, s2 = self.size
        return f"MaxPool2D({s1 if s1 == s2 else self.size})"


# --------------------------------------------------------------------------------------------
# Flatten
# --------------------------------------------------------------------------------------------


class Flatten:
    r"""Flatten each sample: ``(N, C, H, W)`` to ``(N, C * H * W)``; nothing to learn.

    Notes
    -----
    Like ``torch.nn.Flatten()``: the first axis is the batch and is kept; the others are read
    in row-major (C) order. Flattening only moves numbers, so the gradient is moved back:

    .. math::

        y[n, :] = \operatorname{vec}(x[n]), \qquad
        \frac{\partial L}{\partial x}[n] = \operatorname{vec}^{-1}(G[n, :]).

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.nn import Flatten
    >>> flat = Flatten()
    >>> flat.forward(np.arange(8).reshape(2, 1, 2, 2))
    array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]])
    >>> flat.backward(np.ones((2, 4))).shape
    (2, 1, 2, 2)
    """

    def __init__(self):
        self.x_shape = None

    def forward(self, x):
        """Return ``x`` with each sample flattened to one row, ``(N, everything else)``."""
        x = as_real_nd(x, "input x of Flatten", None, "(N, ...), N samples", min_ndim=2)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1).copy()  # y[n, :] = vec(x[n]); a copy, not a view of x

    def backward(self, G):
        """Return ``G`` put back into the input's shape."""
        _need_forward(self, self.x_shape)
        N, *rest = self.x_shape
        G = _upstream(G, (N, int(np.prod(rest))), self)
        return G.reshape(self.x_shape).copy()  # dL/dx[n] = vec⁻¹(G[n, :])

    def step(self, lr):
        """Do nothing: Flatten has no parameters (``lr`` must still be a real number)."""
        _learning_rate(lr)

    def __repr__(self):
        return "Flatten()"


# --------------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------------


class Linear:
    r"""A dense (fully connected) layer :math:`y = x w^T + b`, (8.3).

    Parameters
    ----------
    w : array_like, shape (out, in)
        The weights, one row per output, as in ``torch.nn.Linear``; the layer keeps its copy.
    b : array_like, shape (out,), optional
        The bias, one per output (default zeros).

    Attributes
    ----------
    w : ndarray, shape (out, in)
    b : ndarray, shape (out,)
    dw : ndarray, shape (out, in), or None
        :math:`\partial L / \partial w` from the last ``backward``.
    db : ndarray, shape (out,), or None
        :math:`\partial L / \partial b` from the last ``backward``.

    Notes
    -----
    For a batch ``x`` of shape ``(N, in)``,

    .. math::

        y[n, o] = \sum_{i} w[o, i]\, x[n, i] + b[o].

    A weight :math:`w[o, i]` touches output :math:`o` of every sample, the bias :math:`b[o]`
    too, and an input :math:`x[n, i]` every output of its sample, so that (8.4)

    .. math::

        \frac{\partial L}{\partial w}[o, i] &= \sum_n G[n, o]\, x[n, i]
            &&= (G^T x)[o, i] \\
        \frac{\partial L}{\partial b}[o] &= \sum_n G[n, o] \\
        \frac{\partial L}{\partial x}[n, i] &= \sum_o G[n, o]\, w[o, i] &&= (G w)[n, i],

    and ``step(lr)`` is :math:`w \leftarrow w - \eta\, \partial L / \partial w`,
    :math:`b \leftarrow b - \eta\, \partial L / \partial b`.

    Examples
    --------
    >>> from convlib.nn import Linear
    >>> dense = Linear([[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0])
    >>> dense.forward([[1.0, 1.0]])
    array([[ 3.5, -1. ]])
    >>> dense.backward([[1.0, 0.0]])
    array([[1., 2.]])
    >>> dense.dw, dense.db
    (array([[1., 1.],
           [0., 0.]]), array([1., 0.]))
    >>> dense.step(0.5)
    >>> dense.w
    array([[ 0.5,  1.5],
           [ 0. , -1. ]])
    """

    def __init__(self, w, b=None):
        w = as_real_nd(w, "weights w of Linear", 2, "(out, in)")
        if b is None:
            b = np.zeros(w.shape[0], dtype=w.dtype)
        b = as_real_nd(b, "bias b of Linear", 1, "(out,)")
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"bias b of Linear must have shape ({w.shape[0]},), one per row of w (w has "
                f"shape {w.shape} = (out, in)); got shape {b.shape}"
            )
        self.w, self.b = (np.array(a) for a in common_float(w, b))  # copies
        self.x = None
        self.dw = None
        self.db = None

    @classmethod
    def from_shape(cls, n_in, n_out, *, seed=0):
        r"""Make a layer with He-initialised weights and a zero bias.

        The weights are drawn from :math:`\mathcal{N}(0, 2 / n_\text{in})` (He et al., 2015,
        for a layer after a ReLU) with ``numpy.random.default_rng(seed)``: the same seed gives
        the same layer.

        Parameters
        ----------
        n_in, n_out : int
            Inputs (features per sample) and outputs.
        seed : int, optional
            The seed of the random generator.

        Examples
        --------
        >>> from convlib.nn import Linear
        >>> dense = Linear.from_shape(72, 10, seed=0)
        >>> dense.w.shape, dense.b.shape
        ((10, 72), (10,))
        """
        n_in = as_int(n_in, "n_in", minimum=1)
        n_out = as_int(n_out, "n_out", minimum=1)
        rng = np.random.default_rng(seed)
        return cls(rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in), np.zeros(n_out))

    def forward(self, x):
        r"""Return :math:`y = x w^T + b` for a batch ``x`` of shape ``(N, in)``; keep ``x``."""
        n_out, n_in = self.w.shape
        hint = ": put a Flatten() before it" if np.ndim(x) > 2 else ""
        x = as_real_nd(x, "input x of Linear", 2, f"(N, in) = (N, {n_in}){hint}")
        if x.shape[1] != n_in:
            raise ValueError(
                f"input x of Linear must have shape (N, {n_in}), {n_in} features per sample to "
                f"match w of shape {self.w.shape} = (out, in); got shape {x.shape}: the layer "
                f"before gives {x.shape[1]} features"
            )
        self.x = np.array(x)  # a copy: later changes to x cannot leak into backward
        return self.x @ self.w.T + self.b  # (8.3): y[n, o] = Σ_i w[o, i] x[n, i] + b[o]

    def backward(self, G):
        r"""Return :math:`\partial L / \partial x = G w`; keep ``dw`` and ``db``, (8.4)."""
        _need_forward(self, self.x)
        G = _upstream(G, (self.x.shape[0], self.w.shape[0]), self)
        self.dw = G.T @ self.x  # dL/dw[o, i] = Σ_n G[n, o] x[n, i]
        self.db = G.sum(axis=0)  # dL/db[o] = Σ_n G[n, o]
        return G @ self.w  # dL/dx[n, i] = Σ_o G[n, o] w[o, i]

    def step(self, lr):
        r"""Take a gradient-descent step on ``w`` and ``b`` with learning rate ``lr``."""
        lr = _learning_rate(lr)
        if self.dw is None:
            raise RuntimeError("Linear.step(lr) needs the gradients of backward(G): call it first")
        self.w = self.w - lr * self.dw  # w ← w - η dL/dw
        self.b = self.b - lr * self.db  # b ← b - η dL/db

    def __repr__(self):
        n_out, n_in = self.w.shape
        return f"Linear(in={n_in}, out={n_out})"


# --------------------------------------------------------------------------------------------
# Sequential
# --------------------------------------------------------------------------------------------


class Sequential:
    r"""Layers applied one after the other; ``backward`` runs them in reverse.

    Parameters
    ----------
    *layers
        Objects with ``forward(x)``, ``backward(G)`` and ``step(lr)``: the layers of this
        module, :class:`convlib.Conv2D`, or your own.

    Attributes
    ----------
    layers : tuple
        The layers, in order; ``model[k]`` is ``model.layers[k]``.

    Notes
    -----
    With :math:`f_k` = ``layers[k]``, the network is the composition
    :math:`x_{k+1} = f_k(x_k)`, :math:`k = 0, \dots, K - 1`, from :math:`x_0 = x` to the output
    :math:`x_K`. A layer's input is the previous layer's output, so the gradient a layer hands
    down, :math:`\partial L / \partial x_k`, is the upstream gradient of the layer before it:

    .. math::

        G_K = \frac{\partial L}{\partial x_K}, \qquad
        G_k = \frac{\partial L}{\partial x_k} = f_k\texttt{.backward}(G_{k+1}),
        \quad k = K - 1, \dots, 0,

    and :math:`\partial L / \partial x = G_0`. When a layer refuses its input, the error says
    which layer it is.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.nn import Flatten, Linear, ReLU, Sequential, softmax_cross_entropy
    >>> model = Sequential(Flatten(), Linear.from_shape(4, 3, seed=0), ReLU(),
    ...                    Linear.from_shape(3, 2, seed=1))
    >>> model
    Sequential(Flatten(), Linear(in=4, out=3), ReLU(), Linear(in=3, out=2))
    >>> x, labels = np.arange(8.0).reshape(2, 2, 2) / 8, np.array([0, 1])
    >>> L, G = softmax_cross_entropy(model.forward(x), labels)
    >>> model.backward(G).shape
    (2, 2, 2)
    >>> model.step(0.1)
    >>> L_after, _ = softmax_cross_entropy(model.forward(x), labels)
    >>> bool(L_after < L)
    True
    """

    def __init__(self, *layers):
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        for k, layer in enumerate(layers):
            if isinstance(layer, type):
                raise TypeError(
                    f"layer {k} of Sequential is the class {layer.__name__}, not a layer: "
                    f"write {layer.__name__}(...)"
                )
            missing = [
                m for m in ("forward", "backward", "step") if not callable(getattr(layer, m, None))
            ]
            if missing:
                raise TypeError(
                    f"layer {k} of Sequential must have forward(x), backward(G) and step(lr) "
                    f"methods; {type(layer).__name__} has no {', '.join(missing)}"
                )
        self.layers = tuple(layers)

    def _call(self, k, method, arg):
        """Call ``layers[k].method(arg)``; an error it raises says which layer it is."""
        layer = self.layers[k]
        try:
            return getattr(layer, method)(arg)
        except (ValueError, TypeError, RuntimeError) as error:
            if type(error) not in (ValueError, TypeError, RuntimeError):
                raise
            where = f"layer {k} ({type(layer).__name__}) of Sequential"
            raise type(error)(f"{where}, {method}: {error}") from error

    def forward(self, x):
        r"""Return :math:`f_K(\cdots f_1(x))`, each layer keeping what its backward needs."""
        for k in range(len(self.layers)):
            x = self._call(k, "forward", x)  # x_{k+1} = f_k(x_k)
        return x

    def backward(self, G):
        r"""Return :math:`\partial L / \partial x`, each layer handing its gradient down."""
        for k in reversed(range(len(self.layers))):
            G = self._call(k, "backward", G)  # G_k = dL/dx_k = f_k.backward(G_{k+1})
        return G

    def step(self, lr):
        """Take a gradient-descent step in every layer, with the same learning rate ``lr``."""
        lr = _learning_rate(lr)
        for k in range(len(self.layers)):
            self._call(k, "step", lr)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, k):
        return self.layers[k]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"


# --------------------------------------------------------------------------------------------
# softmax_cross_entropy
# --------------------------------------------------------------------------------------------


def softmax_cross_entropy(logits, labels):
    r"""Softmax cross-entropy (batch mean) and its gradient: :math:`(L, \partial L / \partial z)`.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        The network's output :math:`z`: one row of ``K`` class scores per sample.
    labels : array_like of int, shape (N,)
        The true classes, integers ``0 <= label < K``.

    Returns
    -------
    L : numpy scalar
        :math:`-\frac{1}{N} \sum_n \log p[n, y_n]`, the mean over the batch.
    G : ndarray, shape (N, K)
        :math:`\partial L / \partial z = (p - \operatorname{onehot}(y)) / N`, the upstream
        gradient to hand to the network's ``backward``.

    Raises
    ------
    TypeError
        If ``logits`` is not real or ``labels`` are not integers (``3.0`` included).
    ValueError
        If ``logits`` is not 2-D or is empty, if there is not one label per row, or if a label
        is out of range.

    Notes
    -----
    With :math:`p[n, k] = e^{z[n, k]} / \sum_{k'} e^{z[n, k']}` (the softmax), (8.1),

    .. math::

        L = -\frac{1}{N} \sum_{n} \log p[n, y_n]
          = \frac{1}{N} \sum_n \Bigl(\log \sum_{k} e^{z[n, k]} - z[n, y_n]\Bigr).

    A logit :math:`z[n, k]` touches only sample :math:`n`'s term, through the log-sum-exp
    (derivative :math:`p[n, k]`) and, when :math:`k = y_n`, through :math:`-z[n, y_n]`, (8.2):

    .. math::

        \frac{\partial L}{\partial z[n, k]}
        = \frac{1}{N}\bigl(p[n, k] - \mathbb{1}[k = y_n]\bigr).

    Computed stably: each row's maximum :math:`m_n` is subtracted first,
    :math:`\log \sum_k e^{z[n, k]} = m_n + \log \sum_k e^{z[n, k] - m_n}`, so no exponential
    overflows, and logits of :math:`10^4` give finite values. NaN and inf in ``logits``
    propagate.

    Examples
    --------
    >>> from convlib.nn import softmax_cross_entropy
    >>> L, G = softmax_cross_entropy([[0.0, 0.0]], [0])
    >>> L  # log 2
    np.float64(0.6931471805599453)
    >>> G
    array([[-0.5,  0.5]])
    >>> L, G = softmax_cross_entropy([[1000.0, 0.0]], [1])
    >>> L, G
    (np.float64(1000.0), array([[ 1., -1.]]))
    """
    z = as_real_nd(logits, "logits", 2, "(N, K): one row of K class scores per sample")
    N, K = z.shape
    y = as_labels(labels, N, K)
    rows = np.arange(N)
    with np.errstate(invalid="ignore"):  # inf - inf is nan, without a warning
        shifted = z - z.max(axis=1, keepdims=True)  # z - m_n <= 0: no exp overflows
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log softmax
    L = -log_p[rows, y].mean()  # (8.1): L = -(1/N) Σ_n log p[n, y_n]
    G = np.exp(log_p)  # p
    G[rows, y] -= 1  # p - onehot(y)
    G /= N  # (8.2): dL/dz = (p - onehot(y)) / N
    return L, G
