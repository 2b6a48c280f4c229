r"""The layer-peeled model with unequal class sizes: exact class-mean reduction, spectrum, closed form, descent.

Class c has :math:`n_c\ge1` examples (class-major columns), :math:`n=\sum_cn_c`, :math:`D=\operatorname{diag}(n_c)`,
Y the :math:`C\times n` label matrix. The unhinged loss averaged over the n examples has
:math:`M=\frac1n((1+\gamma)Y-\gamma\mathbf 1_C\mathbf 1_n^\top)=\frac1nAY` with
:math:`A=(1+\gamma)I_C-\gamma\mathbf 1\mathbf 1^\top`,
and :math:`b_c'=\eta_2(\frac{(1+\gamma)n_c-\gamma n}n-\lambda_2b_c)`. Since :math:`YY^\top=D`, the coordinates
:math:`X=HY^\top D^{-1/2}` (:math:`\sqrt{n_c}` times the class means) and W obey

.. math::

    X'=\eta_1(WK^\top-\lambda_1X),\qquad W'=\eta_2(XK-\lambda_2W),\qquad K=\tfrac1nD^{1/2}A\quad(C\times C),

and the within-class part :math:`E=H-XD^{-1/2}Y` obeys :math:`E'=-\lambda_1\eta_1E`. With :math:`K=P\Sigma Q^\top`
(singular values :math:`\sigma_k`) the coordinates :math:`(Xp_k,Wq_k)` follow the 2 x 2 system of
:mod:`ulproofs.core.any_rates` with coupling :math:`\sigma_k`: any rates, any weight decay, and gradient descent as
an ordered product. For N examples in every class, :math:`\sigma` are Theorem 2's eigenvalues.

Two groups (:func:`two_group_spectrum`): :math:`K_A` classes of :math:`n_A` examples and :math:`K_B` of :math:`n_B`.
K maps centred vectors supported on group A to :math:`\sigma_A=(1+\gamma)\sqrt{n_A}/n` times themselves (multiplicity
:math:`K_A-1`), likewise :math:`\sigma_B`, and the span of the group indicators by the 2 x 2
:math:`\bar K=\frac1n\operatorname{diag}(\sqrt{n_A},\sqrt{n_B})\bigl((1+\gamma)I-\gamma vv^\top\bigr)`,
:math:`v=(\sqrt{K_A},\sqrt{K_B})`.

>>> sizes = class_sizes([3, 3, 1, 1])
>>> problem = ImbalancedProblem(p=2, sizes=sizes, gamma=0.25)
>>> [round(float(x), 9) for x in problem.singular_values()]     # sigma_A, sigma_1, sigma_B, sigma_2
[0.270632939, 0.222106616, 0.15625, 0.038077566]
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import cache

import numpy as np
import sympy as sp
import torch

from .errors import AssumptionError
from .rates import checked_rates
from .validation import weight_decay_pair

K_A, K_B, n_A, n_B = sp.symbols("K_A K_B n_A n_B", positive=True, integer=True)
gamma = sp.Symbol("gamma", nonnegative=True)


def class_sizes(sizes):
    """The per-class example counts as an int array; each must be an integer >= 1 and there must be >= 2 classes."""
    values = list(sizes)
    if len(values) < 2:
        raise AssumptionError(f"the setting needs at least two classes, C >= 2 (got {len(values)} class sizes)")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise AssumptionError(f"every class needs at least one example: sizes must be integers >= 1 (got "
                                  f"{value!r})")
    return np.array(values, dtype=np.int64)


def two_groups(classes_a, size_a, classes_b, size_b):
    """Sizes of K_A classes with n_A examples followed by K_B classes with n_B (K_A + K_B >= 2, sizes >= 1)."""
    for name, value in (("K_A", classes_a), ("K_B", classes_b)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise AssumptionError(f"group {name} must be a number of classes >= 0 (got {value!r})")
    if classes_a + classes_b < 2:
        raise AssumptionError(f"the setting needs at least two classes, K_A + K_B >= 2 (got {classes_a + classes_b})")
    return class_sizes([size_a] * classes_a + [size_b] * classes_b)


def long_tailed(classes, largest, ratio):
    r""":math:`n_c=\lfloor n_{\max}\rho^{-c/(C-1)}\rceil` (rounded, at least 1), c = 0..C-1 (Cao et al.'s profile)."""
    if not (np.isfinite(ratio) and ratio >= 1):
        raise AssumptionError(f"the imbalance ratio rho = n_max/n_min must be finite and >= 1 (got {ratio!r})")
    c = np.arange(classes)
    return class_sizes([max(1, int(round(largest * ratio ** (-k / (classes - 1))))) for k in c])


@dataclass(frozen=True)
class ImbalancedProblem:
    """Sizes (p, per-class counts) and trade-off gamma of the imbalanced layer-peeled model."""

    p: int
    sizes: tuple
    gamma: float

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(x) for x in class_sizes(self.sizes)))
        if isinstance(self.p, bool) or not isinstance(self.p, numbers.Integral) or self.p < 1:
            raise AssumptionError(f"the setting needs a feature dimension p >= 1 (got p={self.p!r})")
        if not (np.isfinite(self.gamma) and self.gamma >= 0):
            raise AssumptionError(f"the unhinged loss takes a trade-off gamma >= 0 (got {self.gamma!r})")
        object.__setattr__(self, "gamma", float(self.gamma))

    @property
    def C(self):
        return len(self.sizes)

    @property
    def n(self):
        return int(sum(self.sizes))

    def labels(self):
        return np.repeat(np.arange(self.C), self.sizes)

    def operator_K(self):
        r""":math:`K=\frac1nD^{1/2}((1+\gamma)I-\gamma\mathbf 1\mathbf 1^\top)`."""
        A = (1 + self.gamma) * np.eye(self.C) - self.gamma * np.ones((self.C, self.C))
        return np.sqrt(np.array(self.sizes, dtype=float))[:, None] * A / self.n

    def singular_values(self):
        return np.linalg.svd(self.operator_K(), compute_uv=False)

    def M_dense(self):
        """M (C x n) entry by entry: ((1+gamma)[class = c] - gamma)/n."""
        Y = (self.labels()[None, :] == np.arange(self.C)[:, None]).astype(float)
        return ((1 + self.gamma) * Y - self.gamma) / self.n

    def bias_drift(self):
        r""":math:`((1+\gamma)n_c-\gamma n)/n` per class."""
        return ((1 + self.gamma) * np.array(self.sizes, dtype=float) - self.gamma * self.n) / self.n

    def check_shapes(self, H=None, W=None):
        for name, x, shape in (("H", H, (self.p, self.n)), ("W", W, (self.p, self.C))):
            if x is not None and tuple(np.shape(x)) != shape:
                raise AssumptionError(f"{name} must have shape {shape} (got {tuple(np.shape(x))})")


