"""Theorem 6 (prototype-anchored dynamics, Eqs. 16-17, 96-97), piece by piece, against independent ground truth.

Symbolic identities hold for all C, N, gamma, lambda and any zeta(t) (structured algebra on Z = (H, W));
numbers come from mpmath (dense expm, odefun, >= 40 digits) and torch gradient descent with W fixed.
Every closed form is also shown to FAIL the same comparison when perturbed (mutants).
"""
import mpmath
import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import theorem_6 as th
from ulproofs.core import groundtruth
from ulproofs.core.errors import AssumptionError
from ulproofs.core.etf import simplex_etf
from ulproofs.core.operator import gamma, matrix_M
from ulproofs.core.precision import MUTANT_MARGIN, mp_tolerance, relative_error
from ulproofs.core.rates import Constant, CosineAnnealing
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict

# the ODE checks run at the policy's minimum precision to keep the default suite fast
ODE_DPS = 40


def draw(p, C_, N_, gamma_text, seed=0, etf=False):
    problem, exact = th.make_problem(p, C_, N_, gamma_text)
    rng = np.random.default_rng(seed)
    return problem, exact, rng.standard_normal((p, problem.examples)), th.draw_prototypes(problem, rng, etf)


# --- a. symbolic -------------------------------------------------------------------------------
def test_closed_form_solves_the_anchored_flow_for_any_rate():
    residual, at_zero = th.prove_flow_equation()
    assert residual.is_zero() and at_zero.is_zero()


@pytest.mark.parametrize("name", list(th.MUTANTS))
def test_mutated_closed_forms_do_not_solve_the_flow(name):
    residual, _ = th.prove_flow_equation(th.MUTANTS[name])
    assert not residual.is_zero()


def test_integrating_factor_step_of_the_proof():
    assert th.prove_integrating_factor() == (0, 0)


def test_no_decay_limit_is_linear_growth_and_solves_its_flow():
    limit, flow = th.prove_no_decay_limit()
    assert limit.is_zero() and flow.is_zero()


def test_rate_is_an_exact_identity_and_the_limit_is_WM_over_lambda():
    rate, limit = th.prove_exact_rate()
    assert rate.is_zero() and limit.is_zero()


def test_literal_reading_of_eq16_fails_unless_eta_is_one():
    h_part, w_part = th.literal_reading_residual()
    rate = sp.Derivative(th.zeta(th.t), th.t)
    assert h_part != 0 and w_part != 0
    assert sp.simplify(h_part.subs(rate, 1)) == 0 and sp.simplify(w_part.subs(rate, 1)) == 0
    assert sp.simplify(h_part + th.decay_symbol * (rate - 1) * sp.exp(-th.decay_symbol * th.zeta(th.t))) == 0


def test_paper_feature_combination_is_the_column_of_WM_for_every_W():
    assert (th.paper_feature_matrix() - matrix_M()).is_zero()
    # and it is not, e.g., the combination with +gamma (a mutant of the printed formula)
    mutant = th.paper_feature_matrix().subs(gamma, -gamma)
    assert not (mutant - matrix_M()).is_zero()


def test_paper_feature_combination_dense_for_a_random_W():
    problem = LayerPeeledProblem(p=3, C=4, N=2, gamma=0.3)
    W = np.random.default_rng(1).standard_normal((3, 4))
    expected = np.column_stack([(W[:, c] - 0.3 * (W.sum(1) - W[:, c])) / 8 for c in problem.class_of_column()])
    assert np.allclose(problem.apply_M(W), expected, rtol=0, atol=1e-15)


def test_centred_prototypes_drive_along_their_own_class():
    assert th.prove_centred_drive().is_zero()
    problem = LayerPeeledProblem(p=5, C=4, N=3, gamma=0.2)
    W = simplex_etf(5, 4, seed=2)
    assert np.allclose(problem.apply_M(W), (1.2 / 12) * W @ problem.labels(), rtol=0, atol=1e-15)


