"""Corollary 3 (Eqs. 9-10, 47-53, Figure 1): convergence of Z(t)/||Z(t)|| in the unconstrained case."""
import math

import pytest
import sympy as sp

from ulproofs.claims import corollary_3 as c3
from ulproofs.claims.corollary_3 import C, N, gamma, s
from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import MUTANT_MARGIN
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict


@pytest.fixture(scope="module")
def finding():
    return c3.check(CheckContext())


@pytest.fixture(scope="module")
def small_run():
    """gamma = 0.05 at the default size, for the numeric mutants."""
    return c3.run_sweep(c3.SMALL, (0.05,))[0.05]


# --- symbolic: growth and the range ---------------------------------------------------------
def test_growth_exponents_and_dominant_rate():
    lam = c3.growth_exponents()
    assert sp.simplify(lam["E1+"] - (1 + gamma)) == 0 and sp.simplify(lam["E1-"] + (1 + gamma)) == 0
    assert sp.simplify(lam["E2+"] - (1 + gamma - gamma * C)) == 0 and lam["E3"] == 0
    assert sp.simplify(c3.dominant_exponent().subs({gamma: sp.Rational(1, 99), C: 100}) - sp.Rational(100, 99)) == 0
    # Fig. 1's 3.95: the E2 rate gamma C - 1 - gamma at gamma = 0.05, C = 100
    assert sp.simplify(c3.dominant_exponent().subs({gamma: sp.Rational(5, 100), C: 100}) - sp.Rational(395, 100)) == 0


def test_dominance_gap_factorises():
    assert sp.simplify(c3.dominance_gap() - C * gamma * (2 - (C - 2) * gamma)) == 0


def test_dominance_range_solved():
    ranges = c3.dominance_range()
    assert ranges["C>2"] == sp.Interval.open(0, 2 / (C - 2))
    assert ranges["C=2"] == sp.Interval.open(0, sp.oo)


def test_both_ends_of_the_range_are_ties_and_beyond_E2_dominates():
    assert {sp.simplify(t) for t in c3.tie_values()} == {sp.Integer(0), sp.simplify(2 / (C - 2))}
    value, negative = c3.beyond_upper_tie_sign()
    assert negative is True, value


def test_mutant_threshold_one_over_C_minus_2_is_no_tie():
    gap = sp.simplify(c3.dominance_gap().subs(gamma, 1 / (C - 2)))
    assert sp.simplify(gap - C / (C - 2)) == 0          # E1 still strictly dominates there
    assert c3.dominance_range()["C>2"] != sp.Interval.open(0, 1 / (C - 2))


# --- symbolic: the limit Z~ ------------------------------------------------------------------
def test_limit_equals_papers_Z_tilde():
    assert (c3.limit_propagator() - c3.paper_limit_propagator()).is_zero()


def test_mutant_plus_sign_on_W1_minus():
    flipped = c3.paper_limit_propagator(w_minus_sign=1)
    assert not (c3.limit_propagator() - flipped).is_zero()
    assert c3.self_duality_constant(flipped) is None     # and it leaves E for some Z0


def test_limit_lies_in_E_with_k_sqrt_s_over_N():
    k = c3.self_duality_constant()
    assert sp.simplify(k - sp.sqrt(s / N)) == 0 and k.is_positive


def test_limit_in_E1_plus_only_when_s_is_one():
    assert c3.ratios_in_plus_component() == [{s: 1}]


def test_limit_vanishes_exactly_on_a_rank_one_condition():
    block, rank, null = c3.vanishing_limit_condition()
    assert rank == 1
    assert sp.simplify(null[0] - sp.sqrt(s)) == 0 and null[1] == -1
    assert sp.simplify(block.det()) == 0


def test_tie_at_gamma_zero_adds_the_E2_combination_and_leaves_E():
    Q0 = c3.limit_propagator(trade_off=0)
    assert ((Q0 - c3.limit_propagator().subs(gamma, 0)) - c3.paper_limit_propagator(subspace="E2")).is_zero()
    _, centred = c3.membership_maps(1)
    assert not (Q0 @ centred).is_zero()


