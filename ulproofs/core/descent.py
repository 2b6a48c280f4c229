r"""Gradient-descent iterates of the layer-peeled model in PyTorch (float64; CUDA when present).

One step of plain gradient descent on Eq. 2, or on Eq. 11 with weight decay
:math:`(\lambda_1,\lambda_2)` (Eq. 12 read at integer steps):

.. math::

    H_{k+1}=H_k+\eta_{1,k}(W_kM-\lambda_1H_k),\quad W_{k+1}=W_k+\eta_{2,k}(H_kM^\top-\lambda_2W_k),\quad
    b_{k+1}=b_k+\eta_{2,k}\bigl(\tfrac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b_k\bigr).

With ``train_prototypes=False`` W and b stay fixed (the prototype-anchored case, Eq. 16).

Three update rules compute the same iterates:

* ``"dense"``: the naive baseline, explicit :math:`M` and matrix products, O(pC^2N) a step;
* ``"structured"``: products with M by reshaping and summing (O(pCN) a step), H held in full;
* ``"class-mean"``: since :math:`W_kM` is constant within each class,
  :math:`H_k=c_kH_0+D_k\otimes\mathbf 1_N^\top` with a scalar :math:`c_k=\prod_j(1-\eta_{1,j}\lambda_1)`;
  the iteration runs on :math:`(c_k,D_k,W_k)`, O(pC) a step, and H is formed only when recorded.

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=3, C=4, N=2, gamma=0.1)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((3, 8)), rng.standard_normal((3, 4)), np.zeros(4)
>>> rates = RatePair.proportional(Constant(0.5))
>>> a = gradient_descent(problem, H0, W0, b0, rates, steps=20, method="dense")
>>> b = gradient_descent(problem, H0, W0, b0, rates, steps=20, method="class-mean")
>>> bool(np.allclose(a.H[-1], b.H[-1]) and np.allclose(a.W[-1], b.W[-1]))
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from .errors import AssumptionError
from .validation import array, rate_pair, weight_decay_pair

METHODS = ("dense", "structured", "class-mean")


def default_device(device=None):
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class DescentRecord:
    """States at the recorded steps (NumPy arrays) and scalar observations."""

    steps: list = field(default_factory=list)
    H: list = field(default_factory=list)
    W: list = field(default_factory=list)
    b: list = field(default_factory=list)
    observations: list = field(default_factory=list)
    device: str = "cpu"


def gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=None, observe=None, method="class-mean",
                     device=None, dtype=torch.float64, keep_states=True, progress=False, weight_decay=(0.0, 0.0),
                     train_prototypes=True, stop_non_finite=True, check_every=None):
    """Run ``steps`` steps from (H0, W0, b0); record states at ``record_steps`` (default: last).

    Non-finite iterates (inf/NaN, e.g. from too large a rate) stop the run with a
    :class:`NonFiniteIterates` error naming the step where they appeared: checked every ``check_every`` steps
    (default :data:`CHECK_EVERY`; once non-finite, an iterate stays so), then found exactly by rerunning up to
    the failed check with a check every step. ``stop_non_finite=False`` lets them through (to show an overflow).

    ``weight_decay`` is (lambda1, lambda2) of Eq. 11 (lambda2 also decays b);
    ``train_prototypes=False`` keeps W and b fixed.

    ``rates`` is a :class:`~ulproofs.core.rates.RatePair`; step k uses (eta1(k), eta2(k)), so any
    pair (proportional or not) can be iterated. ``observe(H, W, b, step)`` may return a dict of
    scalars stored per recorded step. States are returned as NumPy float64 arrays.
    """
    if method not in METHODS:
        raise AssumptionError(f"method must be one of {METHODS} (got {method!r})")
    if int(steps) != steps or steps < 0:
        raise AssumptionError(f"steps must be a non-negative integer (got {steps!r})")
    H0, W0, b0 = (array(name, x, shape) for name, x, shape in (
        ("H0", H0, (problem.p, problem.examples)), ("W0", W0, (problem.p, problem.C)), ("b0", b0, (problem.C,))))
    rate_pair(rates)
    decay_H, decay_W = weight_decay_pair(weight_decay)
    device = default_device(device)
    check_every = CHECK_EVERY[device.type == "cpu"] if check_every is None else int(check_every)
    if stop_non_finite and check_every > 1:     # the run itself (a negative count: this interval, no second pass)
        try:
            return gradient_descent(problem, H0, W0, b0, rates, steps, record_steps, observe, method, device, dtype,
                                    keep_states, progress, weight_decay, train_prototypes, True,
                                    check_every=-check_every)
        except NonFiniteIterates as error:    # locate the step: the same iterates, checked every step
            gradient_descent(problem, H0, W0, b0, rates, error.step, [], None, method, device, dtype, False, False,
                             weight_decay, train_prototypes, True, check_every=1)
            raise
    check_every = abs(check_every)
    last_finite = 0
    record_steps = sorted(set([steps] if record_steps is None else (int(k) for k in record_steps)))
    if record_steps and (record_steps[0] < 0 or record_steps[-1] > steps):
        raise AssumptionError("record_steps must lie in 0..steps")
    # Python floats: torch takes them as scalars without wrapping each in a tensor.
    eta1 = np.asarray(rates.eta1(np.arange(steps)), dtype=float).tolist()
    eta2 = np.asarray(rates.eta2(np.arange(steps)), dtype=float).tolist()

    def tensor(x):  # a copy: the class-mean update writes into W
        return torch.tensor(np.asarray(x, dtype=float), dtype=dtype, device=device)

    H, W, b = tensor(H0), tensor(W0), tensor(b0)
    C, N, g = problem.C, problem.N, problem.gamma
    drift = problem.bias_drift()
    M = tensor(problem.M_dense()) if method == "dense" else None
    base_H, class_sums0 = H, H.reshape(problem.p, C, N).sum(-1)
    D = torch.zeros_like(W)
    # class-mean: W M = (own W - shared rowsum(W)) (x) 1_N^T and H M^T = own S - shared rowsum(S),
    # S = class sums of H; the update of D is the first without its (x) 1_N^T.
    own, shared = (1 + g) / (C * N), g / (C * N)
    class_sums, W_next = torch.empty_like(W), torch.empty_like(W)

    scale = 1.0  # c_k of the class-mean update

    def current_H():
        return scale * base_H + D.repeat_interleave(N, dim=1) if method == "class-mean" else H

    record = DescentRecord(device=str(device))
    pending = iter(record_steps)
    next_record = next(pending, None)
    for k in tqdm(range(steps + 1), disable=not progress, desc=f"gradient descent ({method})"):
        while next_record == k:
            H_now = current_H()
            record.steps.append(k)
            if keep_states:
                record.H.append(H_now.cpu().numpy())
                record.W.append(W.cpu().numpy().copy())   # W and b are updated in place
                record.b.append(b.cpu().numpy().copy())
            if observe is not None:
                record.observations.append(observe(H_now, W, b, k))
            next_record = next(pending, None)
        if k == steps:
            break
        keep_H, keep_W = 1.0 - eta1[k] * decay_H, 1.0 - eta2[k] * decay_W
        if not train_prototypes:
            keep_W = 1.0
        if method != "class-mean" and stop_non_finite and k % check_every == 0:
            last_finite = _check_finite(k, last_finite, W.sum(), H.sum())
        if method == "dense":
            H_next = keep_H * H + eta1[k] * (W @ M)
            if train_prototypes:
                W = keep_W * W + eta2[k] * (H @ M.T)
            H = H_next
        elif method == "structured":
            H_next = keep_H * H + eta1[k] * problem.apply_M(W)
            if train_prototypes:
                W = keep_W * W + eta2[k] * problem.apply_MT(H)
            H = H_next
        else:
            # in place, with the per-step constants folded into alpha: a few passes over p x C
            W_total = W.sum(1, keepdim=True)
            if stop_non_finite and k % check_every == 0:
                last_finite = _check_finite(k, last_finite, W_total)
            # passes that multiply by 1 are skipped: without weight decay a step is 5 passes over p x C
            if train_prototypes:
                torch.add(class_sums0 if scale == 1.0 else scale * class_sums0, D, alpha=N, out=class_sums)
                sums_total = class_sums.sum(1, keepdim=True)
                torch.add(W, class_sums, alpha=eta2[k] * own, out=W_next).sub_(sums_total, alpha=eta2[k] * shared)
                if keep_W != 1.0:
                    W_next.sub_(W, alpha=1.0 - keep_W)
            if keep_H != 1.0:
                D.mul_(keep_H)
            D.add_(W, alpha=eta1[k] * own).sub_(W_total, alpha=eta1[k] * shared)
            scale *= keep_H
            if train_prototypes:
                W, W_next = W_next, W
        if train_prototypes:
            b = keep_W * b + eta2[k] * drift
    if stop_non_finite:
        _check_finite(steps, last_finite, W, current_H())
    return record


#: Steps between finiteness checks (accelerator, CPU): each check waits for the device and costs a few
#: microseconds, a tenth of a class-mean step at the paper's size.
CHECK_EVERY = {False: 256, True: 16}


class NonFiniteIterates(AssumptionError, ArithmeticError):
    """Gradient descent produced inf/NaN: the rates are too large for the iterates to stay in float range."""

    def __init__(self, step, message):
        super().__init__(message)
        self.step = step


def _check_finite(step, last_finite, *tensors):
    """``step`` if every tensor is finite, else NonFiniteIterates naming the step (state before step ``step``)."""
    if all(bool(torch.isfinite(x).all()) for x in tensors):
        return step
    where = f"at step {step}" if step - last_finite <= 1 else f"between steps {last_finite} and {step}"
    raise NonFiniteIterates(step, f"gradient descent produced non-finite iterates (inf/NaN) {where}: the iterates left "
                            "the floating-point range; take smaller learning rates or fewer steps")




# ------------------------------------------------------------------------------------------------
# Many runs at once: the class-mean update with a batch dimension, in the span of the starts
# ------------------------------------------------------------------------------------------------
@dataclass
class BatchState:
    r"""The state of B runs after ``step`` steps in class-mean form:
    :math:`H=A\otimes\mathbf 1_N^\top+c\,R_0`, with :math:`A` the class means of H, :math:`R_0=H_0-
    \mathrm{means}(H_0)\otimes\mathbf 1_N^\top` the within-class part of the start (unchanged by M) and
    :math:`c=\prod_j(1-\eta_{1,j}\lambda_1)`. ``A`` and ``W`` are held in the coordinates of ``basis``
    (B, p, r), orthonormal columns spanning the start's class means and prototypes (every iterate of A and W
    stays in that span), so :math:`A_{\rm full}=` ``basis @ A``."""

    step: int
    A: torch.Tensor           # (B, r, C)
    W: torch.Tensor           # (B, r, C)
    b: torch.Tensor           # (B, C)
    scale: torch.Tensor       # (B,)
    basis: torch.Tensor       # (B, p, r)
    within: torch.Tensor      # (B, p, CN)
    within_squared: torch.Tensor   # (B,): ||R_0||^2

    def features(self):
        """H in full, (B, p, CN)."""
        means = self.basis @ self.A
        N = self.within.shape[-1] // means.shape[-1]
        return means.repeat_interleave(N, dim=-1) + self.scale[:, None, None] * self.within

    def prototypes(self):
        """W in full, (B, p, C)."""
        return self.basis @ self.W


def batched_descent(problems, starts, rates, steps, record_steps, observe, weight_decays=None, dtype=torch.float64,
                    device=None, progress=None, check_every=None):
    r"""Gradient descent of B runs of one size (p, C, N) at once, each with its own trade-off gamma, start,
    constant rates (eta1, eta2) and weight decay (lambda1, lambda2), as one batched class-mean update.

    The iterates are those of :func:`gradient_descent` (``method="class-mean"``) written in an orthonormal basis Q
    of the span of the start's class means and prototypes: :math:`A_{k+1}=(1-\eta_1\lambda_1)A_k+\eta_1(a W_k-
    g W_k\mathbf 1\mathbf 1^\top)`, :math:`W_{k+1}=(1-\eta_2\lambda_2)W_k+\eta_2N(aA_k-gA_k\mathbf 1\mathbf 1^\top)`
    with :math:`a=\frac{1+\gamma}{CN}`, :math:`g=\frac{\gamma}{CN}`; every term is a right product, so Q^T
    commutes with the step and the run needs r = min(p, 2C) rows instead of p. ``observe(state)`` gets a
    :class:`BatchState` at each of ``record_steps`` and returns anything (kept in order). Non-finite iterates stop
    the run with :class:`NonFiniteIterates` naming the step (as in :func:`gradient_descent`). Returns (steps
    recorded, observations, seconds of iterating).

    >>> import numpy as np
    >>> from ulproofs.core.setting import LayerPeeledProblem
    >>> from ulproofs.core.rates import Constant, RatePair
    >>> problem = LayerPeeledProblem(p=5, C=3, N=2, gamma=0.1)
    >>> rng = np.random.default_rng(0)
    >>> start = rng.standard_normal((5, 6)), rng.standard_normal((5, 3)), np.zeros(3)
    >>> rates = RatePair.proportional(Constant(0.5))
    >>> _, (H,), _ = batched_descent([problem], [start], [rates], 20, [20], lambda s: s.features()[0].numpy())
    >>> single = gradient_descent(problem, *start, rates, 20)
    >>> bool(np.allclose(H, single.H[-1], rtol=1e-12, atol=1e-12))
    True
    """
    import time

    from .rates import Constant

    sizes = {(pb.p, pb.C, pb.N) for pb in problems}
    if len(sizes) != 1 or not (len(problems) == len(starts) == len(rates)):
        raise AssumptionError("batched_descent needs one size (p, C, N) and one start and one RatePair per problem")
    (p, C, N), B = sizes.pop(), len(problems)
    constant = [rate_pair(r) for r in rates]
    if not all(isinstance(r.eta1, Constant) and isinstance(r.eta2, Constant) for r in constant):
        raise AssumptionError("batched_descent takes constant rates (rates.Constant) only")
    decays = [weight_decay_pair(d) for d in (weight_decays or [(0.0, 0.0)] * B)]
    record_steps = sorted({int(k) for k in record_steps})
    if record_steps and (record_steps[0] < 0 or record_steps[-1] > steps):
        raise AssumptionError("record_steps must lie in 0..steps")
    device = default_device(device)
    check_every = CHECK_EVERY[device.type == "cpu"] if check_every is None else check_every
    if check_every > 1:     # the run itself (a negative count: this interval, no second pass)
        try:
            return batched_descent(problems, starts, rates, steps, record_steps, observe, weight_decays, dtype,
                                   device, progress, check_every=-check_every)
        except NonFiniteIterates as error:  # again up to that check, checking every step, to name the step
            batched_descent(problems, starts, rates, error.step, [], None, weight_decays, dtype, device, None, 1)
            raise
    as_tensor = lambda x: torch.as_tensor(np.asarray(x, dtype=float), dtype=dtype, device=device)  # noqa: E731
    H0 = as_tensor(np.stack([array("H0", s[0], (p, C * N)) for s in starts]))
    W0 = as_tensor(np.stack([array("W0", s[1], (p, C)) for s in starts]))
    b = as_tensor(np.stack([array("b0", s[2], (C,)) for s in starts]))
    means = H0.reshape(B, p, C, N).mean(-1)
    within = H0 - means.repeat_interleave(N, dim=-1)
    if 2 * C < p:
        basis = torch.linalg.qr(torch.cat([means, W0], dim=-1).double())[0].to(dtype)    # (B, p, 2C)
    else:
        basis = torch.eye(p, dtype=dtype, device=device).expand(B, p, p)
    # held transposed, (B, C, r): the class totals (B, 1, r) then broadcast over an outer axis, several times
    # faster than over the innermost one
    A, W = ((basis.transpose(1, 2) @ x).transpose(1, 2).contiguous() for x in (means, W0))
    column = lambda values: as_tensor(values).reshape(B, 1, 1)  # noqa: E731
    eta1, eta2 = (np.array([float(getattr(r, name).rate) for r in constant]) for name in ("eta1", "eta2"))
    gammas = np.array([pb.gamma for pb in problems])
    own, shared = (1 + gammas) / (C * N), gammas / (C * N)
    keep_H = 1 - eta1 * np.array([d[0] for d in decays])
    keep_W = 1 - eta2 * np.array([d[1] for d in decays])
    a1, g1, a2, g2 = column(eta1 * own), column(-eta1 * shared), column(eta2 * own * N), column(-eta2 * shared * N)
    a1_scalar, a2_scalar = float(a1.flatten()[0]), float(a2.flatten()[0])
    decaying = bool((keep_H != 1).any() or (keep_W != 1).any())
    kH, kW = column(keep_H), column(keep_W)
    drift = as_tensor(eta2 * np.array([pb.bias_drift() for pb in problems]))[:, None]
    kb = as_tensor(keep_W)[:, None]
    A_next, W_next = torch.empty_like(A), torch.empty_like(W)
    scales = np.cumprod(np.concatenate([np.ones((1, B)), np.tile(keep_H, (steps, 1))]), axis=0)
    within_squared = (within ** 2).sum((1, 2))
    observations, recorded, pending = [], [], iter(record_steps)
    next_record = next(pending, None)
    check_every = abs(check_every)
    last_finite, seconds = 0, 0.0
    started = time.perf_counter()
    for k in range(steps + 1):
        W_total, A_total = W.sum(1, keepdim=True), A.sum(1, keepdim=True)
        if k % check_every == 0 or k == steps:
            last_finite = _check_finite(k, last_finite, W_total, A_total)
        while next_record == k:
            seconds += time.perf_counter() - started
            recorded.append(k)
            observations.append(observe(BatchState(k, A.transpose(1, 2), W.transpose(1, 2), b, as_tensor(scales[k]),
                                                   basis, within, within_squared)))
            next_record = next(pending, None)
            started = time.perf_counter()
        if k == steps:
            break
        # two passes over each of A and W: the scaled class totals (B x 1 x r) broadcast as the sum's first term
        W_total.mul_(g1)
        A_total.mul_(g2)
        if B == 1:      # Python scalars: faster than a broadcast product
            torch.add(W_total, W, alpha=a1_scalar, out=A_next)
            torch.add(A_total, A, alpha=a2_scalar, out=W_next)
        else:
            torch.addcmul(W_total, W, a1, out=A_next)
            torch.addcmul(A_total, A, a2, out=W_next)
        if decaying:
            A_next.addcmul_(A, kH)
            W_next.addcmul_(W, kW)
            b = kb * b + drift
        else:
            A_next.add_(A)
            W_next.add_(W)
            b = b + drift
        A, A_next, W, W_next = A_next, A, W_next, W
        if progress is not None:
            progress.update()
    seconds += time.perf_counter() - started
    return recorded, observations, seconds
