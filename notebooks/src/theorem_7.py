# %% [markdown]
# # Theorem 7 with Lemmas 10 and 11: the spherical constrained case
#
# *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), Sections 3.4 and 4.3,
# proofs in B.6. Built from `notebooks/src/theorem_7.py` by `python -m ulproofs notebooks`; every step is computed
# by `ulproofs.claims.theorem_7`, `lemma_10`, `lemma_11` and `ulproofs.core.spherical`.
#
# **Theorem 7 (reconstructed).** With $W$ fixed, $W\mathbf 1_C=0$, and normalized features, gradient descent on
# Eq. 18 is
#
# $$h_{i,c}(t+1)=h_{i,c}(t)+\frac{(1+\gamma)\eta(t)}{CN\|h_{i,c}(t)\|}\bigl(I_p-\hat h_{i,c}\hat h_{i,c}^\top\bigr)w_c.
#   \tag{19, 92}$$
#
# If $w_c^\top\hat h_{i,c}(0)>-1$, $\eta(t)/\|h_{i,c}(t)\|^2$ is non-increasing,
# $\frac{\eta(0)(1+\gamma)}{CN\|h_{i,c}(0)\|^2}\le\frac1{\|w_c\|}$, $\eta(t+1)/\eta(t)\to1$ and
# $\eta(t)\ge\varepsilon>0$,
# then $\lim_t\|\hat H(t)-W(I_C\otimes\mathbf 1_N^\top)\|=0$ (Eq. 20), exponentially if $\lim\|H(t)\|<\infty$ (Eq. 21);
# a feature with $w_c^\top\hat h_{i,c}(0)=-1$ never moves. Sec. 4.3 rescales $\eta$ by $\|h_{i,c}(t)\|$ (RLR).
#
# Each feature runs Lemma 10's iteration $h\leftarrow h+\frac{\eta}{\|h\|}(I-\hat h\hat h^\top)w$ with
# $\alpha_t=\eta(t)\|w\|/\|h(t)\|^2$ and the cosine $\beta_t=w^\top\hat h(t)/\|w\|$.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ulproofs.claims import lemma_10, lemma_11, theorem_7
from ulproofs.claims.lemma_10 import alpha, beta, xi
from ulproofs.core.etf import simplex_etf
from ulproofs.core.spherical import SphericalProblem, random_features
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict
from ulproofs.reports.notebooks import show, show_finding

# %% [markdown]
# ## Step 1: Eq. 19 is gradient descent on Eq. 18
# The step of `SphericalProblem` against torch autograd of the repository's unhinged loss at normalized features
# ($W\mathbf 1_C=0$ removes the $\gamma$ term), with and without the RLR:

# %%
gradient = theorem_7.gradient_check()
print({key: value for key, value in gradient.items() if not isinstance(value, dict)})

# %% [markdown]
# ## Step 2: Lemma 10, one feature (Eqs. 83–84)
# Everything lives in $\operatorname{span}\{h,w\}$, so the identities below hold in every dimension $p$: the step is
# orthogonal to $h$, $\|h(t+1)\|^2=\|h\|^2+\frac{\eta^2}{\|h\|^2}\|w\|^2(1-\beta^2)$,
# $h(t+1)=(1-\alpha\beta)h+\frac\eta{\|h\|}w$, and the recursion of Eq. 84:

# %%
beta_next, alpha_next = lemma_10.eq_84_step(alpha, beta, xi)
show(r"\beta_{t+1}", beta_next)
show(r"\alpha_{t+1}", alpha_next)
growth = lemma_10.prove_norm_growth()
combination = lemma_10.prove_positive_combination()
recursion = lemma_10.prove_recursion()
print("Eq. 83:", growth, " positive combination:", {k: combination[k] for k in ("h_coefficient", "nonnegative")})
print("Eq. 84 derived from the iterates:", recursion)

# %% [markdown]
# The cosine never decreases for $\alpha\le2$ (the paper needs $\alpha\le1$):
# $(\beta+\alpha s)^2-\beta^2(1+\alpha^2s)=\alpha s\,L$, $s=1-\beta^2$, with $L$ linear in $\alpha$ and
# non-negative at $\alpha=0$ and $\alpha=2$; beyond 2 it can drop (e.g. $\alpha=3$, $\beta=0.95$):

