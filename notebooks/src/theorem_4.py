# %% [markdown]
# # Theorem 4 and Corollary 5: the dynamics under weight decay
#
# *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), Section 3.2, proofs in
# B.4–B.5. Built from `notebooks/src/theorem_4.py` by `python -m ulproofs notebooks`; every step is computed by
# `ulproofs.claims.theorem_4` and `ulproofs.claims.corollary_5`.
#
# **Theorem 4 (reconstructed).** For the gradient flow with weight decay (Eq. 12)
#
# $$H'=\eta_1(WM-\lambda_1H),\quad W'=\eta_2(HM^\top-\lambda_2W),\quad
#   b'=\eta_2\Bigl(\frac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b\Bigr) \tag{12}$$
#
# and proportional rates,
# $Z(t)=\sum_k\Pi_kZ_0\operatorname{diag}(a_k(t)I_{CN},b_k(t)I_C)$ with
# $(a_k,b_k)^\top=\exp\bigl(S(\sigma_k,\lambda_1,\lambda_2,\zeta_1,\zeta_2)\bigr)(1,1)^\top$,
# $S=\begin{pmatrix}-\lambda_1\zeta_1&\sigma\zeta_1\\\sigma\zeta_2&-\lambda_2\zeta_2\end{pmatrix}$
# (Eqs. 13, 63, 71), and
# $b(t)=\phi(t)\bigl(b_0+\psi(t)\frac{1+\gamma-\gamma C}{C}\mathbf 1_C\bigr)$, $\phi=e^{-\lambda_2\zeta_2}$, with the
# printed $\psi(t)=\int_0^t\zeta_2(\tau)e^{\lambda_2\zeta_2(\tau)}d\tau$ (Eqs. 14, 72). The checker reads it as printed
# and as corrected (`theorem_4.CLAIM.readings`); each step below runs the claim's own declared evidence items.
#
# **Corollary 5.** With $\lambda_1=\lambda_2=\lambda$, $s=\eta_1/\eta_2$ and $0<\gamma<\frac2{C-2}$: the direction of
# $Z(t)$ converges at rate $e^{-\omega\zeta_2}$; $\|Z(t)\|\to0$ if $\lambda>\lambda^*=\frac{1+\gamma}{C\sqrt N}$,
# $Z(t)$ has a finite limit at $\lambda^*$, and $\|Z(t)\|\to\infty$ below (Eqs. 15, 73–81).

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ulproofs.claims import corollary_5, corollary_5_iterates, theorem_4, theorem_4_numerics
from ulproofs.core import weight_decay
from ulproofs.core.descent import gradient_descent
from ulproofs.core.precision import float_tolerance, relative_error
from ulproofs.core.rates import CosineAnnealing, RatePair
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.weight_decay import WeightDecayDynamics
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.reports.latex import formula
from ulproofs.reports.notebooks import show

CONTEXT = CheckContext()

ITEMS = {item.id: item for claim_id in ("theorem-4", "corollary-5") for item in registry.evidence_items(claim_id)}
SHOW = "{0.item.id} [{0.item.role}, reading {0.item.reading}]: {0.status} ({0.seconds:.2f} s)"   # one outcome

# %% [markdown]
# ## Step 1: each subspace evolves by a $2\times2$ matrix $S$ (Eqs. 54–63)
# With weight decay the generator is $B_\lambda$; on each of the five subspaces of Theorem 2 one step of the proof's
# induction maps the multipliers $(a,b)$ linearly, and reading that map off the structured algebra gives $S$:

# %%
outcomes = [registry.outcome_of(ITEMS["theorem-4::eq63-S-from-the-induction"], CONTEXT)]
print(SHOW.format(outcomes[0]))
derived_S = theorem_4.derive_S()
found, expected, _ = derived_S["E1+"]
show(r"S \text{ on } \mathcal{E}_1^{+}", found)
show(r"S(\sigma,\lambda_1,\lambda_2,\zeta_1,\zeta_2)", formula("TheoremFourS").value())

# %% [markdown]
# ## Step 2: $e^{S}(1,1)^\top$ in closed form (Eqs. 66–69)
# The eigenvalues of $S$ and the multipliers; the OCR's $b(t)$ fails $b(0)=1$, the derived one is exported:

# %%
step = [registry.outcome_of(ITEMS["theorem-4::" + slug], CONTEXT) for slug in (
    "eq66-67-eigenpairs", "eq69-a", "eq69-b-derived", "eq69-b-as-ocred", "eq69-zero-over-zero", "degenerate-limit")]
print("\n".join(SHOW.format(o) for o in step))
outcomes += step
exponential = theorem_4.derive_exponential()
for name, symbol in (("ThetaOne", r"\theta_1"), ("ThetaTwo", r"\theta_2"), ("WeightDecayA", "a(t)")):
    show(symbol, formula(name).value())
