"""Theorem 4 (closed-form dynamics under weight decay), piece by piece, against independent ground truth.

Symbolic identities hold for all C, N, gamma, lambda1, lambda2, s and any zeta2(t) (structured
algebra); numbers come from mpmath (dense expm, odefun, >= 40 digits) and torch gradient descent.
Every closed form is also shown to FAIL the same comparison when perturbed (mutants): the sign
of lambda, zeta1 and zeta2 swapped, Eq. 69's b as OCR'd, and the printed psi of Eq. 14.
"""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import theorem_4 as th
from ulproofs.claims.theorem_2 import UnconstrainedDynamics
from ulproofs.core import groundtruth
from ulproofs.core.descent import METHODS, gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.operator import gamma as gamma_symbol
from ulproofs.core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance, relative_error
from ulproofs.core.rates import Constant, CosineAnnealing, NonProportionalRatesError, RatePair, Step
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict

# the ODE checks run at the policy's minimum precision to keep the default suite fast
ODE_DPS = 40


def setup(p, C_, N_, gamma, seed=0):
    problem = LayerPeeledProblem(p=p, C=C_, N=N_, gamma=float(Fraction(gamma)))
    rng = np.random.default_rng(seed)
    return (problem, rng.standard_normal((p, C_ * N_)), rng.standard_normal((p, C_)), rng.standard_normal(C_))


# --- a. symbolic: S, its eigenvalues and exponential (Eqs. 62-69) --------------------------------
def test_S_arises_from_the_induction_on_every_component():
    derived = th.derive_S()
    assert list(derived) == ["E1+", "E1-", "E2+", "E2-", "E3"]
    for label, (found, expected, determined) in derived.items():
        assert (found - expected).applyfunc(sp.simplify) == sp.zeros(*expected.shape), label
        assert determined == (label != "E3")      # E3 has no W part: only S's first row is seen


@pytest.fixture(scope="module")
def exponential():
    return th.derive_exponential()


def test_eigenvalues_and_eigenvectors_are_as_printed(exponential):
    assert exponential["eq66_eigenvalues"] and exponential["eq67_eigenvectors"]
    assert exponential["trace_and_determinant"] == (True, True)


def test_eq69_a_and_derived_b_are_exp_S(exponential):
    assert exponential["eq69_a"] and exponential["eq69_b_derived"]


def test_eq69_b_as_ocred_is_not_exp_S(exponential):
    assert not exponential["eq69_b_as_ocr"]
    z, sig = sp.symbols("z sigma", positive=True)
    _, b_ocr = th.multipliers_eq69_as_ocr(sig, 0, 0, z, z)
    assert sp.limit(b_ocr, z, 0) == 0                      # b(0) must be 1
    _, b = th.multipliers_eq69(sig, 0, 0, z, z)
    assert sp.limit(b, z, 0) == 1


def test_within_class_and_degenerate_components():
    table, diagonal, agree = th.multipliers_per_subspace()
    l1z1, l2z2 = th.lambda1 * th.zeta1_symbol, th.lambda2 * th.zeta2_symbol
    assert diagonal == (sp.exp(-l1z1), sp.exp(-l2z2)) and agree
    assert {sp.simplify(x) for x in table["E3"]} == {sp.simplify(-(l1z1 + l2z2) / 2 - sp.Abs(l1z1 - l2z2) / 2),
                                                     sp.simplify(-(l1z1 + l2z2) / 2 + sp.Abs(l1z1 - l2z2) / 2)}
    assert th.prove_entire_form()
    ode, limits = th.prove_degenerate_case()
    assert ode.is_zero_matrix and limits == [0, 0, 0, 0]


def test_theta1_is_negative_and_theta2_has_the_sign_of_sigma_squared_minus_lambda1_lambda2():
    """theta1 theta2 = det S = z1 z2 (l1 l2 - sigma^2) with theta1 < 0: a component grows iff
    sigma^2 > l1 l2 (for l1 = l2 = lambda: iff |sigma| > lambda, Corollary 5's threshold)."""
    sig, z1, z2 = sp.symbols("sigma zeta_1 zeta_2", positive=True)
    theta1, theta2 = th.eigenvalues_eq66(sig, th.lambda1, th.lambda2, z1, z2)
    assert theta1.is_negative
    assert sp.expand(theta1 * theta2 - z1 * z2 * (th.lambda1 * th.lambda2 - sig ** 2)) == 0


