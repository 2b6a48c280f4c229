r"""Theorem 2: closed-form dynamics without constraints (Eqs. 5--7, 27--46).

Statement (Eq. 6--7). *Consider the gradient flow of Eq. 5 and let* :math:`Z(t)=(H(t),W(t))`.
*If* :math:`\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)` *for all* :math:`t_1,t_2>0`, *then*

.. math::

    Z(t)=\sum_{k\in\{1^\pm,2^\pm\}}\Pi_k Z_0\bigl(\alpha_k(t)C(t)+\beta_k(t)I_{C(N+1)}\bigr)
         +\Pi_3 Z_0,\qquad
    b(t)=b_0+\frac{1+\gamma-\gamma C}{C}\,\zeta_2(t)\,\mathbf 1_C,

with :math:`C(t)=\operatorname{diag}(\zeta_1 I_{CN},\zeta_2 I_C)` and, for the eigenvalue
:math:`\sigma_k` of the subspace (:mod:`ulproofs.operator`),

.. math::

    \alpha_k(t)=\frac{\sinh\bigl(\sigma_k\sqrt{\zeta_1\zeta_2}\bigr)}{\sqrt{\zeta_1\zeta_2}},\qquad
    \beta_k(t)=\cosh\bigl(\sigma_k\sqrt{\zeta_1\zeta_2}\bigr).

Reading: Eq. 7's factor is printed as :math:`(1+\gamma-\gamma C)\zeta(t)`; the proof (Eq. 46)
integrates :math:`b'=\eta_2\frac{1+\gamma-\gamma C}{C}\mathbf 1_C`, so the bias is read with
the 1/C and with :math:`\zeta_2`.

Gradient descent with steps :math:`\eta_{1,j}=s\,\eta_{2,j}` has the exact discrete analogue
(:meth:`UnconstrainedDynamics.discrete_coefficients`): each component's pair of multipliers
evolves by :math:`\bigl(\begin{smallmatrix}1&\eta_{1,j}\sigma\\ \eta_{2,j}\sigma&1\end{smallmatrix}\bigr)`,
whose eigenvalues :math:`1\pm\sigma\sqrt{s}\,\eta_{2,j}` replace :math:`e^{\pm\sigma\sqrt s\,\zeta_2}`.

>>> import numpy as np
>>> from ulproofs.setting import LayerPeeledProblem
>>> from ulproofs.rates import Constant, RatePair
>>> problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((2, 6)), rng.standard_normal((2, 3)), np.zeros(3)
>>> dynamics = UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.1), s=2.0))
>>> H, W = dynamics.state(0.0)
>>> bool(np.allclose(H, H0) and np.allclose(W, W0))
True
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from ..decomposition import Decomposition
from ..operator import derive_spectrum, operator_B, time_scaling
from ..structured import Z_SPACE, C, StructuredMatrix
from ..verdicts import Claim

CLAIM = Claim(
    id="theorem-2",
    title="Closed-form dynamics without constraints",
    statement=("For the gradient flow Z' = Z A(t) of Eq. 5 with eta1(t1) eta2(t2) = eta1(t2) eta2(t1): "
               "Z(t) = sum_{k in 1+-, 2+-} Pi_k Z0 (alpha_k C(t) + beta_k I) + Pi_3 Z0 with "
               "alpha_k = sinh(sigma_k sqrt(z1 z2))/sqrt(z1 z2), beta_k = cosh(sigma_k sqrt(z1 z2)), "
               "and b(t) = b0 + ((1 + gamma - gamma C)/C) zeta2(t) 1_C."),
    equations=("Eq. 5", "Eq. 6", "Eq. 7", "Eq. 27", "Eqs. 30-46"),
    reading=("Eq. 7 prints (1+gamma-gamma C) zeta(t) 1_C; the proof integrates b' = eta2 (1+gamma-gamma C)/C 1_C, "
             "so the bias is read as b0 + ((1+gamma-gamma C)/C) zeta2(t) 1_C. alpha, beta are reconstructed from "
             "Eq. 41 (the OCR garbles them) and re-derived from the series of Eqs. 35-39."),
)

s, t = sp.symbols("s t", positive=True)
zeta = sp.Function("zeta")
zeta1_symbol, zeta2_symbol, sigma_symbol = sp.symbols("zeta_1 zeta_2 sigma", nonnegative=True)


def alpha_beta(sigma, zeta1, zeta2):
    """The scalars alpha, beta of Eq. 41 for eigenvalue sigma."""
    root = sp.sqrt(zeta1 * zeta2)
    return sp.sinh(sigma * root) / root, sp.cosh(sigma * root)


def flow_propagator(ratio=s, integrated_rate=None, formula=None):
    r"""Phi(t) with Z(t) = Z0 Phi(t): sum_k Q_k (alpha_k C(t) + beta_k I), Q_3 taken as is.

    ``integrated_rate`` is :math:`\zeta_2(t)` (default: an undefined function of t), and
    :math:`\zeta_1=s\zeta_2`.
    """
    z2 = zeta(t) if integrated_rate is None else integrated_rate
    z1 = ratio * z2
    identity = StructuredMatrix.identity(Z_SPACE)
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    for component in derive_spectrum():
        if component.sign == 0:
            total = total + component.projector
            continue
        a, b = (formula or alpha_beta)(component.eigenvalue, z1, z2)
        total = total + component.projector @ (time_scaling(z1, z2) * a + identity * b)
    return total


def generator(ratio=s):
    """A(t)/eta2(t) = [[0, M^T], [s M, 0]] for eta1 = s eta2."""
    B = operator_B()
    return B @ time_scaling(ratio, 1)


def prove_flow_equation(formula=None):
    """Phi' = Phi A(t) and Phi(0) = I, as identities in C, N, gamma, s and an arbitrary zeta2(t).

    Returns the residual Phi' - Phi A (a StructuredMatrix that must be zero) and the initial
    residual Phi(0) - I.
    """
    phi = flow_propagator(formula=formula)
    rate = sp.Derivative(zeta(t), t)
    residual = phi.applyfunc(lambda c: sp.diff(c, t)) - (phi @ generator()) * rate
    residual = residual.applyfunc(lambda c: sp.simplify(c.rewrite(sp.exp)))
    at_zero = flow_propagator(integrated_rate=sp.Symbol("z", positive=True), formula=formula).applyfunc(
        lambda c: sp.limit(c, sp.Symbol("z", positive=True), 0)) - StructuredMatrix.identity(Z_SPACE)
    return residual, at_zero


def prove_bias():
    """b(t) = b0 + kappa zeta2(t) solves b' = eta2 kappa 1_C, b(0) = b0 (kappa = (1+g-gC)/C)."""
    from ..operator import gamma

    kappa = (1 + gamma - gamma * C) / C
    b0 = sp.Symbol("b_0")
    bias = b0 + kappa * zeta(t)
    ode = sp.simplify(sp.diff(bias, t) - sp.Derivative(zeta(t), t) * kappa)
    initial = sp.simplify(bias.subs(zeta(t), 0) - b0)
    return ode, initial


