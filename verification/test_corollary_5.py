"""Corollary 5 (Eq. 15, Eqs. 73-81, Figures 4-8): convergence under weight decay."""
import math

import numpy as np
import pytest
import sympy as sp

from ulproofs.claims import corollary_5 as c5
from ulproofs.claims.corollary_5 import C, N, gamma, lam, s, sigma
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.core.rates import Constant, RatePair
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return c5.check(CheckContext())


def _evidence(finding, start):
    (item,) = [e for e in finding.evidence if e.description.startswith(start)]
    return item


# --- symbolic: exponents, threshold, regimes --------------------------------------------------
def test_exponents_are_eq_74_with_vieta():
    facts = c5.prove_exponents()
    assert facts["matches_paper"] and facts["omega1_negative"]
    assert sp.simplify(facts["sum"] + lam * (s + 1)) == 0
    assert sp.simplify(facts["product"] - s * (lam ** 2 - sigma ** 2)) == 0


def test_threshold_is_sigma_1_and_free_of_s():
    star = c5.threshold()
    assert sp.simplify(star - (1 + gamma) / (C * sp.sqrt(N))) == 0
    assert sp.diff(star, s) == 0


@pytest.mark.parametrize("wrong", [(1 + gamma) / C, sp.sqrt(s) * (1 + gamma) / (C * sp.sqrt(N)),
                                   2 * sp.sqrt(s) / (1 + s) * (1 + gamma) / (C * sp.sqrt(N))])
def test_mutant_thresholds_are_not_the_root(wrong):
    """(1+gamma)/C (no sqrt N) and thresholds that depend on s do not make omega_2(sigma_1) vanish."""
    assert sp.simplify(c5.threshold() - wrong) != 0
    regimes = c5.prove_regimes(sp.simplify(wrong / c5.sigma_1()) * c5.sigma_pos)
    assert not regimes["at_zero"] and not (regimes["above_negative"] and regimes["below_positive"])


def test_regimes_in_both_directions():
    assert sp.simplify(c5.sign_identity() - 4 * s * (sigma ** 2 - lam ** 2)) == 0
    regimes = c5.prove_regimes()
    assert regimes["above_negative"] and regimes["below_positive"] and regimes["at_zero"]


def test_dominance_and_range_independent_of_lambda_and_s():
    facts = c5.prove_dominance()
    assert facts["below_zero"] and facts["discriminant_gap"] and facts["e3_has_no_W_part"]
    assert facts["ranges"]["C>2"] == sp.Interval.open(0, 2 / (C - 2))
    assert facts["ranges"]["C=2"] == sp.Interval.open(0, sp.oo)
    assert {sp.simplify(t) for t in facts["ties"]} == {0, sp.simplify(2 / (C - 2))}


def test_rate_reduces_to_corollary_3_and_min_form():
    facts = c5.prove_rate()
    assert all(facts["lambda_zero"].values()) and all(facts["min_form"].values())
    assert facts["G_at_zero_diagonal"]


def test_rate_is_positive_exactly_in_range_at_a_point():
    rate = c5.convergence_rate()
    point = {C: 5, N: 3, lam: sp.Rational(1, 10), s: sp.Rational(1, 4)}
    assert sp.N(rate.subs(point).subs(gamma, sp.Rational(1, 4))) > 0
    assert sp.simplify(rate.subs(point).subs(gamma, 0)) == 0
    assert sp.simplify(rate.subs(point).subs(gamma, sp.Rational(2, 3))) == 0
    assert sp.N(rate.subs(point).subs(gamma, 1)) < 0


# --- symbolic: pi, limit, self-duality ------------------------------------------------------
def test_pi_equals_eq_75_read_with_s_lambda():
    assert all(c5.prove_pi_matches_paper().values())
    assert all(c5.prove_spectral_projection().values())


def test_mutant_eq_75_with_lambda_instead_of_s_lambda():
    matches = c5.prove_pi_matches_paper(lam)
    assert not matches["w_plus"] and not matches["w_minus"]