# --- a. symbolic: the flow, the commutator, the discrete iterates --------------------------------
def test_component_reduction_is_exact():
    assert all(residual.is_zero() for residual in th.component_residuals().values())


def test_flow_equation_holds_for_all_sizes_and_rates():
    vanishes, at_zero = th.prove_flow_equation()
    assert len(vanishes) == 9 and all(vanishes.values())
    assert at_zero.is_zero()


FLOW_POINT = {C: 3, N: 2, gamma_symbol: sp.Rational(1, 5), th.s: 2, th.lambda1: sp.Rational(1, 10),
              th.lambda2: sp.Rational(3, 10), th.t: sp.Rational(1, 2)}


def largest_flow_residual(formula):
    return max(abs(c) for c in th.flow_residual_at(formula, FLOW_POINT).coefficients().values())


def test_flow_residual_at_a_point_vanishes_for_eq69():
    assert largest_flow_residual(None) < sp.Float(10) ** -25


@pytest.mark.parametrize("kind", ["lambda-sign", "swapped-zetas", "ocr-b"])
def test_mutated_S_leaves_a_flow_residual(kind):
    assert largest_flow_residual(th.perturbed_multipliers(kind)) > 0.01


def test_commutator_vanishes_iff_rates_are_proportional():
    commutator, conditions, factor, kernel = th.commutator_of_rates()
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    assert conditions == [{a2: a1 * b2 / b1}]
    assert sp.expand(factor - (a2 * b1 - a1 * b2)) == 0
    assert kernel.equals(th.expected_commutator_kernel())
    assert (commutator - kernel * factor).is_zero()


def test_commutator_matches_dense_matrices():
    """Non-proportional rates at two times, lambda1 != lambda2: dense commutator = factor x kernel."""
    problem = LayerPeeledProblem(p=1, C=3, N=2, gamma=0.25)
    decay = (Fraction(1, 10), Fraction(3, 10))
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    rates = {a1: sp.Rational(3, 4), b1: sp.Rational(5, 4), a2: sp.Rational(1, 2), b2: 2}
    _, _, factor, kernel = th.commutator_of_rates()
    with mpmath.workdps(50):   # A(t) = eta2(t) A_s with s = eta1(t)/eta2(t)
        A1 = groundtruth.dense_generator(problem, Fraction(3, 5), weight_decay=decay) * Fraction(5, 4)
        A2 = groundtruth.dense_generator(problem, Fraction(1, 4), weight_decay=decay) * 2
        dense = A1 * A2 - A2 * A1
        values = {gamma_symbol: sp.Rational(1, 4), th.lambda1: sp.Rational(1, 10), th.lambda2: sp.Rational(3, 10)}
        expected = kernel.subs({**values, **rates}).dense(3, 2) * factor.subs(rates)
        expected = mpmath.matrix([[mpmath.mpf(sp.N(x, 60)) for x in row] for row in expected.tolist()])
        assert mpmath.mnorm(dense, "f") > 0.01
        assert groundtruth.relative_error_mp(dense, expected) < mp_tolerance()


def test_dense_generator_agrees_with_the_structured_operator():
    problem = LayerPeeledProblem(p=1, C=3, N=2, gamma=0.25)
    values = {gamma_symbol: sp.Rational(1, 4), th.lambda1: sp.Rational(1, 8), th.lambda2: sp.Rational(3, 8)}
    structured = th.generator(ratio=sp.Rational(3, 2)).subs(values).dense(3, 2)
    with mpmath.workdps(50):
        dense = groundtruth.dense_generator(problem, 1.5, weight_decay=(0.125, 0.375))
        expected = mpmath.matrix([[mpmath.mpf(sp.N(x, 60)) for x in row] for row in structured.tolist()])
        assert groundtruth.relative_error_mp(dense, expected) < mp_tolerance()


def test_discrete_iterates_are_exact():
    assert th.prove_discrete_iterates() == (True, True)


# --- a. symbolic: the bias -----------------------------------------------------------------------
def test_corrected_bias_solves_its_equation():
    assert all(residual == 0 for residual in th.prove_bias().values())