def test_etf_limit_margin_is_positive_for_all_sizes():
    _, x, y = th.etf_limit_margin()
    assert sp.simplify(x - th.scale_symbol ** 2 * (1 + gamma) / (th.decay_symbol * (C - 1) * N)) == 0
    assert sp.simplify(x.subs(C, sp.Symbol("c", positive=True) + 1)).is_positive
    assert sp.simplify(y + x / C) == 0


def test_time_to_full_accuracy_formula_and_monotonicity():
    solution, at_zero, monotone = th.full_accuracy_time()
    D, alpha = sp.symbols("D alpha", positive=True)
    assert sp.simplify(sp.expand_log(solution - sp.log(1 + th.decay_symbol * D / alpha) / th.decay_symbol,
                                     force=True)) == 0
    assert sp.simplify(at_zero - D / alpha) == 0
    assert all(v == 0 for v in monotone.values())
    values = [th.full_accuracy_zeta(5.0, 0.1, lam) for lam in (0.0, 0.01, 0.1, 1.0)]
    assert values[0] == pytest.approx(50.0) and all(a > b for a, b in zip(values, values[1:]))


@pytest.mark.parametrize("decay", [th.decay_symbol, 0], ids=["lambda>0", "lambda=0"])
def test_discrete_closed_form_by_induction(decay):
    step, initial = th.prove_discrete_iterates(decay)
    assert step.is_zero() and initial.is_zero()


def test_two_prototype_counterexample_regions():
    margins, correct = th.two_prototype_counterexample()
    assert correct[1] == sp.Interval.Ropen(0, 2)
    assert correct[2] == sp.Interval.open(sp.Rational(1, 2), sp.oo)


# --- b. against the dense matrix exponential ---------------------------------------------------
@pytest.mark.parametrize("case", th.EXPM_CASES, ids=lambda c: f"C{c[1]}N{c[2]}g{c[3]}l{c[4]}")
def test_closed_form_matches_expm(case):
    p, C_, N_, gamma_text, decay, rate, time, etf = case
    problem, exact, H0, W = draw(p, C_, N_, gamma_text, etf=etf)
    passed, measured, _ = th.expm_comparison(problem, H0, W, rate, decay, time, exact)
    assert passed, measured
    if decay:
        assert measured["||H(t) - WM/lambda|| / ||H0 - WM/lambda||"] == pytest.approx(
            measured["e^{-lambda zeta}"], rel=1e-14)


@pytest.mark.parametrize("name", list(th.MUTANTS))
def test_mutants_fail_against_expm(name):
    p, C_, N_, gamma_text, decay, rate, time, _ = th.EXPM_CASES[0]
    problem, exact, H0, W = draw(p, C_, N_, gamma_text)
    _, _, reference = th.expm_comparison(problem, H0, W, rate, decay, time, exact)
    wrong = th.AnchoredDynamics(problem, H0, W, Constant(rate), decay, formula=th.MUTANTS[name])
    tolerance = th.closed_form_tolerance(th.AnchoredDynamics(problem, H0, W, Constant(rate), decay), time)
    assert relative_error(wrong.state(time), reference) >= MUTANT_MARGIN * tolerance
    with mpmath.workdps(50):
        exact_mp = th.expm_solution(problem, H0, W, rate, decay, time, exact)
        formula = th.closed_form_mp(problem, H0, W, mpmath.mpf(rate * time), decay, exact, formula=th.MUTANTS[name])
        assert groundtruth.relative_error_mp(formula, exact_mp) >= MUTANT_MARGIN * mp_tolerance()


def test_expm_ground_truth_is_the_dense_flow_at_small_time():
    """Independent sanity: one Euler step of H' = eta (W M - lambda H) from the definition of M."""
    problem, exact, H0, W = draw(2, 3, 2, "1/5")
    dt = 1e-20
    with mpmath.workdps(60):
        H = th.expm_solution(problem, H0, W, 1.0, 0.5, dt, exact, dps=60)
        drive = groundtruth.mp_matrix(W) * groundtruth.dense_M(problem, exact)
        euler = groundtruth.mp_matrix(H0) + dt * (drive - mpmath.mpf(0.5) * groundtruth.mp_matrix(H0))
        assert mpmath.mnorm(H - euler, "f") < 1e-35