def test_limit_at_threshold_is_the_papers():
    (up, vp), (um, vm) = c5.threshold_limit_multipliers()
    assert (up, vp) == (1, 1)
    assert sp.simplify(um - (1 - s) / (1 + s)) == 0 and sp.simplify(vm + (1 - s) / (1 + s)) == 0
    assert (c5.limit_propagator() - c5.paper_limit_propagator()).is_zero()


@pytest.mark.parametrize("mutant", [dict(w_minus_sign=1), dict(coefficient=(1 + s) / (1 - s)),
                                    dict(coefficient=(1 - sp.sqrt(s)) / (1 + sp.sqrt(s)))])
def test_mutant_limit_coefficients(mutant):
    assert not (c5.limit_propagator() - c5.paper_limit_propagator(**mutant)).is_zero()


def test_flipped_limit_is_not_self_dual():
    assert c5.self_duality_constant(c5.paper_limit_propagator(w_minus_sign=1)) is None


def test_limit_prototypes_and_self_duality_at_threshold():
    assert c5.prove_prototype_limits() == dict(at_threshold=True, general=True)
    assert sp.simplify(c5.self_duality_constant(c5.limit_propagator()) - 1 / sp.sqrt(N)) == 0


def test_self_duality_for_every_lambda():
    k = c5.self_duality_constant(c5.direction_propagator())
    assert c5.is_zero_mod_root(k - c5.expected_self_duality())
    assert sp.simplify(c5.explicit(k, 0) - sp.sqrt(s / N)) == 0
    assert sp.simplify(c5.explicit(k, c5.threshold()) - 1 / sp.sqrt(N)) == 0


def test_papers_self_duality_condition_always_holds():
    assert c5.prove_ratio_condition()
    pi = c5.pi_coefficients()
    assert not c5.is_zero_mod_root(pi["h_plus"] * pi["w_minus"] - pi["h_minus"] * pi["w_plus"])   # mutant sign


def test_mutant_corollary_3_self_duality_constant_for_positive_lambda():
    k = c5.self_duality_constant(c5.direction_propagator())
    assert not c5.is_zero_mod_root(k - sp.sqrt(s / N))


def test_limit_direction_vanishes_on_a_rank_one_condition():
    rank, a = c5.vanishing_condition()
    assert rank == 1
    assert sp.simplify(c5.explicit(a, 0) - sp.sqrt(s)) == 0              # Corollary 3's sqrt(N) Hbar + sqrt(s) W
    assert sp.simplify(c5.explicit(a, c5.threshold()) - s) == 0          # lambda*: Hbar-part + s W-part
    assert c5.vanishing_condition(c5.paper_limit_propagator(w_minus_sign=1))[0] is None


def test_is_zero_mod_root_rejects_nonzero():
    assert not c5.is_zero_mod_root(c5.root - lam)
    assert c5.is_zero_mod_root(c5.root ** 2 - c5.discriminant().subs(sigma, c5.sigma_1()))


# --- numeric library ---------------------------------------------------------------------------
def test_modes_at_trade_off_and_s_one_are_degenerate_for_E2():
    problem = LayerPeeledProblem(4, 5, 3, 0.25)
    w, weights = c5.modes(problem, 0.1, 1.0)
    assert np.allclose(w[2], -0.1) and np.allclose(weights[2, 1], 1.0) and np.allclose(weights[2, 0], 0.0)
    with pytest.raises(AssumptionError, match="lambda > 0"):
        c5.modes(problem, 0.0, 1.0)


