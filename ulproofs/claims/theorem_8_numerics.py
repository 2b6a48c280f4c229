r"""Theorem 8's numerics: mpmath ground truth, the printed and corrected transforms, the spectral
closed form, and the NTK reading realised with torch autograd.

The evidence that uses them is declared in :mod:`ulproofs.claims.theorem_8`.

>>> from ulproofs.core.setting import LayerPeeledProblem
>>> problem = LayerPeeledProblem(p=1, C=2, N=1, gamma=0.0)       # M = I_2 / 2
>>> H, W = spectral_state(np.zeros((1, 1)), problem, np.array([[1.0, 0.0]]), np.zeros((1, 2)), t=2)
>>> [float(x) for x in W]                                       # K = 0: W(t) = W0 + t H0 M^T
[1.0, 0.0]
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..core import groundtruth
from ..core.errors import AssumptionError
from ..core.operator import derive_spectrum, gamma
from ..core.precision import mp_tolerance, taylor_odefun
from ..core.structured import C, N
from .closed_form_numerics import sympy_to_mp


# ------------------------------------------------------------------------------------------------
# Numeric (mpmath): ground truth, the printed and corrected transforms, the spectral closed form
# ------------------------------------------------------------------------------------------------
def validate_kernel(K, p_):
    """K as a float array, checked to be a symmetric PSD p x p matrix (the NTK assumption)."""
    K = np.asarray(K, dtype=float)
    if K.shape != (p_, p_):
        raise AssumptionError(f"the kernel K = grad H^T grad H is p x p = {p_} x {p_} (got {K.shape})")
    if not np.array_equal(K, K.T):
        raise AssumptionError("the kernel K = grad H^T grad H must be symmetric")
    scale = max(float(np.abs(K).max()), 1.0)
    if np.linalg.eigvalsh(K).min() < -8 * np.finfo(float).eps * p_ * scale:
        raise AssumptionError("the kernel K = grad H^T grad H must be positive semidefinite")
    return K


def _gamma_exact(problem, trade_off):
    value = problem.gamma if trade_off is None else trade_off
    if isinstance(value, Fraction):
        return sp.Rational(value.numerator, value.denominator)
    return sp.Rational(value)


def kron_mp(left, right):
    """The Kronecker product of two mpmath matrices."""
    out = mpmath.matrix(left.rows * right.rows, left.cols * right.cols)
    for i in range(left.rows):
        for j in range(left.cols):
            if left[i, j] == 0:
                continue
            for k in range(right.rows):
                for m in range(right.cols):
                    out[i * right.rows + k, j * right.cols + m] = left[i, j] * right[k, m]
    return out


def vec_row_mp(matrix):
    """Row-first vectorization of an mpmath matrix."""
    out = mpmath.matrix(matrix.rows * matrix.cols, 1)
    for i in range(matrix.rows):
        for j in range(matrix.cols):
            out[i * matrix.cols + j] = matrix[i, j]
    return out


def block_state_mp(H, W):
    """X = diag(H, W) as an mpmath matrix."""
    p_, CN = H.rows, H.cols
    X = mpmath.matrix(2 * p_, CN + W.cols)
    for i in range(p_):
        for j in range(CN):
            X[i, j] = H[i, j]
        for j in range(W.cols):
            X[p_ + i, CN + j] = W[i, j]
    return X


def split_state(z, problem):
    """(H, W, largest off-diagonal entry) from the row-first vector of X."""
    p_, CN, cols = problem.p, problem.examples, problem.examples + problem.C
    X = mpmath.matrix(2 * p_, cols)
    for k in range(z.rows):
        X[k // cols, k % cols] = z[k]
    off = max([abs(X[i, j]) for i in range(p_) for j in range(CN, cols)]
              + [abs(X[p_ + i, j]) for i in range(p_) for j in range(CN)])
    return X[:p_, :CN], X[p_:, CN:], off


def generator_A(K):
    """A = [[0, K], [I_p, 0]] (mpmath)."""
    p_ = K.rows
    A = mpmath.matrix(2 * p_, 2 * p_)
    for i in range(p_):
        for j in range(p_):
            A[i, p_ + j] = K[i, j]
        A[p_ + i, i] = 1
    return A


def generators(K, problem, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    """(K, A, B, A (x) B) at the current precision; B from M's definition (:mod:`ulproofs.core.groundtruth`)."""
    K = groundtruth.mp_matrix(validate_kernel(K, problem.p))
    A = generator_A(K)
    B = groundtruth.dense_generator(problem, 1, trade_off, dps)
    return K, A, B, kron_mp(A, B)