def test_printed_psi_misses_by_kappa_times_zeta2_minus_eta2():
    residual, constant = th.printed_bias_residual()
    z = th.zeta2(th.t)
    assert sp.simplify(residual - th.drift() * (z - sp.Derivative(z, th.t))) == 0
    eta = sp.Symbol("eta", positive=True)
    assert sp.simplify(constant - th.drift() * eta * (th.t - 1)) == 0     # zero only at the instant t = 1


def test_bias_without_the_drift_factor_fails():
    missing = th.missing_drift_residuals()
    residual, roots = missing["(1+gamma-gamma C) psi"]
    assert residual != 0 and roots == [1 / (C - 1)]       # only where the drift vanishes
    residual, roots = missing["psi alone"]
    assert residual != 0 and roots == []                   # kappa = 1 needs gamma = -1


# --- b. constant rates against the dense matrix exponential -----------------------------------
def expm_setup(case):
    p, C_, N_, gamma, s, eta, t, decay = case
    problem, H0, W0, b0 = setup(p, C_, N_, gamma)
    return problem, H0, W0, b0, RatePair.proportional(Constant(eta), s), t, th.resolve_decay(problem, decay)


def expm_reference(problem, H0, W0, rates, t, decay, gamma):
    return groundtruth.expm_solution(problem, H0, W0, rates.ratio(), rates.eta2.integral(t), Fraction(gamma),
                                     weight_decay=decay)


@pytest.mark.parametrize("case", th.EXPM_CASES, ids=lambda c: f"C{c[1]}N{c[2]}g{c[3]}s{c[4]}l{c[7][0]}")
def test_closed_form_matches_expm_in_float64_and_at_50_digits(case):
    problem, H0, W0, b0, rates, t, decay = expm_setup(case)
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
    with mpmath.workdps(50):
        exact = expm_reference(problem, H0, W0, rates, t, decay, case[3])
        error, tolerance = th.closed_form_error(dynamics, t, groundtruth.to_numpy(exact))
        assert error <= tolerance
        zeta1, zeta2 = (float(z) for z in rates.zetas(t))
        formula = th.closed_form_mp(problem, H0, W0, zeta1, zeta2, decay, Fraction(case[3]))
        assert groundtruth.relative_error_mp(formula, exact) <= mp_tolerance()


@pytest.mark.parametrize("mutate", [lambda d: (-d[0], -d[1]), lambda d: (d[1], d[0]), lambda d: (1.1 * d[0], d[1])],
                         ids=["negated", "swapped", "scaled"])
def test_mutated_weight_decay_fails_against_expm(mutate):
    case = th.EXPM_CASES[0]                       # lambda1 = 0.05 != lambda2 = 0.02, s = 2
    problem, H0, W0, b0, rates, t, decay = expm_setup(case)
    reference = groundtruth.to_numpy(expm_reference(problem, H0, W0, rates, t, decay, case[3]))
    mutant = th.WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    mutant.weight_decay = mutate(decay)
    error, tolerance = th.closed_form_error(mutant, t, reference)
    assert error >= MUTANT_MARGIN * tolerance


def test_threshold_keeps_the_leading_component_constant():
    problem, H0, W0, b0, rates, t, decay = expm_setup(th.EXPM_CASES[3])
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
    coefficients = dynamics.coefficients(np.array([0.0, 10.0, t]))
    k = dynamics.parts.labels.index("E1+")
    assert np.abs(coefficients[:, k] - 1).max() <= float_tolerance("float64", 20, 1 + t)


def test_large_decay_does_not_overflow():
    """theta_1 ~ -2000: e^m cosh(d) would be 0 x inf; the closed form stays finite and exact."""
    problem, H0, W0, b0 = setup(2, 3, 2, "1/5")
    rates = RatePair.proportional(Constant(1.0), 1.0)
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, (1.0, 0.001))
    t = 2000.0
    with mpmath.workdps(50):
        reference = groundtruth.to_numpy(groundtruth.expm_solution(problem, H0, W0, 1.0, t, weight_decay=(1.0, 0.001)))
    error, tolerance = th.closed_form_error(dynamics, t, reference)
    assert np.isfinite(dynamics.coefficients(t)).all() and error <= tolerance