print({key: value for key, value in exponential.items() if isinstance(value, bool)})

# %% [markdown]
# ## Step 3: the closed form solves the flow
# $\Phi'=\Phi A_\lambda(t)$, $\Phi(0)=I$ in the structured algebra, for all $C$, $N$, $\gamma$, $\lambda_1$,
# $\lambda_2$, $s$ and an arbitrary $\zeta_2(t)$ (where $\theta_1\ne\theta_2$; the degenerate case separately); and
# gradient descent has an exact discrete analogue.

# %%
step = [registry.outcome_of(ITEMS["theorem-4::" + slug], CONTEXT) for slug in ("flow-equation", "discrete-iterates")]
print("\n".join(SHOW.format(o) for o in step))
outcomes += step
print("flow residual:", step[0].measured)

# %% [markdown]
# ## Step 4: the bias, and what is wrong with the printed $\psi$
# The bias with $\psi(t)=\int_0^t\eta_2e^{\lambda_2\zeta_2}=\frac{e^{\lambda_2\zeta_2}-1}{\lambda_2}$ solves its
# equation;
# with the printed $\psi$ (which integrates $\zeta_2$ instead of $\eta_2$) the residual is $\kappa(\zeta_2-\eta_2)$,
# which vanishes for no positive rate:

# %%
step = [registry.outcome_of(ITEMS["theorem-4::" + slug], CONTEXT) for slug in ("bias-corrected", "printed-psi")]
print("\n".join(SHOW.format(o) for o in step))
outcomes += step
show(r"\psi(t)", formula("WeightDecayPsi").value())
show(r"b_c(t)", formula("WeightDecayBias").value())
printed, at_constant_rate = theorem_4.printed_bias_residual()
show(r"\text{printed }\psi:\ b' - \eta_2(\kappa - \lambda_2 b)", sp.factor(printed))

# %% [markdown]
# ## Numerical confirmation
# $p=3$, $C=4$, $N=3$, $\gamma=0.1$, $(\lambda_1,\lambda_2)=(0.05,0.02)$, $\eta_1=0.5\,\eta_2$ with a cosine-annealed
# $\eta_2$ (0.5 → 0.01 over 150 steps): real gradient descent (torch, float64) against the exact discrete closed form,
# for $(H,W)$ and for the bias.

# %%
problem = LayerPeeledProblem(p=3, C=4, N=3, gamma=0.1)
rng = np.random.default_rng(0)
H0, W0, b0 = rng.standard_normal((3, 12)), rng.standard_normal((3, 4)), rng.standard_normal(4)
rates = RatePair.proportional(CosineAnnealing(0.5, 150.0, 0.01), 0.5)
dynamics = WeightDecayDynamics(problem, H0, W0, b0, rates, weight_decay=(0.05, 0.02))
steps = 200
record = list(range(0, steps + 1, 10))
run = gradient_descent(problem, H0, W0, b0, rates, steps, record_steps=record, weight_decay=(0.05, 0.02))
coefficients = dynamics.discrete_coefficients(steps)
errors = [relative_error(np.hstack([H, W]), np.hstack(dynamics.discrete_state(k)))
          for k, H, W in zip(record, run.H, run.W)]
tolerances = [theorem_4_numerics.descent_tolerance(dynamics, coefficients[k], k) for k in record]
bias_errors = [relative_error(b, dynamics.discrete_bias(k)) for k, b in zip(record, run.b)]
bias_tolerances = [float_tolerance("float64", 2 * k + 2) for k in record]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.semilogy(record, [np.sqrt((H ** 2).sum() + (W ** 2).sum()) for H, W in zip(run.H, run.W)], "o", ms=4,
              label="gradient descent")
left.semilogy(record, dynamics.parts.norm(coefficients[record]), "-", label="discrete closed form")
left.semilogy(record, dynamics.parts.norm(dynamics.coefficients(np.array(record, dtype=float))), "--",
              label=r"flow closed form at $\zeta(k)$")
left.set_xlabel("step k")
left.set_ylabel(r"$\|Z_k\|$")
left.legend(fontsize=8)
right.plot(record, [b[0] for b in run.b], "o", ms=4, label="$b_1$, gradient descent")
right.plot(record, [dynamics.discrete_bias(k)[0] for k in record], "-", label="discrete closed form")
right.plot(record, [float(dynamics.bias(float(k))[0]) for k in record], "--", label=r"corrected Eq. 14 at $\zeta(k)$")
right.set_xlabel("step k")
right.legend(fontsize=8)
plt.tight_layout()
plt.show()
shown = {"max relative error Z": max(errors), "max relative error b": max(bias_errors)}
print(shown)
outcomes.append(registry.outcome_of(ITEMS["theorem-4::descent"], CONTEXT))   # the claim's own declared comparison
print(SHOW.format(outcomes[-1]))