# --- c. against mpmath odefun --------------------------------------------------------------------
@pytest.mark.parametrize("name", list(th.ode_schedules()))
def test_closed_form_matches_odefun(name):
    problem, exact, H0, W = draw(1, 3, 2, "1/5", seed=3)
    passed, measured = th.ode_comparison(problem, H0, W, th.ode_schedules()[name], th.ODE_DECAY, th.ODE_HORIZON,
                                         exact, ODE_DPS)
    assert passed, measured


# --- d. gradient descent --------------------------------------------------------------------------
def descent_setup():
    problem, _, H0, W = draw(*th.DESCENT_SIZE, seed=1)
    return problem, H0, W


def test_descent_matches_the_discrete_closed_form():
    problem, H0, W = descent_setup()
    passed, measured = th.descent_comparison(problem, H0, W, th.descent_schedule(), th.DESCENT_DECAY,
                                             th.DESCENT_STEPS, [0, 1, 50, th.DESCENT_STEPS],
                                             ("dense", "structured", "class-mean"))
    assert passed, measured


def test_descent_without_decay_is_linear():
    problem, H0, W = descent_setup()
    passed, measured = th.descent_comparison(problem, H0, W, Constant(0.4), 0.0, 100, [0, 100], ("dense", "class-mean"))
    assert passed, measured


def test_flipped_discrete_product_fails_against_descent():
    problem, H0, W = descent_setup()
    error, tolerance = th.flipped_product_error(problem, H0, W, th.descent_schedule(), th.DESCENT_DECAY,
                                                th.DESCENT_STEPS)
    assert error >= MUTANT_MARGIN * tolerance


def test_continuous_closed_form_is_not_the_discrete_one():
    """e^{-lambda zeta} in place of prod (1 - eta_j lambda) misses GD by a first-order gap, far above rounding."""
    problem, H0, W = descent_setup()
    dynamics = th.AnchoredDynamics(problem, H0, W, Constant(0.5), 0.3)
    run = th.run_descent(problem, H0, W, Constant(0.5), 0.3, 40)
    assert relative_error(run.H[-1], dynamics.state(40.0)) >= MUTANT_MARGIN * th.descent_tolerance(dynamics, 40)


@pytest.mark.parametrize("name", list(th.small_step_schedules()))
def test_small_step_limit_is_first_order(name):
    problem, H0, W = descent_setup()
    gaps = th.small_step_gaps(problem, H0, W, th.small_step_schedules()[name])
    assert all(1.8 <= a / b <= 2.2 for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] > 1e-4


def test_descent_diverges_when_the_step_overshoots():
    """eta lambda > 2: |1 - eta lambda| > 1, c_k grows and GD leaves WM/lambda (the flow never does)."""
    problem, H0, W = descent_setup()
    dynamics = th.AnchoredDynamics(problem, H0, W, Constant(2.5), 1.0)
    run = th.run_descent(problem, H0, W, Constant(2.5), 1.0, 30)
    assert relative_error(run.H[-1], dynamics.discrete_state(30)) <= th.descent_tolerance(dynamics, 30)
    assert np.linalg.norm(run.H[-1] - dynamics.limit()) > 1e4 * np.linalg.norm(H0 - dynamics.limit())


# --- e. accuracy -------------------------------------------------------------------------------
@pytest.mark.parametrize("case", th.ACCURACY_CASES, ids=["lambda=0.1", "lambda=0,p=C-1"])
def test_etf_reaches_full_accuracy_at_the_predicted_step(case):
    p, C_, N_, gamma_value, rate, decay = case
    problem = LayerPeeledProblem(p=p, C=C_, N=N_, gamma=gamma_value)
    rng = np.random.default_rng(4)
    W, H0 = simplex_etf(p, C_, seed=rng), rng.standard_normal((p, problem.examples))
    passed, measured = th.etf_accuracy_run(problem, H0, W, Constant(rate), decay)
    assert passed, measured
    # the flow's zeta* and GD's zeta at the predicted step agree to within one step of eta
    assert abs(measured["GD zeta at the predicted step"] - measured["flow zeta*"]) <= 2 * rate


