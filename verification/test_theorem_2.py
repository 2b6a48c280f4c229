"""Theorem 2 (closed-form unconstrained dynamics), piece by piece, against independent ground truth.

Symbolic identities hold for all C, N, gamma, s (structured algebra); numbers come from mpmath
(dense expm, odefun, >= 40 digits) and from torch gradient descent. Every closed form is also
shown to FAIL the same comparison when perturbed (mutants), by at least MUTANT_MARGIN x tolerance.
"""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import theorem_2 as th
from ulproofs.core import groundtruth
from ulproofs.core.descent import METHODS, gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.operator import gamma as gamma_symbol
from ulproofs.core.operator import matrix_M
from ulproofs.core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance, relative_error
from ulproofs.core.rates import Constant, CosineAnnealing, NonProportionalRatesError, RatePair, Step
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N, StructuredMatrix
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict

# the ODE checks run at the policy's minimum precision to keep the default suite fast
ODE_DPS = 40


def stack(H, W):
    return np.hstack([np.asarray(H, dtype=float), np.asarray(W, dtype=float)])


def setup(p, C_, N_, gamma, seed=0):
    problem = LayerPeeledProblem(p=p, C=C_, N=N_, gamma=float(Fraction(gamma)))
    rng = np.random.default_rng(seed)
    return (problem, rng.standard_normal((p, C_ * N_)), rng.standard_normal((p, C_)), rng.standard_normal(C_))


# --- a. symbolic -------------------------------------------------------------------------------
def test_flow_equation_holds_for_all_sizes_and_rates():
    residual, at_zero = th.prove_flow_equation()
    assert residual.is_zero()
    assert at_zero.is_zero()


@pytest.mark.parametrize("kind", ["flipped-sign", "wrong-constant"])
def test_perturbed_alpha_beta_leave_a_flow_residual(kind):
    values = {C: 3, N: 2, gamma_symbol: sp.Rational(1, 5), th.s: 2, th.t: sp.Rational(1, 2)}
    mutant = max(abs(c) for c in th.flow_residual_at(th.perturbed_alpha_beta(kind), values).coefficients().values())
    exact = max(abs(c) for c in th.flow_residual_at(None, values).coefficients().values())
    assert exact < sp.Float(10) ** -25
    assert mutant > 0.01


def test_discrete_iterates_are_exact():
    residual, initial = th.prove_discrete_iterates()
    assert residual.is_zero()
    assert initial.is_zero()


def test_bias_solves_its_equation():
    assert th.prove_bias() == (0, 0)


def test_printed_bias_without_one_over_C_fails_except_at_zero_drift():
    kappa = 1 + gamma_symbol - gamma_symbol * C
    residual = sp.simplify(sp.diff(kappa * th.zeta(th.t), th.t) - sp.Derivative(th.zeta(th.t), th.t) * kappa / C)
    assert residual != 0
    assert sp.solve(sp.simplify(residual / sp.Derivative(th.zeta(th.t), th.t)), gamma_symbol) == [1 / (C - 1)]


def test_commutator_vanishes_iff_rates_are_proportional():
    commutator, conditions, factor, kernel = th.commutator_of_rates()
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    assert conditions == [{a2: a1 * b2 / b1}]
    assert sp.expand(factor - (a2 * b1 - a1 * b2)) == 0
    M = matrix_M()
    assert kernel.equals(StructuredMatrix.block([[M.T @ M, 0], [0, -(M @ M.T)]]))
    assert (commutator - kernel * factor).is_zero()
    c = sp.Symbol("c", nonnegative=True)
    assert sp.factor((M @ M.T).trace().subs(C, c + 1)).is_positive   # the kernel is never zero