def test_closed_form_trajectories_flow_at_threshold():
    """Flow at lambda*, s = 1, gamma = 1/(C-1): ||W|| tends to ||W_lim||; ||W - W_lim|| decays like
    e^{-lambda* zeta2}; the discrete version with a small step is close to the flow."""
    problem = LayerPeeledProblem(6, 5, 3, 0.25)
    H0, W0, b0 = np.random.default_rng(3).standard_normal((6, 15)), np.random.default_rng(4).standard_normal(
        (6, 5)), np.zeros(5)
    star = c5.threshold_value(problem)
    rates = RatePair.proportional(Constant(1.0), s=1.0)
    times = np.array([100.0, 200.0])
    flow = c5.closed_form_trajectories(problem, H0, W0, b0, rates, star, times=times)
    slope = np.diff(np.log(flow["distance_W_limit"]))[0] / 100.0
    assert slope == pytest.approx(-star, rel=1e-4)      # E1- (rate 2 lambda*) adds ~e^{-lambda* t}
    small = RatePair.proportional(Constant(1e-3), s=1.0)
    discrete = c5.closed_form_trajectories(problem, H0, W0, b0, small, star, steps=[100_000])
    continuous = c5.closed_form_trajectories(problem, H0, W0, b0, small, star, times=[100_000])
    assert discrete["norm_W"][0] == pytest.approx(continuous["norm_W"][0], rel=1e-3)
    with pytest.raises(AssumptionError, match="exactly one"):
        c5.closed_form_trajectories(problem, H0, W0, b0, rates, star)


def test_etf_helpers():
    rng = np.random.default_rng(0)
    W = c5.simplex_etf(6, 5, rng)
    assert c5.etf_deviation(W) < 1e-14 and c5.etf_deviation(rng.standard_normal((6, 5))) > 0.1
    with pytest.raises(AssumptionError, match="p >= C"):
        c5.simplex_etf(3, 5, rng)


def test_simulate_rejects_too_few_recorded_steps():
    problem = LayerPeeledProblem(2, 3, 2, 0.5)
    H0, W0, b0 = np.ones((2, 6)), np.ones((2, 3)), np.ones(3)
    with pytest.raises(AssumptionError, match="two recorded steps"):
        c5.simulate(problem, H0, W0, b0, 0.1, steps=5, every=10, decay=0.1)


