r"""The flow and gradient descent for *any* two learning-rate schedules, reduced to 2 x 2 systems.

Without proportional rates (:math:`\eta_1\neq s\,\eta_2`) the generators
:math:`A(t)=\begin{pmatrix}-\lambda_1\eta_1(t)I&\eta_2(t)M^\top\\ \eta_1(t)M&-\lambda_2\eta_2(t)I\end{pmatrix}`
at different times do not commute, so :math:`Z(t)=Z_0\exp\int_0^tA` (Theorems 2 and 4) fails. The
sectors of the structured algebra still decouple the flow exactly. On the sector of
:math:`\mathcal E_j=\mathcal E_j^+\oplus\mathcal E_j^-` (j = 1, 2), with :math:`m_j` the
eigenvalue of :math:`\mathcal E_j^+` (:func:`~ulproofs.core.operator.derive_spectrum`), every
:math:`A(t)` acts on the coordinates (feature, prototype) by

.. math::

    a_j(t)=\begin{pmatrix}-\lambda_1\eta_1(t)&\eta_2(t)\,m_j\\ \eta_1(t)\,m_j&-\lambda_2\eta_2(t)\end{pmatrix},

and on :math:`\mathcal E_3` by :math:`-\lambda_1\eta_1(t)`. So :math:`Z(t)=Z_0\,\Phi(t)` with
:math:`\Phi=\operatorname{lift}(\phi_1,\phi_2,\phi_3)`, where :math:`\phi_j'=\phi_j a_j(t)`,
:math:`\phi_j(0)=I_2`, and :math:`\phi_3=e^{-\lambda_1\zeta_1(t)}`; in the five subspaces,

.. math::

    Z(t)=\sum_{j=1,2}\sum_{\epsilon=\pm}\Pi_j^\epsilon Z_0\,\operatorname{diag}(u_j^\epsilon I,v_j^\epsilon I)
         +\phi_3\,\Pi_3Z_0,\qquad
    u_j^\pm=\phi_{j,11}\pm\phi_{j,21},\quad v_j^\pm=\phi_{j,22}\pm\phi_{j,12}.

:func:`prove_reduction` proves this in the structured algebra for all C, N, :math:`\gamma`,
:math:`\lambda_1,\lambda_2` and arbitrary :math:`\eta_1(t),\eta_2(t)`. Gradient descent
(:math:`Z_{k+1}=Z_k(I+A_k)`) is the ordered product :math:`\phi_j^{(K)}=\prod_{k=0}^{K-1}(I+a_{j,k})`
(left to right), :func:`prove_descent`. The 2 x 2 systems are integrated by SciPy's DOP853
(float64) or mpmath's Taylor-series ``odefun`` (:meth:`AnyRatesDynamics.coefficients_mp`).

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, LinearWarmup, RatePair
>>> problem = LayerPeeledProblem(p=3, C=4, N=2, gamma=0.1)
>>> rng = np.random.default_rng(0)
>>> H0, W0 = rng.standard_normal((3, 8)), rng.standard_normal((3, 4))
>>> dynamics = AnyRatesDynamics(problem, H0, W0, RatePair(LinearWarmup(1.0, 5.0), Constant(0.5)), (0.01, 0.0))
>>> H, W = dynamics.state(0.0)
>>> bool(np.allclose(H, H0) and np.allclose(W, W0))
True
"""
from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from . import groundtruth
from .decomposition import Decomposition
from .errors import AssumptionError
from .operator import derive_spectrum, gamma, matrix_M, time_scaling
from .precision import float_tolerance, taylor_odefun
from .rates import checked_rates
from .structured import FEATURES, MEAN, PERP, PROTOTYPES, Z_SPACE, C, N, StructuredMatrix
from .validation import weight_decay_pair

#: The sector of each coupled pair E_j = E_j^+ (+) E_j^- and the two sectors of E_3.
PAIR_SECTORS = {"E1": (PERP, MEAN), "E2": (MEAN, MEAN)}
KERNEL_SECTORS = ((MEAN, PERP), (PERP, PERP))

#: DOP853's relative and absolute tolerance: 256 roundings of float64 (the propagators start at I).
INTEGRATOR_TOLERANCE = float_tolerance("float64", operations=256)