def test_commutator_matches_dense_matrices():
    """Non-proportional rates at two times: the dense commutator equals factor x kernel."""
    problem = LayerPeeledProblem(p=1, C=3, N=2, gamma=0.25)
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    rates = {a1: sp.Rational(3, 4), b1: sp.Rational(5, 4), a2: sp.Rational(1, 2), b2: 2}
    _, _, factor, kernel = th.commutator_of_rates()
    with mpmath.workdps(50):   # A(t) = eta2(t) A_s with s = eta1(t)/eta2(t)
        A1 = groundtruth.dense_generator(problem, Fraction(3, 5)) * Fraction(5, 4)
        A2 = groundtruth.dense_generator(problem, Fraction(1, 4)) * 2
        dense = A1 * A2 - A2 * A1
        expected = kernel.subs({gamma_symbol: sp.Rational(1, 4), **rates}).dense(3, 2) * factor.subs(rates)
        expected = mpmath.matrix([[mpmath.mpf(sp.N(x, 60)) for x in row] for row in expected.tolist()])
        assert mpmath.mnorm(dense, "f") > 0.01
        assert groundtruth.relative_error_mp(dense, expected) < mp_tolerance()


def test_dense_generator_agrees_with_the_structured_operator():
    problem = LayerPeeledProblem(p=1, C=3, N=2, gamma=0.25)
    structured = th.generator(ratio=sp.Rational(3, 2)).subs({gamma_symbol: sp.Rational(1, 4)}).dense(3, 2)
    with mpmath.workdps(50):
        dense = groundtruth.dense_generator(problem, 1.5)
        expected = mpmath.matrix([[mpmath.mpf(sp.N(x, 60)) for x in row] for row in structured.tolist()])
        assert groundtruth.relative_error_mp(dense, expected) < mp_tolerance()
    assert np.array_equal(groundtruth.to_numpy(groundtruth.dense_M(problem)), problem.M_dense())


# --- b. constant rates against the dense matrix exponential -----------------------------------
def expm_setup(case):
    p, C_, N_, gamma, s, eta, t = case
    problem, H0, W0, b0 = setup(p, C_, N_, gamma)
    rates = RatePair.proportional(Constant(eta), s)
    return problem, H0, W0, b0, rates, t


@pytest.mark.parametrize("case", th.EXPM_CASES, ids=lambda c: f"C{c[1]}N{c[2]}g{c[3]}s{c[4]}")
def test_float_closed_form_matches_expm(case):
    problem, H0, W0, b0, rates, t = expm_setup(case)
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, rates.ratio(), rates.eta2.integral(t)))
    error, tolerance = th.closed_form_error(dynamics, t, reference)
    assert error <= tolerance


@pytest.mark.parametrize("case", th.EXPM_CASES, ids=lambda c: f"C{c[1]}N{c[2]}g{c[3]}s{c[4]}")
def test_high_precision_closed_form_matches_expm_to_40_digits(case):
    problem, H0, W0, _, rates, t = expm_setup(case)
    exact_gamma = Fraction(case[3])
    zeta1, zeta2 = (float(z) for z in rates.zetas(t))
    with mpmath.workdps(50):
        exact = groundtruth.expm_solution(problem, H0, W0, rates.ratio(), zeta2, exact_gamma)
        formula = th.closed_form_mp(problem, H0, W0, zeta1, zeta2, exact_gamma)
        assert groundtruth.relative_error_mp(formula, exact) <= mp_tolerance()


@pytest.mark.parametrize("mutate", [lambda x: -x, lambda x: 1.1 * x], ids=["negated", "scaled-1.1"])
@pytest.mark.parametrize("case", th.EXPM_CASES[:3], ids=lambda c: f"C{c[1]}N{c[2]}g{c[3]}")
def test_mutated_eigenvalues_fail_against_expm(case, mutate):
    problem, H0, W0, b0, rates, t = expm_setup(case)
    reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, rates.ratio(), rates.eta2.integral(t)))
    mutant = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    mutant.parts.eigenvalues = mutate(mutant.parts.eigenvalues)
    error, tolerance = th.closed_form_error(mutant, t, reference)
    assert error >= MUTANT_MARGIN * tolerance