def discrete_propagator(ratio=s):
    r"""The exact propagator after K steps as a structured matrix in the symbols
    :math:`P^\pm_k=\prod_j(1\pm\sigma_k\sqrt s\,\eta_{2,j})`."""
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    products = {}
    for component in derive_spectrum():
        if component.sign == 0:
            total = total + component.projector
            continue
        plus, minus = sp.symbols(f"P^+_{{{component.label}}} P^-_{{{component.label}}}")
        products[component.label] = (component.eigenvalue, plus, minus)
        root = sp.sqrt(ratio)
        u = ((1 + root) * plus + (1 - root) * minus) / 2
        v = ((1 + 1 / root) * plus + (1 - 1 / root) * minus) / 2
        total = total + component.projector @ time_scaling(u, v)
    return total, products


def prove_discrete_iterates():
    """Phi_{K+1} = Phi_K (I + eta A_s) once P^± are multiplied by (1 ± sigma sqrt(s) eta)."""
    eta = sp.Symbol("eta", positive=True)
    phi, products = discrete_propagator()
    advanced = phi
    for sigma, plus, minus in products.values():
        advanced = advanced.subs({plus: plus * (1 + sigma * sp.sqrt(s) * eta),
                                  minus: minus * (1 - sigma * sp.sqrt(s) * eta)})
    step = StructuredMatrix.identity(Z_SPACE) + generator() * eta
    residual = advanced - phi @ step
    initial = phi.subs({sym: 1 for _, plus, minus in products.values() for sym in (plus, minus)})
    return residual.simplified(), (initial - StructuredMatrix.identity(Z_SPACE)).simplified()