eta1, eta2 = sp.symbols("eta_1 eta_2", positive=True)
lambda1, lambda2 = sp.symbols("lambda_1 lambda_2", nonnegative=True)
t = sp.Symbol("t", nonnegative=True)


# --- the reduction in the structured algebra --------------------------------------------------
def flow_generator(rate_features=eta1, rate_prototypes=eta2, decay1=lambda1, decay2=lambda2, trade_off=gamma):
    r""":math:`A=\begin{pmatrix}-\lambda_1\eta_1I&\eta_2M^\top\\ \eta_1M&-\lambda_2\eta_2I\end{pmatrix}`
    on Z = (H, W) (acting from the right), written from Eq. 12."""
    M = matrix_M(trade_off)
    return StructuredMatrix.block([
        [StructuredMatrix.identity(FEATURES) * (-decay1 * rate_features), M.T * rate_prototypes],
        [M * rate_features, StructuredMatrix.identity(PROTOTYPES) * (-decay2 * rate_prototypes)]])


def sector_generator(coupling, rate_features=eta1, rate_prototypes=eta2, decay1=lambda1, decay2=lambda2):
    r""":math:`a=\begin{pmatrix}-\lambda_1\eta_1&\eta_2m\\ \eta_1m&-\lambda_2\eta_2\end{pmatrix}`, the 2 x 2 system."""
    return sp.Matrix([[-decay1 * rate_features, rate_prototypes * coupling],
                      [rate_features * coupling, -decay2 * rate_prototypes]])


def couplings(trade_off=gamma):
    r"""{"E1": m_1, "E2": m_2}: the eigenvalue of :math:`\mathcal E_j^+` (that of :math:`\mathcal E_j^-` is -m_j)."""
    return {c.name: c.eigenvalue for c in derive_spectrum(trade_off) if c.sign == 1}


def lift(pairs, kernel):
    r"""The structured map acting on the sector of :math:`\mathcal E_j` by ``pairs[j]`` (2 x 2) and on
    :math:`\mathcal E_3` by the scalar ``kernel``."""
    targets = {PAIR_SECTORS[name]: matrix for name, matrix in pairs.items()}
    targets.update({sector: sp.Matrix([[kernel]]) for sector in KERNEL_SECTORS})
    return StructuredMatrix.from_sector_blocks(Z_SPACE, targets)


def plus_minus(phi):
    r"""(:math:`(u^+,v^+)`, :math:`(u^-,v^-)`): the multipliers of :math:`\Pi^\pm Z_0` from a sector propagator."""
    return ((phi[0, 0] + phi[1, 0], phi[1, 1] + phi[0, 1]), (phi[0, 0] - phi[1, 0], phi[1, 1] - phi[0, 1]))


def five_subspace_form(pairs, kernel):
    r""":math:`\sum_{j,\pm}Q_j^\pm\operatorname{diag}(u_j^\pm I,v_j^\pm I)+\phi_3Q_3` (:math:`\Pi Z=ZQ`)."""
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    for component in derive_spectrum():
        if component.sign == 0:
            total = total + component.projector * kernel
            continue
        u, v = plus_minus(pairs[component.name])[0 if component.sign == 1 else 1]
        total = total + component.projector @ time_scaling(u, v)
    return total


def symbolic_propagators(of_time=True):
    """Symbols (or functions of t) for the entries of phi_1, phi_2 and phi_3."""
    def entry(name):
        return sp.Function(name)(t) if of_time else sp.Symbol(name)

    pairs = {name: sp.Matrix(2, 2, lambda i, j, name=name: entry(f"phi_{name}_{i + 1}{j + 1}"))
             for name in PAIR_SECTORS}
    return pairs, entry("phi_E3")