def test_mutated_high_precision_formula_fails():
    """A wrong constant in alpha at 50 digits is caught by far more than the 40-digit tolerance."""
    problem, H0, W0, _, rates, t = expm_setup(th.EXPM_CASES[0])
    zeta1, zeta2 = (float(z) for z in rates.zetas(t))
    with mpmath.workdps(50):
        exact = groundtruth.expm_solution(problem, H0, W0, rates.ratio(), zeta2, Fraction(1, 5))
        formula = th.closed_form_mp(problem, H0, W0, 1.1 * zeta1, zeta2, Fraction(1, 5))
        assert groundtruth.relative_error_mp(formula, exact) >= MUTANT_MARGIN * mp_tolerance()


def test_time_zero_is_the_initial_state():
    problem, H0, W0, b0 = setup(3, 4, 2, "1/10")
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(0.3), 2.0))
    H, W = dynamics.state(0.0)
    tolerance = float_tolerance("float64", th.closed_form_operations(problem), 5)
    assert relative_error(stack(H, W), stack(H0, W0)) <= tolerance
    assert np.array_equal(dynamics.bias(0.0), b0)
    assert np.array_equal(dynamics.coefficients(0.0), np.ones((5, 2)))
    # ((1 + sqrt s) + (1 - sqrt s)) / 2 rounds: equal to one up to a few roundings
    assert np.abs(dynamics.discrete_coefficients(0)[0] - 1).max() <= float_tolerance("float64", 4)


def test_within_class_component_never_moves():
    problem, H0, W0, b0 = setup(2, 3, 3, "1/5")
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, RatePair.proportional(Constant(1.0), 0.5))
    assert dynamics.parts.labels[-1] == "E3"
    assert np.array_equal(dynamics.coefficients(np.array([0.0, 5.0, 500.0]))[:, -1], np.ones((3, 2)))


@pytest.mark.parametrize("gamma, dominant", [("1/10", "E1+"), ("2", "E2-")])
def test_large_time_accuracy_and_dominant_component(gamma, dominant):
    """At sigma sqrt(z1 z2) ~ 300 (entries ~ 1e130) the float closed form still matches expm, and
    the component of largest |sigma| carries the norm (E2- wins once gamma > 2/(C-2))."""
    problem, H0, W0, b0 = setup(2, 4, 2, gamma)
    rates = RatePair.proportional(Constant(1.0), 1.0)
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    t = 300.0 / np.abs(dynamics.parts.eigenvalues).max()
    reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, 1.0, t))
    error, tolerance = th.closed_form_error(dynamics, t, reference)
    assert error <= tolerance
    coefficients = dynamics.coefficients(np.asarray(t))
    alone = np.zeros_like(coefficients)
    k = dynamics.parts.labels.index(dominant)
    alone[k] = coefficients[k]
    share = dynamics.parts.norm(alone) / dynamics.parts.norm(coefficients)
    assert share > 1 - 1e-12


# --- c, d. time-varying rates against mpmath odefun --------------------------------------------
ODE_CASES = {
    "cosine": RatePair.proportional(CosineAnnealing(1.0, 3.0, 0.1), 0.5),
    "step": RatePair.proportional(Step(1.0, (1.5, 3.0), 0.5), 2.0),
    "non-proportional": RatePair(Step(1.0, (1.0,), 0.5), Step(1.0, (2.5,), 0.5)),
}
ODE_TIME = 4.0


@pytest.fixture(scope="module")
def ode_runs():
    problem, H0, W0, b0 = setup(1, 2, 2, "1/5")   # C = 3 runs in check() at 50 digits
    return {name: (problem, H0, W0, b0, rates,
                   groundtruth.ode_solution(problem, H0, W0, rates, ODE_TIME, Fraction(1, 5), ODE_DPS))
            for name, rates in ODE_CASES.items()}