def test_multiplier_terms_are_exponentials_in_X():
    terms = c3.scaled_multiplier_terms()
    assert terms["E1+"]["u"][sp.Integer(0)] == sp.sqrt(s) / 2 + sp.Rational(1, 2)
    assert terms["E3"]["v"] == {sp.expand(-(1 + gamma)): 1}


def test_limit_multipliers_against_a_direct_limit():
    """SymPy's limit of e^{-(1+gamma)X} v_k at an exact point, straight from Eq. 41's alpha, beta."""
    from ulproofs.claims.theorem_2 import alpha_beta
    from ulproofs.core.operator import derive_spectrum

    point = {gamma: sp.Rational(1, 10), C: 3, N: 2, s: 4}
    z = sp.Symbol("z", positive=True)
    limits = {label: (u, v) for label, u, v in c3.limit_multipliers()}
    for component in derive_spectrum():
        sigma = component.eigenvalue.subs(point)
        a, b = alpha_beta(sigma, 4 * z, z)
        rate = (1 + point[gamma]) * sp.sqrt(4 * z * z) / (point[C] * sp.sqrt(point[N]))
        direct_v = sp.limit((a * z + b) * sp.exp(-rate), z, sp.oo)
        assert sp.simplify(direct_v - limits[component.label][1].subs(point)) == 0, component.label


# --- symbolic: the residual, the fastest gamma, the bias -------------------------------------
def test_residual_exponent_and_E3_never_dominates():
    facts = c3.prove_residual_exponent()
    assert facts["same_set"] and facts["e3_is_mean"] and facts["e1_below_e3"] and facts["e2_exponents"]
    assert facts["claimed_matches"] and facts["e3_ties_at"] == [1 / (C - 1)]


@pytest.mark.parametrize("wrong", [sp.Max(-gamma * (C - 1), (C - 2) * gamma - 2),
                                   sp.Max(-gamma, (C - 2) * gamma - 2),          # the OCR-literal Eq. 48
                                   sp.Max(-gamma * C, (C - 2) * gamma - 1)])
def test_mutant_wrong_exponent_constant(wrong):
    assert not c3.prove_residual_exponent(claimed=wrong)["claimed_matches"]


def test_residual_negative_exactly_on_the_range():
    assert all(a is True and b is True for a, b in c3.prove_residual_negative().values())


def test_fastest_at_one_over_C_minus_1():
    crossing, value, per_time, slopes = c3.fastest_trade_off()
    z1, z2 = sp.symbols("zeta_1 zeta_2", positive=True)
    assert sp.simplify(crossing - 1 / (C - 1)) == 0 and sp.simplify(value + C / (C - 1)) == 0
    assert sp.simplify(per_time + sp.sqrt(z1 * z2) / ((C - 1) * sp.sqrt(N))) == 0
    assert slopes == sorted([-C, C - 2], key=sp.default_sort_key)


def test_mutant_fastest_value():
    _, value, _, _ = c3.fastest_trade_off(claimed=sp.Max(-gamma * (C - 1), (C - 2) * gamma - 2))
    assert sp.simplify(value + C / (C - 1)) != 0


def test_bias_ratio_limits():
    roots, moving, constant = c3.bias_ratio_limits()
    assert roots == [1 / (C - 1)] and moving == 1
    assert constant == sp.Symbol("b_max", real=True) / sp.Symbol("b_min", real=True)


# --- gradient-descent iterates at the default size -------------------------------------------
def _evidence(finding, start):
    (item,) = [e for e in finding.evidence if e.description.startswith(start)]
    return item


def test_verdict_is_corrected_and_sound(finding):
    assert finding.verdict is Verdict.CORRECTED and finding.sound
    assert "Z~ != 0" in finding.correction and "gamma > 0" in finding.correction


def test_small_sweep_fits_and_limits(finding):
    measured = _evidence(finding, "GD (class-mean").measured
    kinds = {g: measured[repr(g)]["kind"] for g in c3.SMALL_GAMMAS}
    assert kinds == {0.0: "tie", 0.05: "in range", 0.25: "in range", 0.5: "in range", 2 / 3: "tie",
                     1.0: "E2 dominates"}
    for g in c3.SMALL_GAMMAS:
        entry = measured[repr(g)]
        assert entry["passed"], (g, entry)
        assert entry["growth"]["passed"]
    for g in (0.05, 0.25, 0.5):
        residual = measured[repr(g)]["residual"]
        assert residual["passed"] and not residual["flow_within_tolerance"]   # GD, not the flow, is the reference
        assert measured[repr(g)]["final_distance"] < 1e-5 * measured[repr(g)]["initial_distance"]
        assert measured[repr(g)]["k_error"]["passed"]
    assert measured["fastest_residual"] == repr(0.25)
    assert measured[repr(0.0)]["plateau"]["measured"] > 0.1          # gamma = 0 does not converge to Z~
    assert measured[repr(1.0)]["final_distance"] == pytest.approx(math.sqrt(2), abs=1e-10)