def _sinhc(x):
    x = np.asarray(x, dtype=float)
    safe = np.where(np.abs(x) < 1e-8, 1.0, x)
    return np.where(np.abs(x) < 1e-8, 1.0 + x * x / 6.0, np.sinh(safe) / safe)


class UnconstrainedDynamics:
    """Theorem 2 evaluated numerically (NumPy float64) for one initialisation.

    ``coefficients(t)`` returns the multipliers (u_k, v_k) of (H_k, W_k), shape (..., 5, 2), so
    that norms and distances come from :class:`~ulproofs.decomposition.Decomposition` without
    forming Z(t); ``state(t)`` forms it.
    """

    def __init__(self, problem, H0, W0, b0, rates, require_proportional=True):
        problem.check_shapes(H0, W0, b0)
        self.problem, self.rates, self.b0 = problem, rates, np.asarray(b0, dtype=float)
        self.ratio = rates.ratio() if require_proportional else None
        self.parts = Decomposition(problem, H0, W0)

    def coefficients(self, t):
        """(u_k, v_k) = (alpha_k zeta1 + beta_k, alpha_k zeta2 + beta_k) at times t."""
        zeta1, zeta2 = (np.asarray(z, dtype=float) for z in self.rates.zetas(t))
        root = np.sqrt(zeta1 * zeta2)[..., None]
        sigma = self.parts.eigenvalues
        x = sigma * root
        alpha = sigma * _sinhc(x)
        beta = np.cosh(x)
        return np.stack([alpha * zeta1[..., None] + beta, alpha * zeta2[..., None] + beta], axis=-1)

    def state(self, t):
        """(H(t), W(t)) at one time t."""
        return self.parts.combine(self.coefficients(np.asarray(t, dtype=float)))

    def bias(self, t):
        zeta2 = np.asarray(self.rates.eta2.integral(t), dtype=float)
        return self.b0 + self.problem.bias_drift() * zeta2[..., None]

    def discrete_coefficients(self, steps):
        """Exact multipliers after k = 0..steps gradient-descent steps, shape (steps+1, 5, 2)."""
        s_ratio = self.rates.ratio()
        eta2 = np.asarray(self.rates.eta2(np.arange(steps)), dtype=float)
        sigma = self.parts.eigenvalues
        factors_plus = 1 + np.sqrt(s_ratio) * sigma[None, :] * eta2[:, None]
        factors_minus = 1 - np.sqrt(s_ratio) * sigma[None, :] * eta2[:, None]
        ones = np.ones((1, sigma.size))
        plus = np.concatenate([ones, np.cumprod(factors_plus, axis=0)])
        minus = np.concatenate([ones, np.cumprod(factors_minus, axis=0)])
        root = np.sqrt(s_ratio)
        u = ((1 + root) * plus + (1 - root) * minus) / 2
        v = ((1 + 1 / root) * plus + (1 - 1 / root) * minus) / 2
        return np.stack([u, v], axis=-1)

    def discrete_state(self, step):
        return self.parts.combine(self.discrete_coefficients(step)[step])

    def discrete_bias(self, step):
        eta2 = np.asarray(self.rates.eta2(np.arange(step)), dtype=float)
        return self.b0 + self.problem.bias_drift() * eta2.sum()


def perturbed_alpha_beta(kind):
    """Mutants of Eq. 41 that the checks must catch: a flipped sign or a wrong constant."""
    if kind == "flipped-sign":
        return lambda sigma, z1, z2: alpha_beta(-sigma, z1, z2)
    if kind == "wrong-constant":
        return lambda sigma, z1, z2: alpha_beta(sigma * sp.Rational(11, 10), z1, z2)
    raise ValueError(kind)