@pytest.mark.parametrize("name", ["cosine", "step"])
def test_closed_form_matches_odefun_for_proportional_rates(ode_runs, name):
    problem, H0, W0, b0, rates, ode = ode_runs[name]
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    error, tolerance = th.closed_form_error(dynamics, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error <= tolerance
    with mpmath.workdps(ODE_DPS):
        zetas = [groundtruth.mp_integral(eta, ODE_TIME) for eta in (rates.eta1, rates.eta2)]
        formula = th.closed_form_mp(problem, H0, W0, *zetas, Fraction(1, 5), ODE_DPS)
        assert groundtruth.relative_error_mp(formula, ode) <= mp_tolerance()


@pytest.mark.parametrize("name", ["step", "non-proportional"])
def test_odefun_agrees_with_piecewise_expm(ode_runs, name):
    problem, H0, W0, _, rates, ode = ode_runs[name]
    with mpmath.workdps(ODE_DPS):
        pieces = groundtruth.piecewise_expm_solution(problem, H0, W0, rates, ODE_TIME, Fraction(1, 5), ODE_DPS)
        assert groundtruth.relative_error_mp(ode, pieces) <= mp_tolerance()


@pytest.mark.parametrize("name", ["cosine", "step"])
def test_mutated_closed_form_fails_against_odefun(ode_runs, name):
    problem, H0, W0, b0, rates, ode = ode_runs[name]
    mutant = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    mutant.parts.eigenvalues = -mutant.parts.eigenvalues
    error, tolerance = th.closed_form_error(mutant, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error >= MUTANT_MARGIN * tolerance


def test_closed_form_fails_for_non_proportional_rates(ode_runs):
    problem, H0, W0, b0, rates, ode = ode_runs["non-proportional"]
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates, require_proportional=False)
    error, tolerance = th.closed_form_error(dynamics, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error >= MUTANT_MARGIN * tolerance
    assert error > 1e-3


def test_non_proportional_rates_are_refused():
    problem, H0, W0, b0 = setup(1, 3, 2, "1/5")
    for rates in (ODE_CASES["non-proportional"], RatePair(CosineAnnealing(1.0, 3.0, 0.1), Constant(0.5))):
        with pytest.raises(NonProportionalRatesError):
            th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
        dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates, require_proportional=False)
        with pytest.raises(NonProportionalRatesError):
            dynamics.discrete_coefficients(3)


def test_bad_inputs_are_rejected():
    problem, H0, W0, b0 = setup(1, 3, 2, "1/5")
    rates = RatePair.proportional(Constant(1.0))
    with pytest.raises(AssumptionError):
        th.UnconstrainedDynamics(problem, H0[:, :-1], W0, b0, rates)
    with pytest.raises(AssumptionError):
        th.UnconstrainedDynamics(problem, H0, W0, b0[:-1], rates)
    with pytest.raises(AssumptionError, match="40"):
        groundtruth.expm_solution(problem, H0, W0, 1.0, 1.0, dps=30)
    with pytest.raises(AssumptionError, match="forward"):
        groundtruth.ode_solution(problem, H0, W0, rates, -1.0)
    with pytest.raises(AssumptionError, match="piecewise-constant"):
        groundtruth.piecewise_expm_solution(problem, H0, W0, ODE_CASES["cosine"], 1.0)
    with pytest.raises(AssumptionError, match="shape"):
        groundtruth.expm_solution(problem, W0, W0, 1.0, 1.0)


# --- e, f, g. gradient descent ----------------------------------------------------------------
def descent_case():
    problem, H0, W0, b0 = setup(3, 4, 3, "1/10", seed=1)
    return problem, H0, W0, b0, RatePair.proportional(CosineAnnealing(0.5, 150.0, 0.01), 0.5)


def test_descent_iterates_match_the_discrete_closed_form():
    problem, H0, W0, b0, rates = descent_case()
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    coefficients = dynamics.discrete_coefficients(200)
    record = [0, 1, 50, 200]
    runs = [gradient_descent(problem, H0, W0, b0, rates, 200, record_steps=record, method=m) for m in METHODS]
    for i, k in enumerate(record):
        expected = stack(*dynamics.parts.combine(coefficients[k]))
        tolerance = th.descent_tolerance(dynamics, coefficients[k], k)
        states = [stack(run.H[i], run.W[i]) for run in runs]
        for state in states:
            assert relative_error(state, expected) <= tolerance
            assert relative_error(state, states[0]) <= tolerance
        for run in runs:
            assert relative_error(run.b[i], dynamics.discrete_bias(k)) <= float_tolerance("float64", k + 2)


def test_mutated_discrete_closed_form_fails_against_descent():
    problem, H0, W0, b0, rates = descent_case()
    run = gradient_descent(problem, H0, W0, b0, rates, 200)
    mutant = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    mutant.parts.eigenvalues = 1.1 * mutant.parts.eigenvalues
    coefficients = mutant.discrete_coefficients(200)[200]
    error = relative_error(stack(run.H[-1], run.W[-1]), stack(*mutant.parts.combine(coefficients)))
    assert error >= MUTANT_MARGIN * th.descent_tolerance(mutant, coefficients, 200)


@pytest.mark.parametrize("name", ["constant", "cosine"])
def test_small_step_limit_is_first_order(name):
    problem, H0, W0, b0, _ = descent_case()
    gaps, bias_gaps = [], []
    for h in (0.1, 0.05, 0.025):
        rates = (RatePair.proportional(Constant(h), 2.0) if name == "constant"
                 else RatePair.proportional(CosineAnnealing(2 * h, 8 / h, 0.2 * h), 2.0))
        steps = int(round(8 / h))
        dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
        run = gradient_descent(problem, H0, W0, b0, rates, steps)
        gaps.append(relative_error(stack(run.H[-1], run.W[-1]), stack(*dynamics.state(steps))))
        bias_gaps.append(relative_error(run.b[-1], dynamics.bias(steps)))
    assert all(1.8 <= a / b <= 2.2 for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] > 1e-4          # a real discretisation gap, not rounding
    if name == "constant":          # sum_j eta = zeta2(K): the biases agree to rounding
        steps = [int(round(8 / h)) for h in (0.1, 0.05, 0.025)]
        assert all(g <= float_tolerance("float64", k + 2) for g, k in zip(bias_gaps, steps))
    else:                           # left Riemann sum of the cosine rate: first order as well
        assert all(1.8 <= a / b <= 2.2 for a, b in zip(bias_gaps, bias_gaps[1:]))


@pytest.mark.paper_scale
def test_paper_scale_descent_matches_discrete_closed_form():
    problem, H0, W0, b0 = setup(512, 100, 10, "1/100")
    rates = RatePair.proportional(Constant(0.1))
    dynamics = th.UnconstrainedDynamics(problem, H0, W0, b0, rates)
    coefficients = dynamics.discrete_coefficients(2000)
    runs = [gradient_descent(problem, H0, W0, b0, rates, 2000, record_steps=[1000, 2000], method=m) for m in METHODS]
    for i, k in enumerate([1000, 2000]):
        expected = stack(*dynamics.parts.combine(coefficients[k]))
        tolerance = th.descent_tolerance(dynamics, coefficients[k], k)
        states = [stack(run.H[i], run.W[i]) for run in runs]
        assert all(relative_error(state, expected) <= tolerance for state in states)
        assert all(relative_error(state, states[0]) <= tolerance for state in states)
        assert all(relative_error(run.b[i], dynamics.discrete_bias(k)) <= float_tolerance("float64", k + 2)
                   for run in runs)


@pytest.mark.paper_scale
def test_check_proves_theorem_2_at_paper_scale():
    finding = th.check(CheckContext(paper_scale=True))
    assert finding.verdict == Verdict.PROVED
    assert finding.sound