def test_bias_matches_expm_and_odefun_and_the_printed_psi_fails():
    problem, H0, W0, b0, rates, t, decay = expm_setup(th.EXPM_CASES[0])
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
    zeta2 = float(rates.eta2.integral(t))
    with mpmath.workdps(50):
        by_expm = groundtruth.bias_expm_solution(problem, b0, zeta2, decay, Fraction(1, 5))
        by_ode = groundtruth.bias_ode_solution(problem, b0, rates, t, decay, Fraction(1, 5))
        assert groundtruth.relative_error_mp(by_ode, by_expm) <= mp_tolerance()
    reference = np.array([float(x) for x in by_expm])
    error, tolerance = th.bias_error(dynamics, t, reference)
    assert error <= tolerance
    assert np.allclose(dynamics.phi(t) * (b0 + problem.bias_drift() * dynamics.psi(t)), dynamics.bias(t),
                       rtol=tolerance, atol=0)
    eta, x = 0.5, decay[1] * 0.5     # printed psi = int_0^t (eta tau) e^{lambda2 eta tau} dtau
    printed = dynamics.phi(t) * (b0 + problem.bias_drift() * eta * (np.exp(x * t) * (x * t - 1) + 1) / x ** 2)
    assert relative_error(printed, reference) >= MUTANT_MARGIN * tolerance


def test_lambda_zero_is_theorem_2():
    problem, H0, W0, b0 = setup(2, 4, 3, "1/10")
    rates = RatePair.proportional(CosineAnnealing(1.0, 6.0, 0.1), 0.5)
    decayed = th.WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    free = UnconstrainedDynamics(problem, H0, W0, b0, rates)
    t = np.linspace(0.0, 8.0, 9)
    tolerance = float_tolerance("float64", 20, 10)
    reference = free.coefficients(t)
    assert np.abs(decayed.coefficients(t) - reference).max() <= tolerance * np.abs(reference).max()
    assert np.abs(decayed.bias(t) - free.bias(t)).max() <= tolerance * np.abs(free.bias(t)).max()


def test_vectorised_over_weight_decays():
    problem, H0, W0, b0 = setup(2, 4, 3, "1/10")
    rates = RatePair.proportional(Constant(0.3), 2.0)
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    decays = np.array([[0.0, 0.0], [0.01, 0.2], [0.3, 0.3]])
    t = np.linspace(0.0, 50.0, 7)
    many = dynamics.coefficients_over_decays(t, decays)
    assert many.shape == (3, 7, 5, 2)
    for decay, block in zip(decays, many):
        one = th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay).coefficients(t)
        assert np.array_equal(block, one)


# --- c, d. time-varying rates against mpmath odefun --------------------------------------------
ODE_CASES = {
    "cosine": RatePair.proportional(CosineAnnealing(1.0, 3.0, 0.1), 0.5),
    "step": RatePair.proportional(Step(1.0, (1.0, 2.0), 0.5), 2.0),
    "non-proportional": RatePair(Step(1.0, (1.0,), 0.5), Step(1.0, (2.5,), 0.5)),
}
ODE_TIME = 3.0
ODE_DECAY = (0.3, 0.1)


@pytest.fixture(scope="module")
def ode_runs():
    """odefun for the cosine rate; dense expm piece by piece for the piecewise-constant rates
    (odefun and piecewise expm are compared in check(), for the non-proportional case)."""
    problem, H0, W0, b0 = setup(1, 2, 2, "1/5")   # C = 3 runs in check() at 50 digits
    runs = {}
    for name, rates in ODE_CASES.items():
        solve = groundtruth.ode_solution if name == "cosine" else groundtruth.piecewise_expm_solution
        runs[name] = (problem, H0, W0, b0, rates,
                      solve(problem, H0, W0, rates, ODE_TIME, Fraction(1, 5), ODE_DPS, weight_decay=ODE_DECAY))
    return runs