def test_mutant_wrong_residual_constant_misses_fit(small_run):
    assert c3.mutant_residual_miss(small_run) > MUTANT_MARGIN


def test_mutant_flow_rate_for_gd_misses_fit(small_run):
    flow = c3.claimed_step_rates(small_run)["growth_flow"]
    fit = c3.fit_rate(small_run, "norm", flow)
    assert not fit["passed"] and abs(fit["fitted"] - flow) > MUTANT_MARGIN * fit["tolerance"]


def test_vanishing_limit_converges_into_E2(finding):
    measured = _evidence(finding, "Z~ = 0 is possible").measured
    assert measured["passed"] and measured["rank"] == 1
    assert measured["final_e1_fraction"] < 1e-6 and measured["final_centring"] == pytest.approx(math.sqrt(5))


def test_literal_C2_gamma0_plateaus(finding):
    measured = _evidence(finding, "literal reading 'or C = 2'").measured
    assert measured["passed"] and measured["measured"] > 0.01


def test_unequal_rates_limit_and_k(finding):
    measured = _evidence(finding, "GD with s = 4").measured
    assert measured["passed"] and measured["final_k"] == pytest.approx(math.sqrt(4 / 3), abs=1e-9)


def test_bias_ratio_of_iterates(finding):
    measured = _evidence(finding, "bias ratio").measured
    assert all(r["passed"] for r in measured.values())
    assert measured[repr(0.25)]["kappa"] == 0.0
    assert measured[repr(0.25)]["final_ratio"] == measured[repr(0.25)]["initial_ratio"]


# --- Figure 1 at the paper's scale ----------------------------------------------------------
@pytest.fixture(scope="module")
def paper():
    runs = c3.run_sweep(c3.PAPER, c3.PAPER_GAMMAS)
    measured, ok = c3.judge_sweep(runs)
    return runs, measured, ok


@pytest.mark.paper_scale
def test_paper_scale_fits(paper):
    _, measured, ok = paper
    assert ok
    for g in (0.005, 0.001, 1 / 99):
        assert measured[repr(g)]["kind"] == "in range" and measured[repr(g)]["residual"]["passed"]
    for g in c3.PAPER_GAMMAS:
        assert measured[repr(g)]["growth"]["passed"]


@pytest.mark.paper_scale
def test_paper_scale_caption(paper):
    _, measured, _ = paper
    caption = c3.figure_one_claims(measured)
    assert caption["passed"]
    assert caption["gamma_0.05_distance"] == pytest.approx(math.sqrt(2), abs=1e-9)
    assert caption["gamma_0.05_growth_over_unit"] == pytest.approx(3.95, rel=1e-3)
    assert caption["fastest_residual"] == repr(1 / 99)
    assert caption["overlap_max_relative_gap"] < 0.011     # (1 + 1/99)/1 - 1


@pytest.mark.paper_scale
def test_paper_scale_gamma_zero_does_not_converge(paper):
    _, measured, _ = paper
    assert measured[repr(0.0)]["kind"] == "tie" and measured[repr(0.0)]["plateau"]["passed"]
    assert measured[repr(0.0)]["plateau"]["measured"] > 0.01


@pytest.mark.paper_scale
def test_paper_scale_bias(paper):
    runs, _, _ = paper
    assert all(c3.bias_check(t)["passed"] for t in runs.values())


def test_simulate_rejects_too_few_recorded_steps():
    problem = LayerPeeledProblem(2, 3, 2, 0.1)
    H0, W0, b0 = c3.random_start(problem, 0)
    with pytest.raises(AssumptionError, match="two recorded steps"):
        c3.simulate(problem, H0, W0, b0, 0.1, steps=5, every=10)