def test_etf_margin_matches_the_formula():
    problem = LayerPeeledProblem(p=7, C=5, N=3, gamma=0.25)
    W = simplex_etf(7, 5, scale=1.5, seed=0)
    m = th.margins(W, problem.apply_M(W), problem.N)
    off = m[~(np.arange(5)[:, None] == problem.class_of_column()[None, :])]
    assert np.allclose(off, th.etf_drive_margin(problem, 1.5), rtol=1e-13, atol=0)


def test_non_etf_prototypes_can_stay_at_half_accuracy():
    assert th.two_prototype_run(np.random.default_rng(5)) == 0.5


def test_random_prototypes_with_few_dimensions_misclassify():
    stats = th.random_prototype_accuracies(np.random.default_rng(6), ((2, 6), (5, 5), (64, 5)), draws=100)
    assert stats["p=2, C=6"]["fraction below 100%"] == 1.0     # p < C - 1: no W separates every class
    assert stats["p=5, C=5"]["fraction below 100%"] > 0.1
    assert stats["p=64, C=5"]["worst"] == 1.0                   # nearly orthogonal, equal norms: fine


def test_bounded_integrated_rate_stops_short_of_the_limit():
    problem, H0, W = descent_setup()
    passed, measured = th.bounded_zeta_run(problem, H0, W)
    assert passed, measured


def test_accuracy_counts_ties_as_errors():
    W = np.array([[1.0, 1.0]])
    assert th.accuracy(W, np.array([[1.0, 1.0]]), 1) == 0.0


# --- f. inputs -----------------------------------------------------------------------------------
def test_bad_inputs_are_rejected():
    problem, exact, H0, W = draw(2, 3, 2, "1/5")
    with pytest.raises(AssumptionError, match="weight decay"):
        th.AnchoredDynamics(problem, H0, W, Constant(0.5), -0.1)
    with pytest.raises(AssumptionError, match="shape"):
        th.AnchoredDynamics(problem, H0[:, :-1], W, Constant(0.5), 0.1)
    with pytest.raises(AssumptionError, match="lambda > 0"):
        th.AnchoredDynamics(problem, H0, W, Constant(0.5), 0.0).limit()
    with pytest.raises(AssumptionError, match="40"):
        th.expm_solution(problem, H0, W, 1.0, 0.5, 1.0, dps=30)
    with pytest.raises(AssumptionError, match="forward"):
        th.ode_solution(problem, H0, W, Constant(1.0), 0.5, -1.0)


# --- paper scale ---------------------------------------------------------------------------------
@pytest.mark.paper_scale
def test_paper_scale_descent_and_accuracy():
    problem, _ = th.make_problem(512, 100, 10, "1/99")
    rng = np.random.default_rng(0)
    H0, W = rng.standard_normal((512, 1000)), simplex_etf(512, 100, seed=rng)
    for method, steps in th.PAPER_DESCENT_RUNS:
        passed, measured = th.descent_comparison(problem, H0, W, CosineAnnealing(0.1, 2000.0, 0.001), 5e-4, steps,
                                                 [steps // 2, steps], (method,))
        assert passed, measured
    p, C_, N_, gamma_value, rate, decay = th.PAPER_ACCURACY_CASE
    passed, measured = th.etf_accuracy_run(problem, H0, W, Constant(rate), decay)
    assert passed, measured


@pytest.mark.paper_scale
def test_check_proves_theorem_6_at_paper_scale():
    finding = th.check(CheckContext(paper_scale=True))
    assert finding.verdict == Verdict.PROVED
    assert finding.sound