@cache
def prove_reduction(generator=sector_generator):
    r"""The reduction, for all C, N, :math:`\gamma`, :math:`\lambda_1,\lambda_2` and any :math:`\eta_1(t),\eta_2(t)`.

    With :math:`\phi_j(t)` arbitrary functions and :math:`\Phi=\operatorname{lift}(\phi)`,
    returns the structured residuals (each must vanish)

    * ``"sector images"``: the sector blocks of A minus :math:`a_j` / :math:`-\lambda_1\eta_1`;
    * ``"flow"``: :math:`\Phi'-\Phi A(t)` after substituting :math:`\phi_j'=\phi_ja_j(t)` and
      :math:`\phi_3'=-\lambda_1\eta_1\phi_3` (so Phi solves the flow; with :math:`\Phi(0)=I` it is its propagator);
    * ``"initial"``: :math:`\operatorname{lift}(I,I,1)-I`;
    * ``"five subspaces"``: :math:`\operatorname{lift}(\phi)` minus :func:`five_subspace_form`.

    ``generator`` replaces :func:`sector_generator` (mutants).
    """
    rate1, rate2 = sp.Function("eta_1")(t), sp.Function("eta_2")(t)
    A = flow_generator(rate1, rate2)
    m = couplings()
    small = {name: generator(m[name], rate1, rate2) for name in PAIR_SECTORS}
    images = A.sector_blocks()
    image_residuals = [images[PAIR_SECTORS[name]] - small[name] for name in PAIR_SECTORS]
    image_residuals += [images[sector] - sp.Matrix([[-lambda1 * rate1]]) for sector in KERNEL_SECTORS]
    pairs, kernel = symbolic_propagators()
    Phi = lift(pairs, kernel)
    derivatives = {sp.Derivative(pairs[name][i, j], t): (pairs[name] * small[name])[i, j]
                   for name in PAIR_SECTORS for i in range(2) for j in range(2)}
    derivatives[sp.Derivative(kernel, t)] = -lambda1 * rate1 * kernel
    flow = (Phi.applyfunc(lambda c: sp.diff(c, t)) - Phi @ A).applyfunc(lambda c: c.subs(derivatives))
    initial = lift({name: sp.eye(2) for name in PAIR_SECTORS}, 1) - StructuredMatrix.identity(Z_SPACE)
    five = lift(pairs, kernel) - five_subspace_form(pairs, kernel)
    return {"sector images": all(r.applyfunc(sp.simplify).is_zero_matrix for r in image_residuals),
            "flow": flow.is_zero(), "initial": initial.is_zero(), "five subspaces": five.is_zero()}


@cache
def prove_descent():
    r""":math:`\operatorname{lift}(\phi)(I+A_k)=\operatorname{lift}(\phi(I+a_k))` and the same with the scalar
    :math:`\phi_3(1-\lambda_1\eta_{1,k})`, for symbolic :math:`\phi`, step rates and decays: one step of gradient
    descent multiplies each sector propagator on the right by :math:`I+a_{j,k}`. Returns the residual's vanishing."""
    A = flow_generator()
    m = couplings()
    pairs, kernel = symbolic_propagators(of_time=False)
    stepped = lift({name: pairs[name] * (sp.eye(2) + sector_generator(m[name])) for name in PAIR_SECTORS},
                   kernel * (1 - lambda1 * eta1))
    return (lift(pairs, kernel) @ (StructuredMatrix.identity(Z_SPACE) + A) - stepped).is_zero()


def proportional_propagator(coupling, ratio, integrated_rate):
    r""":math:`\exp(\zeta_2 a)` for :math:`\eta_1=s\eta_2` without weight decay: then
    :math:`a(t)=\eta_2(t)\begin{pmatrix}0&m\\ sm&0\end{pmatrix}` commute at all times."""
    return (sector_generator(coupling, ratio, 1, 0, 0) * integrated_rate).exp()


def sector_commutator():
    r""":math:`[a(t_1),a(t_2)]` with the four rates as symbols: ``(commutator, factor)`` where every entry of the
    commutator is a multiple of ``factor`` = :math:`\eta_1(t_1)\eta_2(t_2)-\eta_1(t_2)\eta_2(t_1)` (it vanishes
    for every m, lambda exactly when the rates are proportional)."""
    m = sp.Symbol("m", positive=True)
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    x, y = sector_generator(m, a1, b1), sector_generator(m, a2, b2)
    commutator = (x * y - y * x).applyfunc(sp.factor)
    return commutator, a1 * b2 - a2 * b1


# --- numerics ------------------------------------------------------------------------------------
def _check_times(times):
    times = np.asarray(times, dtype=float)
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise AssumptionError(f"the flow runs forward from t = 0: times must be finite and >= 0 (got {times!r})")
    return times