@pytest.mark.parametrize("name", ["cosine", "step"])
def test_closed_form_matches_the_flow_for_time_varying_proportional_rates(ode_runs, name):
    problem, H0, W0, b0, rates, ode = ode_runs[name]
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, ODE_DECAY)
    error, tolerance = th.closed_form_error(dynamics, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error <= tolerance
    with mpmath.workdps(ODE_DPS):
        zetas = [groundtruth.mp_integral(eta, ODE_TIME) for eta in (rates.eta1, rates.eta2)]
        formula = th.closed_form_mp(problem, H0, W0, *zetas, ODE_DECAY, Fraction(1, 5), ODE_DPS)
        assert groundtruth.relative_error_mp(formula, ode) <= mp_tolerance()


def test_bias_matches_odefun_for_a_cosine_rate(ode_runs):
    problem, H0, W0, b0, rates, _ = ode_runs["cosine"]
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, ODE_DECAY)
    with mpmath.workdps(ODE_DPS):
        ode = groundtruth.bias_ode_solution(problem, b0, rates, ODE_TIME, ODE_DECAY, Fraction(1, 5), ODE_DPS)
    error, tolerance = th.bias_error(dynamics, ODE_TIME, np.array([float(x) for x in ode]))
    assert error <= tolerance


def test_odefun_agrees_with_piecewise_expm_under_weight_decay():
    problem, H0, W0, _ = setup(1, 2, 1, "1/5")
    rates = RatePair(Step(1.0, (1.0,), 0.5), Step(1.0, (2.5,), 0.5))
    with mpmath.workdps(ODE_DPS):
        ode = groundtruth.ode_solution(problem, H0, W0, rates, 3.0, Fraction(1, 5), ODE_DPS, ODE_DECAY)
        pieces = groundtruth.piecewise_expm_solution(problem, H0, W0, rates, 3.0, Fraction(1, 5), ODE_DPS, ODE_DECAY)
        assert groundtruth.relative_error_mp(ode, pieces) <= mp_tolerance()


def test_mutated_closed_form_fails_against_odefun(ode_runs):
    problem, H0, W0, b0, rates, ode = ode_runs["cosine"]
    mutant = th.WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0))
    mutant.weight_decay = (ODE_DECAY[1], ODE_DECAY[0])       # lambda1 and lambda2 swapped
    error, tolerance = th.closed_form_error(mutant, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error >= MUTANT_MARGIN * tolerance


def test_closed_form_fails_for_non_proportional_rates(ode_runs):
    problem, H0, W0, b0, rates, ode = ode_runs["non-proportional"]
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, ODE_DECAY, require_proportional=False)
    error, tolerance = th.closed_form_error(dynamics, ODE_TIME, groundtruth.to_numpy(ode), extra_operations=10)
    assert error >= MUTANT_MARGIN * tolerance
    assert error > 1e-3
    with pytest.raises(NonProportionalRatesError):
        th.WeightDecayDynamics(problem, H0, W0, b0, rates, ODE_DECAY)
    with pytest.raises(NonProportionalRatesError):
        dynamics.discrete_coefficients(3)


def test_bad_inputs_are_rejected():
    problem, H0, W0, b0 = setup(1, 3, 2, "1/5")
    rates = RatePair.proportional(Constant(1.0))
    for decay in ((-0.1, 0.0), (0.0, float("nan")), (float("inf"), 0.0)):
        with pytest.raises(AssumptionError, match="weight decay"):
            th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
        with pytest.raises(AssumptionError, match="weight decay"):
            groundtruth.expm_solution(problem, H0, W0, 1.0, 1.0, weight_decay=decay)
    with pytest.raises(AssumptionError, match="weight decay"):
        th.WeightDecayDynamics(problem, H0, W0, b0, rates, (0.0, 0.0)).coefficients_over_decays([1.0], [[0.1, -1]])
    with pytest.raises(AssumptionError, match="shape"):
        groundtruth.bias_ode_solution(problem, b0[:-1], rates, 1.0)
    with pytest.raises(AssumptionError, match="forward"):
        groundtruth.bias_ode_solution(problem, b0, rates, -1.0)


# --- e, f. gradient descent -------------------------------------------------------------------
DESCENT_DECAY = (0.2, 0.05)


def descent_case():
    problem, H0, W0, b0 = setup(3, 4, 3, "1/10", seed=1)
    return problem, H0, W0, b0, RatePair.proportional(CosineAnnealing(0.5, 150.0, 0.01), 0.5)