def _require_dps(dps):
    if dps < groundtruth.MIN_DPS:
        raise AssumptionError(f"ground truth is computed at >= {groundtruth.MIN_DPS} significant digits "
                              f"(got dps={dps})")


def initial_vector(problem, H0, W0):
    """z(0): the row-first vector of diag(H0, W0)."""
    problem.check_shapes(H=H0, W=W0)
    return vec_row_mp(block_state_mp(groundtruth.mp_matrix(H0), groundtruth.mp_matrix(W0)))


def expm_solution(K, problem, H0, W0, t, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    r"""Ground truth: :math:`z(t)=\exp(t\,A\otimes B)z(0)` from the explicit Kronecker generator.
    Returns (H, W, largest off-diagonal entry of X(t))."""
    _require_dps(dps)
    with mpmath.workdps(dps):
        _, _, _, G = generators(K, problem, trade_off, dps)
        z = mpmath.expm(groundtruth.to_mp(t) * G) * initial_vector(problem, H0, W0)
        return split_state(z, problem)


def ode_solution(K, problem, H0, W0, t, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    r"""Ground truth without vectorization: mpmath ``odefun`` on :math:`H'=KWM`, :math:`W'=HM^\top`."""
    _require_dps(dps)
    problem.check_shapes(H=H0, W=W0)
    with mpmath.workdps(dps):
        Kmp = groundtruth.mp_matrix(validate_kernel(K, problem.p))
        M = groundtruth.dense_M(problem, trade_off)
        p_, CN, C_ = problem.p, problem.examples, problem.C

        def unpack(y):
            H = mpmath.matrix([[y[i * CN + j] for j in range(CN)] for i in range(p_)])
            W = mpmath.matrix([[y[p_ * CN + i * C_ + j] for j in range(C_)] for i in range(p_)])
            return H, W

        def pack(H, W):
            return [H[i, j] for i in range(p_) for j in range(CN)] + [W[i, j] for i in range(p_) for j in range(C_)]

        length = groundtruth.to_mp(t)

        def derivative(_, y):  # in tau = s / t on [0, 1]: odefun caps its steps at 1/2
            H, W = unpack(y)
            return [length * v for v in pack(Kmp * W * M, H * M.T)]

        start = pack(groundtruth.mp_matrix(H0), groundtruth.mp_matrix(W0))
        return unpack(taylor_odefun(derivative, 0, start)(1))


@dataclass
class Eigendecompositions:
    """A = U_A diag(lam_A) U_A^{-1}, B = U_B diag(lam_B) U_B^{-1} (mpmath, current precision)."""

    lam_A: list
    U_A: mpmath.matrix
    lam_B: list
    U_B: mpmath.matrix

    def diagonal(self):
        r"""The diagonal of :math:`\Lambda_A\otimes\Lambda_B` (row-first order)."""
        return [a * b for a in self.lam_A for b in self.lam_B]


def eigendecompositions(A, B):
    """mpmath.eig for A (not symmetric), mpmath.eigsy for the symmetric B."""
    lam_A, U_A = mpmath.eig(A)
    lam_B, U_B = mpmath.eigsy(B)
    return Eigendecompositions([mpmath.re(x) for x in lam_A], U_A, [lam_B[i] for i in range(B.rows)], U_B)


def corrected_transform(decomposition):
    r""":math:`\mathcal C=U_A^{-1}\otimes U_B^{-1}`."""
    return kron_mp(mpmath.inverse(decomposition.U_A), mpmath.inverse(decomposition.U_B))


def swapped_transform(decomposition):
    r""":math:`U_B^{-1}\otimes U_A^{-1}`: the factors in the printed order, Kronecker instead of product."""
    return kron_mp(mpmath.inverse(decomposition.U_B), mpmath.inverse(decomposition.U_A))


def printed_transform(decomposition):
    r""":math:`\mathcal C=U_B^{-1}U_A^{-1}\otimes I` as printed (Eqs. 24, 95), with I sized to act on z.

    Raises :class:`AssumptionError` when the product is undefined (:func:`printed_transform_condition`).
    """
    U_A, U_B = decomposition.U_A, decomposition.U_B
    if U_B.cols != U_A.rows:
        raise AssumptionError(f"U_B^(-1) U_A^(-1) is undefined: U_B^(-1) is {U_B.rows}x{U_B.cols} and U_A^(-1) is "
                              f"{U_A.rows}x{U_A.cols}; the product needs C(N+1) = 2p")
    product = mpmath.inverse(U_B) * mpmath.inverse(U_A)
    return kron_mp(product, mpmath.eye(U_A.rows * U_B.rows // product.rows))


def diagonal_form_error(transform, diagonal, z0, zt, t):
    r"""Relative error of :math:`\mathcal Cz(t)=e^{Dt}\mathcal Cz(0)`, :math:`D=\operatorname{diag}(diagonal)`."""
    left = transform * zt
    right = transform * z0
    for k, d in enumerate(diagonal):
        right[k] = mpmath.exp(d * groundtruth.to_mp(t)) * right[k]
    return mpmath.norm(left - right) / mpmath.norm(left)


def generator_residual(transform, diagonal, generator):
    r""":math:`\|\mathcal CG-D\mathcal C\|_F/(\|\mathcal C\|_F\|G\|_F)`: zero iff :math:`\mathcal C` diagonalises G to D
    (equivalent to the diagonal form for every z(0))."""
    scaled = transform.copy()
    for i, d in enumerate(diagonal):
        for j in range(transform.cols):
            scaled[i, j] = d * transform[i, j]
    return mpmath.mnorm(transform * generator - scaled, "f") / (mpmath.mnorm(transform, "f")
                                                               * mpmath.mnorm(generator, "f"))


def condition_number(matrix):
    """1-norm condition number."""
    return mpmath.mnorm(matrix, 1) * mpmath.mnorm(mpmath.inverse(matrix), 1)


def _spectral_functions(K, tau):
    r"""(cosh(tau sqrt K), sinh(tau sqrt K)/sqrt K) as entire functions of the symmetric K (eigsy)."""
    kappa, V = mpmath.eigsy(K)
    even, odd = [], []
    for value in (kappa[i] for i in range(K.rows)):
        root = mpmath.sqrt(abs(value))
        if value > 0:
            even.append(mpmath.cosh(tau * root))
            odd.append(mpmath.sinh(tau * root) / root)
        elif value < 0:  # only a rounding-sized negative eigenvalue reaches here (K is validated PSD)
            even.append(mpmath.cos(tau * root))
            odd.append(mpmath.sin(tau * root) / root)
        else:
            even.append(mpmath.mpf(1))
            odd.append(tau)
    return V * mpmath.diag(even) * V.T, V * mpmath.diag(odd) * V.T


@cache
def _dense_spectrum(C_, N_, trade_off):
    """[(sigma_k, Q_k)] of B at concrete sizes and an exact gamma, exact SymPy (from derive_spectrum)."""
    values = {C: C_, N: N_, gamma: trade_off}
    return tuple((sp.nsimplify(c.eigenvalue.subs(values)), c.projector.dense(C_, N_)) for c in derive_spectrum())


def spectral_state(K, problem, H0, W0, t, trade_off=None, dps=groundtruth.DEFAULT_DPS, scale=1):
    r"""The corrected closed form for any PSD K: :math:`X(t)=\sum_ke^{\sigma_ktA}X_0Q_k` with B's five
    eigencomponents from :func:`~ulproofs.core.operator.derive_spectrum` (``scale`` multiplies every
    :math:`\sigma_k`; 1 is the formula, other values are mutants). Returns (H, W) in mpmath."""
    _require_dps(dps)
    problem.check_shapes(H=H0, W=W0)
    with mpmath.workdps(dps):
        Kmp = groundtruth.mp_matrix(validate_kernel(K, problem.p))
        H0m, W0m = groundtruth.mp_matrix(H0), groundtruth.mp_matrix(W0)
        CN = problem.examples
        H = mpmath.matrix(problem.p, CN)
        W = mpmath.matrix(problem.p, problem.C)
        for eigenvalue, projector in _dense_spectrum(problem.C, problem.N, _gamma_exact(problem, trade_off)):
            Q = sympy_to_mp(projector)
            sigma = mpmath.mpf(sp.N(eigenvalue, dps + 10)) * scale
            even, odd = _spectral_functions(Kmp, sigma * groundtruth.to_mp(t))
            H += even * H0m * Q[:CN, :CN] + Kmp * odd * W0m * Q[CN:, :CN]
            W += odd * H0m * Q[:CN, CN:] + even * W0m * Q[CN:, CN:]
        return H, W


def kernel_direction_drift(K, problem, H0, W0, t, trade_off=None, dps=groundtruth.DEFAULT_DPS):
    r"""For a unit :math:`v\in\ker K`: :math:`v^\top W_0+t\,v^\top H_0M^\top` (the exact motion of
    :math:`v^\top W` along the kernel) and the drift :math:`v^\top H_0M^\top`. None if K is nonsingular."""
    with mpmath.workdps(dps):
        Kmp = groundtruth.mp_matrix(validate_kernel(K, problem.p))
        kappa, V = mpmath.eigsy(Kmp)
        smallest = min(range(Kmp.rows), key=lambda i: abs(kappa[i]))
        if abs(kappa[smallest]) > mp_tolerance() * mpmath.mnorm(Kmp, 1):
            return None
        v = V[:, smallest]
        drift = v.T * groundtruth.mp_matrix(H0) * groundtruth.dense_M(problem, trade_off).T
        return v, v.T * groundtruth.mp_matrix(W0) + groundtruth.to_mp(t) * drift, drift


# ------------------------------------------------------------------------------------------------
# The NTK reading, realised: per-example parameters behind a fixed read-out (torch autograd)
# ------------------------------------------------------------------------------------------------
def dyadic_readout(rng, p_, q):
    r"""A read-out :math:`G\in\mathbb R^{p\times q}` with 12-bit dyadic entries, so that
    :math:`K=GG^\top` is exact in float64 (exactly singular when q < p)."""
    return np.round(rng.standard_normal((p_, q)) * 2.0 ** 12) / 2.0 ** 12


def _torch(x):
    import torch

    return torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64)  # a copy: descent updates in place


def feature_model_ntk(G, problem):
    r"""The model :math:`H=G\Theta` (:math:`\Theta\in\mathbb R^{q\times CN}`: q parameters per example):
    its NTK :math:`J J^\top` on :math:`\mathrm{vec_r}(H)`, by autograd. It is constant (H is linear in
    :math:`\Theta`) and equals :math:`K\otimes I_{CN}`, :math:`K=GG^\top`."""
    import torch

    G = _torch(G)
    q, CN = G.shape[1], problem.examples
    jacobian = torch.autograd.functional.jacobian(lambda theta: (G @ theta.reshape(q, CN)).reshape(-1),
                                                  torch.zeros(q * CN, dtype=torch.float64))
    return (jacobian @ jacobian.T).numpy()


def shared_weight_ntk(inputs, p_):
    r"""Contrast: the shared-weight model :math:`H=\Theta X` (:math:`\Theta\in\mathbb R^{p\times d}`,
    inputs X of shape d x CN) has NTK :math:`I_p\otimes X^\top X` on :math:`\mathrm{vec_r}(H)`, which
    couples examples; it has the theorem's form only when :math:`X^\top X\propto I`."""
    import torch

    X = _torch(inputs)
    d = X.shape[0]
    jacobian = torch.autograd.functional.jacobian(lambda theta: (theta.reshape(p_, d) @ X).reshape(-1),
                                                  torch.zeros(p_ * d, dtype=torch.float64))
    return (jacobian @ jacobian.T).numpy()


def autograd_velocity(G, H0, theta, W, problem):
    r"""(H', W') of the gradient flow on :math:`(\Theta,W)` of the unhinged loss (Eq. 2) for the
    linearised model :math:`H=H_0+G\Theta` (Eq. 23), by autograd: :math:`H'=-G\nabla_\Theta L`,
    :math:`W'=-\nabla_WL`."""
    import torch

    G, H0 = _torch(G), _torch(H0)
    theta = _torch(theta).requires_grad_(True)
    W = _torch(W).requires_grad_(True)
    b = torch.zeros(problem.C, dtype=torch.float64)
    grad_theta, grad_W = torch.autograd.grad(problem.loss(H0 + G @ theta, W, b), (theta, W))
    return (-(G @ grad_theta)).numpy(), (-grad_W).numpy()


def parameter_descent(G, H0, W0, problem, step, steps):
    r"""Plain gradient descent on :math:`(\Theta,W)` from :math:`\Theta=0` for :math:`H=H_0+G\Theta`, with
    autograd; returns :math:`(H_k,W_k)` after ``steps`` steps."""
    import torch

    G, H0 = _torch(G), _torch(H0)
    theta = torch.zeros(G.shape[1], problem.examples, dtype=torch.float64, requires_grad=True)
    W = _torch(W0).requires_grad_(True)
    b = torch.zeros(problem.C, dtype=torch.float64)
    for _ in range(steps):
        grad_theta, grad_W = torch.autograd.grad(problem.loss(H0 + G @ theta, W, b), (theta, W))
        with torch.no_grad():
            theta -= step * grad_theta
            W -= step * grad_W
    return (H0 + G @ theta).detach().numpy(), W.detach().numpy()