class AnyRatesDynamics:
    r"""The flow (and gradient descent) of Eq. 12 for any rates, from the 2 x 2 reduction.

    ``coefficients(t)`` returns the multipliers :math:`(u_k,v_k)` of :math:`\Pi_kZ_0` (shape (..., 5, 2),
    the layout of :class:`~ulproofs.core.decomposition.Decomposition`); ``sector_generator`` replaces
    :func:`sector_generator` (mutants; a function of (coupling, eta1, eta2, lambda1, lambda2) returning a
    2 x 2 array).
    """

    def __init__(self, problem, H0, W0, rates, weight_decay=(0.0, 0.0), generator=None):
        problem.check_shapes(H=H0, W=W0)
        self.problem, self.rates = problem, rates
        self.weight_decay = weight_decay_pair(weight_decay)
        checked_rates("eta1", rates.eta1(rates.probe_times()))
        checked_rates("eta2", rates.eta2(rates.probe_times()))
        self.parts = Decomposition(problem, H0, W0)
        values = {gamma: sp.Rational(problem.gamma), C: problem.C, N: problem.N}
        # floats once: the generators are formed at every right-hand side and every step
        self.couplings = {name: float(m.subs(values)) for name, m in couplings().items()}
        self.generator = generator or _numeric_generator

    def _generators(self, rate1, rate2):
        """The 2 x 2 generators of E1 and E2 at rates (eta1, eta2), shape (2, 2, 2)."""
        return np.stack([np.asarray(self.generator(m, rate1, rate2, *self.weight_decay), dtype=float)
                         for m in self.couplings.values()])

    def _rhs(self, time, state, start, stop):
        # the rates of the piece [start, stop): a step at ``stop`` belongs to the next piece
        time = min(max(time, start), np.nextafter(stop, start))
        rate1 = float(checked_rates("eta1", self.rates.eta1(time)))
        rate2 = float(checked_rates("eta2", self.rates.eta2(time)))
        phis = state[:8].reshape(2, 2, 2)
        return np.concatenate([np.einsum("sij,sjk->sik", phis, self._generators(rate1, rate2)).ravel(),
                               [-self.weight_decay[0] * rate1 * state[8]]])

    def propagators(self, times):
        r"""(:math:`\phi_1,\phi_2` of shape (T, 2, 2, 2), :math:`\phi_3` of shape (T,)) at ``times``, by DOP853
        piece by piece between the schedules' breakpoints (``self.evaluations``: right-hand sides evaluated)."""
        times = _check_times(np.atleast_1d(times))
        horizon = float(times.max())
        cuts = sorted({float(b) for b in (*self.rates.eta1.breakpoints(), *self.rates.eta2.breakpoints())
                       if 0 < b < horizon})
        edges = [0.0, *cuts, horizon]
        state = np.concatenate([np.tile(np.eye(2).ravel(), 2), [1.0]])
        found = {0.0: state}
        self.evaluations = 0
        for start, stop in zip(edges[:-1], edges[1:]):
            if stop == start:
                continue
            wanted = np.union1d(times[(times > start) & (times < stop)], [stop])
            solution = solve_ivp(self._rhs, (start, stop), state, method="DOP853", t_eval=wanted, args=(start, stop),
                                 rtol=INTEGRATOR_TOLERANCE, atol=INTEGRATOR_TOLERANCE)
            if not solution.success:
                raise ArithmeticError(f"DOP853 failed on [{start}, {stop}]: {solution.message}")
            self.evaluations += int(solution.nfev)
            found.update({float(x): y for x, y in zip(solution.t, solution.y.T)})
            state = solution.y[:, -1]
        stacked = np.stack([found[float(x)] for x in times])
        return stacked[:, :8].reshape(-1, 2, 2, 2), stacked[:, 8]

    def coefficients(self, times):
        """(u_k, v_k) of the five components at ``times`` (a scalar gives shape (5, 2))."""
        phis, kernel = self.propagators(times)
        out = _coefficients_from(phis, kernel)
        return out[0] if np.ndim(times) == 0 else out

    def state(self, time):
        return self.parts.combine(self.coefficients(float(time)))

    def discrete_coefficients(self, steps):
        r"""The multipliers after k = 0..steps descent steps: the ordered products
        :math:`\prod_{k}(I+a_{j,k})` (and :math:`\prod_k(1-\lambda_1\eta_{1,k})` on :math:`\mathcal E_3`)."""
        rates1 = checked_rates("eta1", self.rates.eta1(np.arange(steps)))
        rates2 = checked_rates("eta2", self.rates.eta2(np.arange(steps)))
        phis = np.empty((steps + 1, 2, 2, 2))
        kernel = np.empty(steps + 1)
        phis[0], kernel[0] = np.eye(2), 1.0
        for k, (rate1, rate2) in enumerate(zip(rates1, rates2)):
            phis[k + 1] = phis[k] @ (np.eye(2) + self._generators(rate1, rate2))
            kernel[k + 1] = kernel[k] * (1 - self.weight_decay[0] * rate1)
        return _coefficients_from(phis, kernel)

    def coefficients_mp(self, time, dps=groundtruth.DEFAULT_DPS):
        r"""The multipliers at one time in mpmath (``dps`` >= 40 digits): mpmath's Taylor-series ``odefun`` on the
        2 x 2 systems (9 unknowns), piece by piece, a 5 x 2 list of mpf."""
        if dps < groundtruth.MIN_DPS:
            raise AssumptionError(f"the high-precision path works at >= {groundtruth.MIN_DPS} digits (got dps={dps})")
        _check_times(time)
        with mpmath.workdps(dps):
            exact = {gamma: sp.Rational(self.problem.gamma), C: self.problem.C, N: self.problem.N}
            m = [mpmath.mpf(sp.N(value.subs(exact), dps + 10)) for value in couplings().values()]
            decay1, decay2 = (groundtruth.to_mp(x) for x in self.weight_decay)
            state = [mpmath.mpf(x) for x in (1, 0, 0, 1, 1, 0, 0, 1, 1)]
            for start, stop in groundtruth._pieces(self.rates, time):
                state = _mp_piece(self.rates, state, start, stop, m, decay1, decay2)
            phis = [mpmath.matrix([[state[4 * j], state[4 * j + 1]], [state[4 * j + 2], state[4 * j + 3]]])
                    for j in range(2)]
            out = []
            for phi in phis:
                out.extend([list(pair) for pair in plus_minus(phi)])
            return out + [[state[8], state[8]]]