class ImbalancedDynamics:
    r"""Z(t) from the SVD of K: each singular value's 2 x 2 propagator :math:`\phi_k` (:meth:`flow_propagators` for
    constant rates, :meth:`descent_propagators` for descent); ``operator`` replaces K (mutants)."""

    def __init__(self, problem, H0, W0, weight_decay=(0.0, 0.0), operator=None):
        problem.check_shapes(H0, W0)
        self.problem = problem
        self.weight_decay = weight_decay_pair(weight_decay)
        P, sigma, Qt = np.linalg.svd(problem.operator_K() if operator is None else operator)
        self.P, self.sigma, self.Q = P, sigma, Qt.T
        labels, sizes = problem.labels(), np.array(problem.sizes, dtype=float)
        sums = np.zeros((problem.p, problem.C))
        np.add.at(sums.T, labels, np.asarray(H0, dtype=float).T)
        self.X0 = sums / np.sqrt(sizes)
        self.E0 = np.asarray(H0, dtype=float) - (sums / sizes)[:, labels]
        self.x0, self.w0 = self.X0 @ P, np.asarray(W0, dtype=float) @ self.Q

    def generators(self, rate1, rate2):
        """The 2 x 2 generators [[-l1 eta1, eta2 sigma], [eta1 sigma, -l2 eta2]] per singular value, (C, 2, 2)."""
        decay1, decay2 = self.weight_decay
        G = np.empty((self.sigma.size, 2, 2))
        G[:, 0, 0], G[:, 0, 1] = -decay1 * rate1, rate2 * self.sigma
        G[:, 1, 0], G[:, 1, 1] = rate1 * self.sigma, -decay2 * rate2
        return G

    def flow_propagators(self, rate, ratio, t):
        r""":math:`\exp(t\,a_k)` for the constant rates :math:`\eta_1=s\eta_2`, :math:`\eta_2` = ``rate``."""
        from scipy.linalg import expm

        G = self.generators(ratio * rate, rate)
        return np.stack([expm(t * g) for g in G]), np.exp(-self.weight_decay[0] * ratio * rate * t)

    def descent_propagators(self, rates1, rates2):
        r"""The ordered products :math:`\prod_k(I+a_{k})` over the steps' rates, and
        :math:`\prod_k(1-\lambda_1\eta_{1,k})`."""
        rates1 = checked_rates("eta1", rates1)
        rates2 = checked_rates("eta2", rates2)
        phi = np.broadcast_to(np.eye(2), (self.sigma.size, 2, 2)).copy()
        kernel = 1.0
        for rate1, rate2 in zip(rates1, rates2):
            phi = phi @ (np.eye(2) + self.generators(rate1, rate2))
            kernel *= 1 - self.weight_decay[0] * rate1
        return phi, kernel

    def state(self, propagators):
        """(H, W) from (phi of shape (C, 2, 2), the within-class scalar)."""
        phi, kernel = propagators
        x = self.x0 * phi[:, 0, 0] + self.w0 * phi[:, 1, 0]
        w = self.x0 * phi[:, 0, 1] + self.w0 * phi[:, 1, 1]
        X, W = x @ self.P.T, w @ self.Q.T
        sizes = np.array(self.problem.sizes, dtype=float)
        return kernel * self.E0 + (X / np.sqrt(sizes))[:, self.problem.labels()], W