def test_descent_iterates_match_the_discrete_closed_form():
    problem, H0, W0, b0, rates = descent_case()
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, DESCENT_DECAY)
    coefficients = dynamics.discrete_coefficients(200)
    record = [0, 1, 50, 200]
    runs = [gradient_descent(problem, H0, W0, b0, rates, 200, record_steps=record, method=m,
                             weight_decay=DESCENT_DECAY) for m in METHODS]
    for i, k in enumerate(record):
        expected = th.stacked(*dynamics.parts.combine(coefficients[k]))
        tolerance = th.descent_tolerance(dynamics, coefficients[k], k)
        states = [th.stacked(run.H[i], run.W[i]) for run in runs]
        for state in states:
            assert relative_error(state, expected) <= tolerance
            assert relative_error(state, states[0]) <= tolerance
        for run in runs:
            assert relative_error(run.b[i], dynamics.discrete_bias(k)) <= float_tolerance("float64", 3 * k + 2, 10)


def test_mutated_discrete_closed_form_fails_against_descent():
    problem, H0, W0, b0, rates = descent_case()
    run = gradient_descent(problem, H0, W0, b0, rates, 200, weight_decay=DESCENT_DECAY)
    mutant = th.WeightDecayDynamics(problem, H0, W0, b0, rates, DESCENT_DECAY[::-1])
    coefficients = mutant.discrete_coefficients(200)[200]
    error = relative_error(th.stacked(run.H[-1], run.W[-1]), th.stacked(*mutant.parts.combine(coefficients)))
    assert error >= MUTANT_MARGIN * th.descent_tolerance(mutant, coefficients, 200)


@pytest.mark.parametrize("name", ["constant", "cosine"])
def test_small_step_limit_is_first_order(name):
    problem, H0, W0, b0, _ = descent_case()
    gaps, bias_gaps = [], []
    for h in (0.1, 0.05, 0.025):
        rates = (RatePair.proportional(Constant(h), 2.0) if name == "constant"
                 else RatePair.proportional(CosineAnnealing(2 * h, 8 / h, 0.2 * h), 2.0))
        steps = int(round(8 / h))
        dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, DESCENT_DECAY)
        run = gradient_descent(problem, H0, W0, b0, rates, steps, weight_decay=DESCENT_DECAY)
        gaps.append(relative_error(th.stacked(run.H[-1], run.W[-1]), th.stacked(*dynamics.state(steps))))
        bias_gaps.append(relative_error(run.b[-1], dynamics.bias(steps)))
    assert all(1.8 <= a / b <= 2.2 for a, b in zip(gaps, gaps[1:]))
    assert all(1.8 <= a / b <= 2.2 for a, b in zip(bias_gaps, bias_gaps[1:]))
    assert gaps[-1] > 1e-4          # a real discretisation gap, not rounding


@pytest.mark.paper_scale
@pytest.mark.parametrize("decay", [(1e-3, 1e-3), "threshold", (5e-3, 1e-4)])
def test_paper_scale_descent_matches_discrete_closed_form(decay):
    problem, H0, W0, b0 = setup(512, 100, 10, "1/99")
    decay = (th.threshold(problem),) * 2 if decay == "threshold" else decay
    rates = RatePair.proportional(Constant(0.1))
    dynamics = th.WeightDecayDynamics(problem, H0, W0, b0, rates, decay)
    coefficients = dynamics.discrete_coefficients(2000)
    methods = METHODS if decay == (1e-3, 1e-3) else ("class-mean",)
    runs = [gradient_descent(problem, H0, W0, b0, rates, 2000, record_steps=[1000, 2000], method=m,
                             weight_decay=decay) for m in methods]
    for i, k in enumerate([1000, 2000]):
        expected = th.stacked(*dynamics.parts.combine(coefficients[k]))
        tolerance = th.descent_tolerance(dynamics, coefficients[k], k)
        states = [th.stacked(run.H[i], run.W[i]) for run in runs]
        assert all(relative_error(state, expected) <= tolerance for state in states)
        assert all(relative_error(run.b[i], dynamics.discrete_bias(k)) <= float_tolerance("float64", 3 * k + 2, 10)
                   for run in runs)


@pytest.mark.paper_scale
def test_check_corrects_theorem_4_at_paper_scale():
    finding = th.check(CheckContext(paper_scale=True))
    assert finding.verdict == Verdict.CORRECTED
    assert finding.sound
    assert "eta2(tau) exp(lambda2 zeta2(tau))" in finding.correction