# %%
show("L", -lemma_10.monotone_bracket())
monotone = lemma_10.prove_monotone_cosine()
print(monotone)
before, after = lemma_10.decreasing_cosine_example()
print(f"alpha = 3: beta {before} -> {after} = {float(after):.4f}")
angle = lemma_10.prove_angle_form()
print("angle form theta' = theta - arctan(alpha sin theta) and the bounds' calculus facts:", angle)

# %% [markdown]
# ## Step 3: Lemma 11 (Eq. 86)
# $1-\beta_{t+1}^2=\frac{\alpha_{t+1}}{\xi_t\alpha_t}(1-\beta_t^2)(1-\alpha_t\beta_t)^2$: the part of $h$
# perpendicular to
# $w$ shrinks by $1-\alpha_t\beta_t\in[0,1]$ per step, so $\beta_0\ge0$ gives $\beta_t\to1$.

# %%
identity = lemma_11.prove_identity()
factors = lemma_11.prove_factor_bounds()
print(identity, factors)

# %% [markdown]
# ## Numerical confirmation
# $p=8$, $C=4$, $N=3$, $\gamma=1/3$, a unit simplex ETF, the largest constant $\eta$ with every $\alpha_{i,c}(0)\le1$:
# the error of Eq. 20 decays exponentially, cosines and norms never decrease, and the norm stays below Lemma 10's bound
# $e^{2\theta_0/\pi}\|h(0)\|$. With prototypes of norm 2 (all hypotheses hold) the error tends to $\sqrt{CN}$
# instead: Eq. 20 needs unit prototypes.

# %%
problem = SphericalProblem(simplex_etf(8, 4, 1.0, 0), 3, 1 / 3)
H0 = random_features(8, 12, 1)
rate0 = problem.largest_initial_rate(H0)
trace = problem.descend(H0, lambda t: rate0, 400)
rlr = problem.descend(H0, lambda t: problem.largest_initial_rate(H0, rescaled=True), 400, rescaled=True)
doubled = SphericalProblem(simplex_etf(8, 4, 2.0, 0), 3, 1 / 3)
trace_doubled = doubled.descend(H0, lambda t: doubled.largest_initial_rate(H0), 400)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.semilogy(trace.steps, trace.errors, label=r"$\|\hat H - W(I_C\otimes\mathbf{1}_N^\top)\|$, unit ETF")
left.semilogy(rlr.steps, rlr.errors, "--", label="same, rescaled rate (RLR)")
left.semilogy(trace_doubled.steps, trace_doubled.errors, ":", label="prototype norm 2")
left.axhline(np.sqrt(12), color="grey", lw=0.8)
left.set_xlabel("step t")
left.legend(fontsize=7)
right.plot(trace.steps, trace.cosines, lw=0.8)
right.set_xlabel("step t")
right.set_ylabel(r"cosines $\beta_{i,c}(t)$")
right.set_xlim(0, 60)
plt.tight_layout()
plt.show()
report = lemma_10.bounds_report(trace, problem.p)
print({key: value for key, value in report.items() if not isinstance(value, (dict, list))})
rates = theorem_7.feature_rates(trace)
print("per-feature rates: fitted vs -log(1 - alpha_inf), worst relative error",
      max(r["relative_error"] for r in rates))

# %% [markdown]
# ## Verdicts

# %%
finding_7, finding_10, finding_11 = registry.run(CheckContext(), only=["theorem-7", "lemma-10", "lemma-11"],
                                                progress=False)
for finding in (finding_7, finding_10, finding_11):
    show_finding(finding)

# %% [markdown]
# ## Assertions

# %%
assert gradient["passed"]
assert all(growth.values()) and all(recursion.values()) and combination["nonnegative"]
assert all(monotone.values()) and after < before and all(angle.values())
assert identity["identity"] and not identity["wrong_power_is_identity"] and factors["within"]
assert trace.errors[-1] <= 1e-8 and rlr.errors[-1] <= 1e-8 and report["passed"]
assert all(abs(r["fitted"] - r["predicted"]) <= r["tolerance"] for r in rates)
assert abs(trace_doubled.errors[-1] - np.sqrt(12)) <= 1e-8
assert finding_7.verdict is Verdict.CORRECTED and finding_7.sound
assert finding_10.verdict is Verdict.CORRECTED and finding_10.sound
assert finding_11.verdict is Verdict.PROVED and finding_11.sound
assert sp.simplify(beta_next.subs(alpha, 0) - beta) == 0
