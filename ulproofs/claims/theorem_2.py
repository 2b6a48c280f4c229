r"""Theorem 2: closed-form dynamics without constraints (Eqs. 5--7, 27--46).

Statement (Eq. 6--7). *Consider the gradient flow of Eq. 5 and let* :math:`Z(t)=(H(t),W(t))`.
*If* :math:`\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)` *for all* :math:`t_1,t_2>0`, *then*

.. math::

    Z(t)=\sum_{k\in\{1^\pm,2^\pm\}}\Pi_k Z_0\bigl(\alpha_k(t)C(t)+\beta_k(t)I_{C(N+1)}\bigr)
         +\Pi_3 Z_0,\qquad
    b(t)=b_0+\frac{1+\gamma-\gamma C}{C}\,\zeta_2(t)\,\mathbf 1_C,

with :math:`C(t)=\operatorname{diag}(\zeta_1 I_{CN},\zeta_2 I_C)` and, for the eigenvalue
:math:`\sigma_k` of the subspace (:mod:`ulproofs.core.operator`),

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
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
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

from ..core.decomposition import Decomposition
from ..core.operator import derive_spectrum, operator_B, time_scaling
from ..core.structured import Z_SPACE, C, StructuredMatrix
from ..core.validation import combine_state, time_point
from ..engine.verdicts import Claim
from .cases import exact_problem, non_proportional_rates, ode_rate_cases, random_initial, stacked

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
    from ..core.operator import gamma

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
    that norms and distances come from :class:`~ulproofs.core.decomposition.Decomposition` without
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
        return combine_state(self.parts, self.coefficients(time_point(t)))

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


# --- evidence ---------------------------------------------------------------------------------
def commutator_of_rates():
    r"""[A(t1), A(t2)] in the structured algebra, the rates at the two times being symbols.

    With :math:`a_i=\eta_1(t_i)`, :math:`b_i=\eta_2(t_i)` returns ``(commutator, conditions,
    factor, kernel)``: ``conditions`` solves commutator = 0 for :math:`a_2` (SymPy's solution
    set); ``factor`` is the polynomial that vanishes exactly there, and ``kernel`` =
    commutator / factor, which must be free of the rates.
    """
    from ..core.operator import matrix_M

    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    M = matrix_M()

    def A(rate_features, rate_prototypes):
        return StructuredMatrix.block([[0, M.T * rate_prototypes], [M * rate_features, 0]])

    commutator = (A(a1, b1) @ A(a2, b2) - A(a2, b2) @ A(a1, b1)).simplified()
    conditions = sp.solve(list(commutator.coefficients().values()), a2, dict=True)
    (solution,) = conditions
    factor = sp.factor(sp.numer(sp.together(a2 - solution[a2])))
    kernel = commutator.applyfunc(lambda c: sp.factor(c / factor))
    return commutator, conditions, factor, kernel


def flow_residual_at(formula, values):
    r"""Phi' - Phi A for a (mutated) alpha/beta, evaluated exactly at one point.

    ``values`` maps C, N, gamma, s and t to numbers; :math:`\zeta_2(t)=t^2+t`. A nonzero
    coefficient is a witness that the formula fails the flow equation.
    """
    z = t ** 2 + t
    phi = flow_propagator(integrated_rate=z, formula=formula)
    residual = phi.applyfunc(lambda c: sp.diff(c, t)) - (phi @ generator()) * sp.diff(z, t)
    return residual.applyfunc(lambda c: sp.N(c.subs(values), 30))


def closed_form_mp(problem, H0, W0, zeta1, zeta2, trade_off=None, dps=50):
    r"""Eq. 6 evaluated in mpmath at ``dps`` digits (the formula under test, not ground truth).

    Uses the derived projectors and eigenvalues at exact :math:`\gamma` (``trade_off``, a
    Fraction, or the exact binary value of ``problem.gamma``); returns Z(t) as a p x (CN + C)
    mpmath matrix.
    """
    import mpmath

    from ..core import groundtruth
    from ..core.operator import gamma as gamma_symbol
    from ..core.structured import N

    exact_gamma = sp.Rational(problem.gamma) if trade_off is None else sp.Rational(
        trade_off.numerator, trade_off.denominator)
    values = {C: problem.C, N: problem.N, gamma_symbol: exact_gamma}
    CN = problem.C * problem.N
    with mpmath.workdps(dps):
        Z0 = groundtruth.initial_state(problem, H0, W0)
        z1, z2 = groundtruth.to_mp(zeta1), groundtruth.to_mp(zeta2)
        root = mpmath.sqrt(z1 * z2)
        total = mpmath.matrix(Z0.rows, Z0.cols)
        for component in derive_spectrum():
            dense = component.projector.dense(problem.C, problem.N).subs(values)
            Q = mpmath.matrix([[mpmath.mpf(sp.N(x, dps + 10)) for x in row] for row in dense.tolist()])
            part = Z0 * Q
            if component.sign == 0:
                total += part
                continue
            sigma = mpmath.mpf(sp.N(component.eigenvalue.subs(values), dps + 10))
            alpha = sigma if root == 0 else mpmath.sinh(sigma * root) / root
            beta = mpmath.cosh(sigma * root)
            for j in range(Z0.cols):
                scale = alpha * (z1 if j < CN else z2) + beta
                for i in range(Z0.rows):
                    total[i, j] += part[i, j] * scale
        return total


def closed_form_operations(problem):
    """Roundings in one float64 evaluation of Eq. 6: sums of up to CN + C terms in the
    projections, plus sqrt, sinh, cosh and the five-term combination."""
    return problem.C * problem.N + problem.C + 10


def closed_form_condition(dynamics, coefficients, argument=0.0):
    r"""Amplification of relative rounding errors in a closed form evaluated at one time.

    :math:`(1+x)\,\|Z_0\|\sum_k g_k/\|Z\|`: a relative error of the arguments
    :math:`x=\max_k|\sigma_k|\sqrt{\zeta_1\zeta_2}` of sinh and cosh is amplified by x, and the
    error of each projected part (bounded by :math:`\|Z_0\|`) by its multiplier
    :math:`g_k=\max(|u_k|,|v_k|)`, relative to the norm of the result (cancellation between
    components).
    """
    coefficients = np.asarray(coefficients, dtype=float)
    growth = np.abs(coefficients).max(axis=-1)
    Z0_norm = dynamics.parts.norm(np.ones((5, 2)))
    return (1.0 + float(argument)) * float(Z0_norm * growth.sum() / dynamics.parts.norm(coefficients))


def closed_form_argument(dynamics, t):
    r""":math:`\max_k|\sigma_k|\sqrt{\zeta_1(t)\zeta_2(t)}`, the largest argument of sinh and cosh."""
    zeta1, zeta2 = (float(z) for z in dynamics.rates.zetas(t))
    return float(np.abs(dynamics.parts.eigenvalues).max() * np.sqrt(zeta1 * zeta2))


#: (p, C, N, exact gamma, s, eta, t) for the comparisons with the dense matrix exponential;
#: gamma = 1/(C-1) and 2/(C-2) put two eigenvalues on top of each other.
EXPM_CASES = (
    (2, 3, 2, "1/5", 2.0, 0.5, 10.0),
    (2, 4, 3, "1/3", 1.0, 1.0, 20.0),     # gamma = 1/(C-1): E2+ and E2- at 0, with E3
    (2, 4, 2, "1", 0.5, 1.0, 30.0),       # gamma = 2/(C-2): E1- = E2+
    (2, 3, 2, "2", 1.0, 1.0, 30.0),       # gamma = 2/(C-2) for C = 3
    (2, 5, 1, "0", 1.0, 2.0, 25.0),
)
#: The ODE checks: p = 1 (rows evolve independently), C = 3, N = 2.
ODE_SIZE = dict(p=1, C=3, N=2, gamma="1/5")
ODE_HORIZON = 8.0


def closed_form_error(dynamics, t, reference, extra_operations=0, argument=None):
    """(relative error, tolerance) of the float64 closed form at time t against a reference.

    ``argument(dynamics, t)`` bounds the exponents the closed form evaluates (default: this
    theorem's :func:`closed_form_argument`; Theorem 4 passes its own)."""
    from ..core.precision import float_tolerance, relative_error

    coefficients = dynamics.coefficients(np.asarray(t, dtype=float))
    error = relative_error(stacked(*dynamics.parts.combine(coefficients)), reference)
    condition = closed_form_condition(dynamics, coefficients, (argument or closed_form_argument)(dynamics, t))
    operations = closed_form_operations(dynamics.problem) + extra_operations
    return error, float_tolerance("float64", operations, condition)


def descent_tolerance(dynamics, coefficients, steps):
    """GD iterates vs the discrete closed form: each of ``steps`` steps rounds sums of up to
    CN terms; the closed form's products add ``steps`` roundings and its projections
    :func:`closed_form_operations`."""
    from ..core.precision import float_tolerance

    problem = dynamics.problem
    operations = steps * (problem.C * problem.N + 4) + steps + closed_form_operations(problem)
    return float_tolerance("float64", operations, closed_form_condition(dynamics, coefficients))


def compare_runs_with_discrete_form(dynamics, coefficients, runs, record, tolerance_rule=None):
    """Recorded states of several descent runs vs the exact discrete closed form and vs each other.

    ``tolerance_rule(dynamics, coefficients_k, k)`` gives the tolerance at step k (default:
    :func:`descent_tolerance`). Returns (passed, measured numbers)."""
    from ..core.precision import relative_error

    tolerance_rule = tolerance_rule or descent_tolerance
    errors, tolerances, between = [], [], []
    for i, k in enumerate(record):
        expected = stacked(*dynamics.parts.combine(coefficients[k]))
        states = [stacked(run.H[i], run.W[i]) for run in runs.values()]
        errors.append(max(relative_error(state, expected) for state in states))
        between.append(max(relative_error(state, states[0]) for state in states))
        tolerances.append(tolerance_rule(dynamics, coefficients[k], k))
    passed = all(x <= tol and y <= tol for x, y, tol in zip(errors, between, tolerances))
    return passed, {"steps": list(record), "max relative error per step": errors,
                    "max relative gap between methods": between, "tolerance per step": tolerances}


def check(context):
    """Run the evidence for Theorem 2 and return a :class:`~ulproofs.engine.verdicts.Finding`."""
    import mpmath

    from ..core import groundtruth
    from ..core.descent import METHODS, gradient_descent
    from ..core.operator import gamma as gamma_symbol
    from ..core.operator import matrix_M
    from ..core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance, relative_error
    from ..core.rates import Constant, CosineAnnealing, NonProportionalRatesError, RatePair
    from ..core.structured import N
    from ..engine.verdicts import EvidenceLog, Finding, Verdict

    log = EvidenceLog()
    rng = np.random.default_rng(context.seed)
    dps = context.dps

    # a. symbolic, for all C, N, gamma, s and any eta2(t) --------------------------------------
    with log.check("symbolic", "Eq. 6 solves Z' = Z A(t) with Z(0) = Z0 (eta1 = s eta2, zeta2(t) arbitrary), "
                               "as an identity in the structured algebra (all C >= 2, N >= 1, gamma, s)") as e:
        residual, at_zero = prove_flow_equation()
        e.passed = residual.is_zero() and at_zero.is_zero()
        e.measured = {name: sum(sp.simplify(c) != 0 for c in matrix.coefficients().values())
                      for name, matrix in (("nonzero residual coefficients", residual),
                                           ("nonzero Phi(0) - I coefficients", at_zero))}
    with log.check("symbolic", "exact GD iterates: Phi_K with products P^±_k = prod_j (1 ± sigma_k sqrt(s) eta_2j) "
                               "satisfies Phi_{K+1} = Phi_K (I + eta A_s), Phi_0 = I") as e:
        residual, initial = prove_discrete_iterates()
        e.passed = residual.is_zero() and initial.is_zero()
        e.measured = {"residual is zero": residual.is_zero(), "initial is identity": initial.is_zero()}
    with log.check("symbolic", "b(t) = b0 + ((1+gamma-gamma C)/C) zeta2(t) 1_C solves "
                               "b' = eta2 (1+gamma-gamma C)/C") as e:
        ode, initial = prove_bias()
        e.passed = ode == 0 and initial == 0
        e.measured = {"ode residual": str(ode), "initial residual": str(initial)}
    with log.check("symbolic", "[A(t1), A(t2)] = (eta1(t2) eta2(t1) - eta1(t1) eta2(t2)) [[M^T M, 0], [0, -M M^T]]: "
                               "it vanishes iff the rates are proportional at t1, t2") as e:
        commutator, conditions, factor, kernel = commutator_of_rates()
        M = matrix_M()
        expected = StructuredMatrix.block([[M.T @ M, 0], [0, -(M @ M.T)]])
        norm_M = sp.factor((M @ M.T).trace())
        # positive for every C >= 1: write C = c + 1 with c >= 0
        positive = bool(sp.factor(norm_M.subs(C, sp.Symbol("c", nonnegative=True) + 1)).is_positive)
        kernel_free = not any(factor.free_symbols & c.free_symbols for c in kernel.coefficients().values())
        e.passed = bool(kernel_free and kernel.equals(expected) and (commutator - kernel * factor).is_zero()
                        and positive and len(conditions) == 1)
        e.measured = {"solution of [A(t1), A(t2)] = 0": str(conditions), "factor": str(factor),
                      "kernel is [[M^T M, 0], [0, -M M^T]]": kernel.equals(expected),
                      "||M||_F^2": str(norm_M), "||M||_F^2 > 0": positive}
    values = {C: 3, N: 2, gamma_symbol: sp.Rational(1, 5), s: 2, t: sp.Rational(1, 2)}
    for kind in ("flipped-sign", "wrong-constant"):
        with log.check("mutant", f"alpha/beta with a {kind} leave a nonzero flow residual "
                                 "(evaluated to 30 digits at C=3, N=2, gamma=1/5, s=2, zeta2=t^2+t, t=1/2)") as e:
            largest = max(abs(c) for c in flow_residual_at(perturbed_alpha_beta(kind), values).coefficients().values())
            exact = max(abs(c) for c in flow_residual_at(None, values).coefficients().values())
            e.passed = bool(largest > 0 and exact < sp.Float(10) ** -25)
            e.measured = {"max |residual| (mutant)": float(largest), "max |residual| (Eq. 6)": float(exact)}
    with log.check("mutant", "Eq. 7 as printed, b0 + (1+gamma-gamma C) zeta(t) 1_C (no 1/C), does not solve the "
                             "bias equation except where the drift vanishes") as e:
        kappa = 1 + gamma_symbol - gamma_symbol * C
        printed = sp.simplify(sp.diff(kappa * zeta(t), t) - sp.Derivative(zeta(t), t) * kappa / C)
        roots = sp.solve(sp.simplify(printed / sp.Derivative(zeta(t), t)), gamma_symbol)
        e.passed = printed != 0
        e.measured = {"residual": str(sp.factor(printed)), "vanishes only at gamma": str(roots)}

    # b. closed form against expm (constant rates) -----------------------------------------------
    for case in EXPM_CASES:
        p_, C_, N_, gamma_text, s_, eta, time = case
        problem, exact_gamma = exact_problem(p_, C_, N_, gamma_text)
        H0, W0, b0 = random_initial(problem, rng)
        rates = RatePair.proportional(Constant(eta), s_)
        dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates)
        zeta1, zeta2 = (float(z) for z in rates.zetas(time))
        label = f"p={p_}, C={C_}, N={N_}, gamma={gamma_text}, s={s_}, zeta2={zeta2:g}"
        with log.check("mpmath", f"float64 Eq. 6 vs Z0 expm(zeta2 A_s) at {dps} digits, {label}") as e:
            reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, rates.ratio(), zeta2, dps=dps))
            error, tolerance = closed_form_error(dynamics, time, reference)
            e.passed = error <= tolerance
            e.measured = {"relative error": error, "tolerance": tolerance,
                          "largest sigma sqrt(z1 z2)": closed_form_argument(dynamics, time)}
        with log.check("mpmath", f"Eq. 6 at {dps} digits vs expm at {dps} digits, exact gamma, {label}") as e:
            with mpmath.workdps(dps):
                exact = groundtruth.expm_solution(problem, H0, W0, rates.ratio(), zeta2, exact_gamma, dps)
                formula = closed_form_mp(problem, H0, W0, zeta1, zeta2, exact_gamma, dps)
                error, tolerance = groundtruth.relative_error_mp(formula, exact), mp_tolerance()
            e.passed = bool(error <= tolerance)
            e.measured = {"relative error": float(error), "tolerance": float(tolerance)}
        if case is EXPM_CASES[0]:
            with log.check("mutant", f"eigenvalues scaled by 1.1 in the float64 closed form, {label}") as e:
                mutant = UnconstrainedDynamics(problem, H0, W0, b0, rates)
                mutant.parts.eigenvalues = 1.1 * mutant.parts.eigenvalues
                error, tolerance = closed_form_error(mutant, time, reference)
                e.passed = error >= MUTANT_MARGIN * tolerance
                e.measured = {"relative error": error, "margin x tolerance": MUTANT_MARGIN * tolerance}

    # c. time-varying proportional rates against mpmath odefun ---------------------------------
    problem, exact_gamma = exact_problem(**ODE_SIZE)
    H0, W0, b0 = random_initial(problem, rng)
    for name, rates in ode_rate_cases().items():
        with log.check("mpmath", f"Eq. 6 vs mpmath.odefun at {dps} digits, {name}, t={ODE_HORIZON:g}, "
                                 f"p=1, C=3, N=2, gamma=1/5") as e:
            ode = groundtruth.ode_solution(problem, H0, W0, rates, ODE_HORIZON, exact_gamma, dps)
            dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates)
            error, tolerance = closed_form_error(dynamics, ODE_HORIZON, groundtruth.to_numpy(ode), extra_operations=10)
            with mpmath.workdps(dps):
                zetas = [groundtruth.mp_integral(eta, ODE_HORIZON) for eta in (rates.eta1, rates.eta2)]
                formula = closed_form_mp(problem, H0, W0, *zetas, exact_gamma, dps)
                mp_error, mp_tol = groundtruth.relative_error_mp(formula, ode), mp_tolerance()
            e.passed = bool(error <= tolerance and mp_error <= mp_tol)
            e.measured = {"float64 relative error": error, "float64 tolerance": tolerance,
                          f"{dps}-digit relative error": float(mp_error), f"{dps}-digit tolerance": float(mp_tol)}

    # d. negative control: non-proportional rates -----------------------------------------------
    rates = non_proportional_rates()
    with log.check("counterexample", "non-proportional rates (eta1, eta2 steps at t=2 and t=5): the closed form "
                                     "with zeta1, zeta2 separately fails against odefun (cross-checked by "
                                     "piecewise expm)") as e:
        ode = groundtruth.ode_solution(problem, H0, W0, rates, ODE_HORIZON, exact_gamma, dps)
        with mpmath.workdps(dps):
            pieces = groundtruth.piecewise_expm_solution(problem, H0, W0, rates, ODE_HORIZON, exact_gamma, dps)
            cross = groundtruth.relative_error_mp(ode, pieces)
        dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates, require_proportional=False)
        error, tolerance = closed_form_error(dynamics, ODE_HORIZON, groundtruth.to_numpy(ode), extra_operations=10)
        try:
            rates.ratio()
            refused = False
        except NonProportionalRatesError:
            refused = True
        e.passed = bool(cross <= mp_tolerance(dps) and error >= MUTANT_MARGIN * tolerance and refused)
        e.measured = {"closed form relative error": error, "float64 tolerance": tolerance,
                      "odefun vs piecewise expm": float(cross), "ratio() refuses": refused}

    # e. gradient-descent iterates against the exact discrete closed form ----------------------
    def descent_evidence(problem, H0, W0, b0, rates, steps, record, label):
        dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates)
        coefficients = dynamics.discrete_coefficients(steps)
        with log.check("iterates", f"torch GD (float64, methods {', '.join(METHODS)}) vs the discrete closed form "
                                   f"and vs each other, {label}") as e:
            runs = {method: gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=record, method=method,
                                             device=context.device) for method in METHODS}
            e.passed, e.measured = compare_runs_with_discrete_form(dynamics, coefficients, runs, record)
        with log.check("iterates", f"GD bias vs the discrete bias b0 + kappa sum_j eta2_j, {label}") as e:
            run = runs["class-mean"]
            errors = [relative_error(b, dynamics.discrete_bias(k)) for k, b in zip(run.steps, run.b)]
            tolerances = [float_tolerance("float64", k + 2) for k in run.steps]
            e.passed = all(x <= tol for x, tol in zip(errors, tolerances))
            e.measured = {"relative errors": errors, "tolerances": tolerances}

    problem, _ = exact_problem(3, 4, 3, "1/10")
    H0, W0, b0 = random_initial(problem, rng)
    cosine = RatePair.proportional(CosineAnnealing(0.5, 150.0, 0.01), 0.5)
    descent_evidence(problem, H0, W0, b0, cosine, 200, [0, 50, 100, 200],
                     "p=3, C=4, N=3, gamma=0.1, cosine eta2 (0.5 -> 0.01 over 150 steps), s=0.5, 200 steps")
    if context.paper_scale:
        large, _ = exact_problem(512, 100, 10, "1/100")
        descent_evidence(large, *random_initial(large, rng), RatePair.proportional(Constant(0.1)), 2000, [1000, 2000],
                         "paper scale p=512, C=100, N=10, gamma=0.01, eta=0.1, 2000 steps")

    # f, g. small-step limit: GD approaches the flow at first order ------------------------------
    steps_sizes = (0.1, 0.05, 0.025)
    for name, make in (("constant", lambda h: RatePair.proportional(Constant(h), 2.0)),
                       ("cosine", lambda h: RatePair.proportional(CosineAnnealing(2 * h, 8 / h, 0.2 * h), 2.0))):
        with log.check("iterates", f"small-step limit, {name} rates (zeta2 = 8, s = 2; cosine peak 2h): "
                                   "|GD - flow| at the same zeta halves with the step h") as e:
            gaps, bias_gaps = [], []
            for h in steps_sizes:
                rates, steps = make(h), int(round(8 / h))
                dynamics = UnconstrainedDynamics(problem, H0, W0, b0, rates)
                run = gradient_descent(problem, H0, W0, b0, rates, steps, device=context.device)
                gaps.append(relative_error(stacked(run.H[-1], run.W[-1]), stacked(*dynamics.state(steps))))
                bias_gaps.append(relative_error(run.b[-1], dynamics.bias(steps)))
            ratios = [a / b for a, b in zip(gaps, gaps[1:])]
            e.passed = all(1.8 <= r <= 2.2 for r in ratios)
            e.measured = {"h": list(steps_sizes), "relative gap": gaps, "ratios": ratios}
        with log.check("iterates", f"GD bias vs the flow bias(t), {name} rates") as e:
            if name == "constant":   # sum_j eta = eta K = zeta2(K): equal to rounding
                tolerances = [float_tolerance("float64", int(round(8 / h)) + 2) for h in steps_sizes]
                e.passed = all(x <= tol for x, tol in zip(bias_gaps, tolerances))
                e.measured = {"relative errors": bias_gaps, "tolerances": tolerances}
            else:                    # a left Riemann sum of eta2 against its integral: a first-order gap
                bias_ratios = [a / b for a, b in zip(bias_gaps, bias_gaps[1:])]
                e.passed = all(1.8 <= r <= 2.2 for r in bias_ratios)
                e.measured = {"relative gaps": bias_gaps, "ratios": bias_ratios}

    symbolic = [x for x in log.items if x.kind == "symbolic"]
    numeric = [x for x in log.items if x.kind in ("mpmath", "iterates")]
    controls = [x for x in log.items if x.kind in ("mutant", "counterexample")]
    if not all(x.passed for x in numeric if x.kind == "mpmath"):
        failed = next(x for x in numeric if x.kind == "mpmath" and not x.passed)
        return Finding(CLAIM, Verdict.REFUTED, log.items,
                       counterexample=f"{failed.description}: {failed.measured}")
    if all(x.passed for x in symbolic + controls + numeric):
        verdict = Verdict.PROVED
    elif all(x.passed for x in numeric):
        verdict = Verdict.CONFIRMED
    else:
        verdict = Verdict.INCONCLUSIVE
    return Finding(CLAIM, verdict, log.items)