def _numeric_generator(coupling, rate1, rate2, decay1, decay2):
    return [[-decay1 * rate1, rate2 * coupling], [rate1 * coupling, -decay2 * rate2]]


def _coefficients_from(phis, kernel):
    """(..., 5, 2) multipliers from sector propagators (..., 2, 2, 2) and the E3 scalar (...)."""
    out = np.empty(phis.shape[:-3] + (5, 2))
    for j in range(2):
        phi = phis[..., j, :, :]
        out[..., 2 * j, 0] = phi[..., 0, 0] + phi[..., 1, 0]
        out[..., 2 * j, 1] = phi[..., 1, 1] + phi[..., 0, 1]
        out[..., 2 * j + 1, 0] = phi[..., 0, 0] - phi[..., 1, 0]
        out[..., 2 * j + 1, 1] = phi[..., 1, 1] - phi[..., 0, 1]
    out[..., 4, 0] = out[..., 4, 1] = kernel
    return out


def _mp_piece(rates, state, start, stop, m, decay1, decay2):
    """One analytic piece of the 2 x 2 systems by mpmath.odefun, time rescaled to [0, 1]."""
    if stop == start:
        return state
    extra, rates_at, oscillator = groundtruth._rate_oscillators(rates, start, stop - start)

    def derivative(tau, y):
        r1, r2 = rates_at(tau, y[9:])
        out = []
        for j in range(2):
            p11, p12, p21, p22 = y[4 * j:4 * j + 4]
            g11, g12, g21, g22 = -decay1 * r1, r2 * m[j], r1 * m[j], -decay2 * r2
            out += [p11 * g11 + p12 * g21, p11 * g12 + p12 * g22, p21 * g11 + p22 * g21, p21 * g12 + p22 * g22]
        return out + [-decay1 * r1 * y[8]] + oscillator(y[9:])

    return list(taylor_odefun(derivative, 0, list(state) + extra)(1))[:9]