def imbalanced_descent(problem, H0, W0, b0, rates1, rates2, weight_decay=(0.0, 0.0), train_prototypes=True,
                       record_steps=None, device=None, dtype=torch.float64):
    r"""Plain gradient descent on the imbalanced loss (torch): :math:`H\leftarrow H+\eta_1(WM-\lambda_1H)`,
    :math:`W\leftarrow W+\eta_2(HM^\top-\lambda_2W)`, :math:`b\leftarrow b+\eta_2(\kappa-\lambda_2b)`, with
    :math:`WM=\frac1nWA` read at each example's class and :math:`HM^\top=\frac1n S A` (S the class sums): O(pn) a step.
    ``train_prototypes=False`` keeps W and b fixed (the prototype-anchored model). Returns {step: (H, W, b)}."""
    problem.check_shapes(H0, W0)
    rates1, rates2 = checked_rates("eta1", rates1), checked_rates("eta2", rates2)
    if rates1.shape != rates2.shape:
        raise AssumptionError(f"eta1 and eta2 need one rate per step (got {rates1.shape} and {rates2.shape})")
    decay1, decay2 = (float(x) for x in weight_decay)
    steps = rates1.size
    record_steps = {steps} if record_steps is None else set(record_steps)
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))

    def tensor(x):
        return torch.tensor(np.asarray(x, dtype=float), dtype=dtype, device=device)

    H, W, b = tensor(H0), tensor(W0), tensor(b0)
    A = tensor((1 + problem.gamma) * np.eye(problem.C) - problem.gamma * np.ones((problem.C, problem.C))) / problem.n
    labels = torch.tensor(problem.labels(), device=device)
    drift = tensor(problem.bias_drift())
    out = {}
    for k in range(steps + 1):
        if k in record_steps:
            out[k] = tuple(x.cpu().numpy().copy() for x in (H, W, b))
        if k == steps:
            break
        sums = torch.zeros_like(W).index_add_(1, labels, H)
        H_next = (1 - rates1[k] * decay1) * H + rates1[k] * (W @ A)[:, labels]
        if train_prototypes:
            W = (1 - rates2[k] * decay2) * W + rates2[k] * (sums @ A)
            b = (1 - rates2[k] * decay2) * b + rates2[k] * drift
        H = H_next
    return out


# --- two groups, symbolically ----------------------------------------------------------------------
def _group_matrices():
    size = K_A * n_A + K_B * n_B
    v = sp.Matrix([sp.sqrt(K_A), sp.sqrt(K_B)])
    A_bar = (1 + gamma) * sp.eye(2) - gamma * v * v.T
    K_bar = sp.diag(sp.sqrt(n_A), sp.sqrt(n_B)) * A_bar / size
    return size, v, A_bar, K_bar


@cache
def two_group_spectrum():
    r"""{"A": sigma_A, "B": sigma_B, "group": K_bar (2 x 2), "n": n}: K on within-group centred vectors and on the
    span of the group indicators (orthonormal basis :math:`\mathbf 1_A/\sqrt{K_A},\mathbf 1_B/\sqrt{K_B}`)."""
    size, _, _, K_bar = _group_matrices()
    return {"A": (1 + gamma) * sp.sqrt(n_A) / size, "B": (1 + gamma) * sp.sqrt(n_B) / size, "group": K_bar,
            "n": size}


def apply_K_symbolically(alpha, beta, centred_a, centred_b):
    r"""K applied to :math:`\alpha\mathbf 1_A+\beta\mathbf 1_B+u_A+u_B` (:math:`u_G` centred on group G), written
    from the definition :math:`K=\frac1nD^{1/2}((1+\gamma)I-\gamma\mathbf 1\mathbf 1^\top)` with
    :math:`\mathbf 1^\top u_G=0`: returns the coefficients (of :math:`\mathbf 1_A`, :math:`\mathbf 1_B`, :math:`u_A`,
    :math:`u_B`)."""
    size = K_A * n_A + K_B * n_B
    total = alpha * K_A + beta * K_B                      # 1^T x
    return ((sp.sqrt(n_A) * ((1 + gamma) * alpha - gamma * total)) / size,
            (sp.sqrt(n_B) * ((1 + gamma) * beta - gamma * total)) / size,
            sp.sqrt(n_A) * (1 + gamma) * centred_a / size, sp.sqrt(n_B) * (1 + gamma) * centred_b / size)


@cache
def dominance_polynomial():
    r""":math:`q(x)=x^2-\operatorname{tr}(\bar K^\top\bar K)\,x+\det(\bar K)^2` (roots :math:`\sigma_1^2,\sigma_2^2`) at
    :math:`\sigma_A^2` and :math:`\sigma_B^2`, factored."""
    size, _, _, K_bar = _group_matrices()
    trace, det = sp.simplify((K_bar.T * K_bar).trace()), sp.simplify(K_bar.det())
    spectrum = two_group_spectrum()
    at = {key: sp.factor(sp.simplify(spectrum[key] ** 4 - trace * spectrum[key] ** 2 + det ** 2)) for key in "AB"}
    return at