# %% [markdown]
# ## Corollary 5: the threshold $\lambda^*$ and the rate
# With $\lambda_1=\lambda_2=\lambda$, $\zeta_1=s\zeta_2$: $\theta_{1,2}=\omega_{1,2}\zeta_2$ (Eq. 74);
# $\omega_2(\sigma_1)=0$ exactly at $\lambda^*$, independent of $s$; the direction converges at
# $\omega=\omega_2(\sigma_1)-\omega_2(\sigma_2)$; at $\lambda^*$ the limit is $H_1^++\frac{1-s}{1+s}H_1^-$.

# %%
show(r"\omega_2(\sigma,\lambda,s)", corollary_5.omega(2, corollary_5.sigma))
star = corollary_5.threshold()
show(r"\lambda^{*}", star)
regimes = corollary_5.prove_regimes()
show(r"\lambda^2(s-1)^2+4s\sigma^2-\lambda^2(s+1)^2", corollary_5.sign_identity())
print({key: value for key, value in regimes.items() if isinstance(value, bool)})
show(r"\omega", corollary_5.convergence_rate())
(u_plus, v_plus), (u_minus, v_minus) = corollary_5.threshold_limit_multipliers()
show(r"\text{limit at } \lambda^*:\ (u_1^{+}, v_1^{+}, u_1^{-}, v_1^{-})", sp.Tuple(u_plus, v_plus, u_minus, v_minus))

# %% [markdown]
# Real gradient descent ($p=8$, $C=5$, $N=3$, $\gamma=\frac1{C-1}$, $\eta=0.5$, $s=1$) at $\lambda=\lambda^*/2$,
# $\lambda^*$ and $2\lambda^*$: $\|W\|$ grows, settles, decays, and every observed quantity matches the closed form
# within its a-priori rounding bound.

# %%
runs = {ratio: corollary_5_iterates.run_small(ratio) for ratio in (0.5, 1.0, 2.0)}
fig, ax = plt.subplots(figsize=(5.5, 3.2))
for ratio, small_run in runs.items():
    line, = ax.semilogy(small_run.steps, small_run.measured["norm_W"], label=fr"$\lambda={ratio}\lambda^*$")
    ax.semilogy(small_run.steps, small_run.model["norm_W"], ":", color=line.get_color())
ax.set_xlabel("step k")
ax.set_ylabel(r"$\|W_k\|$ (dotted: closed form)")
ax.legend(fontsize=8)
plt.show()
entries = {ratio: corollary_5_iterates.regime_entry(small_run) for ratio, small_run in runs.items()}
agreements = {ratio: weight_decay.agreement(small_run) for ratio, small_run in runs.items()}
for ratio in runs:
    print(f"lambda = {ratio} lambda*: regime {entries[ratio]['regime']} (expected "
          f"{corollary_5_iterates.expected_regime(runs[ratio])}), worst |GD - closed form| / bound "
          f"{agreements[ratio]['worst']:.3g}")

# %% [markdown]
# ## Verdicts
# Both claims' declared evidence, judged by the engine's one rule (`ulproofs.engine.evidence.judge`); the items run
# above are not run again. Each reading gets its own verdict: the statement as printed is refuted by its
# counterexample items, the corrected one holds, so the claim is *true after correction*.

# %%
findings = {f.claim.id: f for f in registry.run(CONTEXT, only=["theorem-4", "corollary-5"], progress=False)}
for claim_id, finding in findings.items():
    held = sum(o.held for o in finding.evidence)
    print(f"{claim_id}: {finding.verdict_text} ({held}/{len(finding.evidence)} items held); per reading: "
          + ", ".join(f"{key}: {verdict.value}" for key, verdict in finding.per_reading.items()))
    for outcome in finding.evidence:
        if outcome.item.role == "counterexample":
            print(f"  counterexample to '{outcome.item.reading}': {outcome.item.description}")

# %% [markdown]
# ## Assertions

# %%
assert all(o.held for o in outcomes) and len(outcomes) == 12
assert all(x <= tol for x, tol in zip(errors, tolerances))
assert all(x <= tol for x, tol in zip(bias_errors, bias_tolerances))
assert not exponential["eq69_b_as_ocr"]
assert sp.simplify(star - corollary_5.sigma_1()) == 0
assert regimes["above_negative"] and regimes["below_positive"] and regimes["at_zero"]
assert (u_plus, v_plus) == (1, 1) and sp.simplify(u_minus + v_minus) == 0
assert all(entries[r]["regime"] == corollary_5_iterates.expected_regime(runs[r]) for r in runs)
assert all(a["passed"] for a in agreements.values())
assert all(f.verdict_text == "true after correction" and f.sound for f in findings.values())