# --- the check at the default size ---------------------------------------------------------------
def test_verdict_is_corrected_and_sound(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "non-vanishing limit direction" in finding.correction and "gamma > 0 for C = 2" in finding.correction


def test_lambda_sweep(finding):
    measured = _evidence(finding, "lambda sweep").measured
    regimes = {key: entry["regime"] for key, entry in measured.items()}
    assert list(regimes.values()) == ["grows", "grows", "grows", "decays", "constant"]
    for entry in measured.values():
        assert entry["passed"] and entry["agreement"] <= 1
        assert entry["log_norm_W"]["passed"] and entry["norm_gap"]["passed"]
    at_star = measured[repr(1.0)]
    assert at_star["distance_W_P_final_over_initial"] < 1e-6
    # GD's exact factor, not the flow's eta omega_2, is what the fit matches
    grows = measured[repr(c5.DECAY_RATIOS[0])]["log_norm_W"]
    assert abs(grows["fitted"] - grows["predicted_flow"]) > MUTANT_MARGIN * grows["tolerance"]


def test_unequal_rates_limits(finding):
    measured = _evidence(finding, "s = 0.25 and 4").measured
    for entry in measured.values():
        assert entry["passed"] and entry["self_duality"]["passed"]
        assert entry["final_distance_W"] < 1e-6 * entry["limit_norm_W"]
    # H converges at eta s lambda*, W at eta lambda* (s-independent)
    slow, fast = measured[repr(0.25)], measured[repr(4.0)]
    assert slow["residual_H"]["fitted"] > slow["residual_W"]["fitted"]
    assert fast["residual_H"]["fitted"] < fast["residual_W"]["fitted"]
    assert slow["residual_W"]["predicted"] == pytest.approx(fast["residual_W"]["predicted"])


def test_direction_rates_eq_15(finding):
    measured = _evidence(finding, "Eq. 15").measured
    for entry in measured.values():
        assert entry["passed"]
    trade_off, other = measured["1/(C-1)"], measured["0.1"]
    # at gamma = 1/(C-1) W converges strictly faster than the paper's omega, H and Z at it
    faster = trade_off["paper_omega_gd"] - trade_off["direction_W"]["fitted"]
    assert faster > 100 * trade_off["direction_W"]["tolerance"]
    assert trade_off["direction_Z"]["fitted"] == pytest.approx(trade_off["paper_omega_gd"], abs=1e-5)
    for part in ("H", "W", "Z"):
        assert other["direction_" + part]["fitted"] == pytest.approx(other["paper_omega_gd"], abs=2e-6)
    for entry in measured.values():
        k = entry["self_duality"]
        assert k["passed"] and abs(k["measured"] - k["expected"]) <= k["bound"]
        assert abs(k["measured"] - k["cor3_sqrt_s_over_N"]) > MUTANT_MARGIN * k["bound"]


def test_counterexamples(finding):
    tie = _evidence(finding, "tie gamma = 0").measured
    assert tie["passed"] and tie["relative_plateau"] > 0.1 and tie["centring"] > 0.1
    beyond = _evidence(finding, "gamma = 1 > 2/(C-2)").measured
    for key in ("lambda*", "(sigma1+|sigma2|)/2"):
        assert beyond[key]["passed"] and beyond[key]["fit"]["fitted"] > 0
        assert beyond[key]["final_direction_W"] == pytest.approx(math.sqrt(2), abs=1e-6)   # into E2
    generic = _evidence(finding, "non-generic Z0").measured
    assert generic["passed"] and generic["final_over_initial"] < 1e-2 and generic["decay_over_star"] < 1


def test_etf(finding):
    random_init = _evidence(finding, "the limit's prototypes are no simplex ETF").measured
    assert random_init["passed"] and random_init["paper_size_limit_deviation"] > 0.3
    sufficient = _evidence(finding, "sufficient condition").measured
    assert sufficient["passed"] and sufficient["limit_equals_W0_etf"] < 1e-13
    assert sufficient["unaligned_final_deviation"] > 0.1


def test_mutants_in_the_check(finding):
    measured = _evidence(finding, "mutants fail").measured
    assert not measured["threshold_over_C"]["at_zero"] and not measured["threshold_sqrt_s"]["at_zero"]
    assert all(f["miss_over_tolerance"] > MUTANT_MARGIN for f in measured["gd_fits"].values())
    assert measured["flipped_distance_margin"] > MUTANT_MARGIN and measured["cor3_k_miss_over_bound"] > MUTANT_MARGIN


# --- Figures 4-8 at the paper's scale --------------------------------------------------------
@pytest.fixture(scope="module")
def figure_four():
    return c5.figure_four(c5.figure_runs("4"))


@pytest.mark.paper_scale
def test_paper_figure_four(figure_four):
    measured, ok = figure_four
    assert ok
    regimes = [measured[repr(d)]["regime"] for d in c5.FIGURE_DECAYS]
    assert regimes == ["grows", "grows", "grows", "decays", "constant"]
    assert measured[repr(None)]["distance_W_P_final_over_initial"] < 1e-5


@pytest.mark.paper_scale
def test_paper_figure_five():
    measured, ok = c5.figure_five(c5.figure_runs("5"))
    assert ok
    assert measured[repr(0.1)]["kind"] == "E2 dominates" and measured[repr(0.1)]["divergence"]["fit"]["fitted"] > 0
    assert measured[repr(0.0)]["kind"] == "tie" and measured[repr(0.0)]["tie"]["passed"]
    for g in (0.01, 0.001, 1 / 99):
        assert measured[repr(g)]["kind"] == "in range" and measured[repr(g)]["residual_H"]["passed"]


@pytest.mark.paper_scale
def test_paper_figures_six_and_eight():
    six, ok6 = c5.figure_residual_rates(c5.figure_runs("6"))
    eight, ok8 = c5.figure_residual_rates(c5.figure_runs("8"))
    assert ok6 and ok8
    rates = [six[repr(eta)]["residual_W"]["fitted"] for eta in (0.001, 0.01, 0.1, 0.2, 0.5)]
    assert all(a > b for a, b in zip(rates, rates[1:]))          # larger eta: faster per step
    h_rates = [eight[repr(r)]["residual_H"]["predicted"] for r in (0.01, 0.05, 0.1, 0.5, 1.0)]
    w_rates = [eight[repr(r)]["residual_W"]["predicted"] for r in (0.01, 0.05, 0.1, 0.5, 1.0)]
    assert all(a > b for a, b in zip(h_rates, h_rates[1:]))      # H: faster for larger s
    assert max(w_rates) - min(w_rates) < 1e-12                   # W: the same asymptotic rate for every s
