# %% [markdown]
# # Theorem 6: prototype-anchored learning
#
# *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), Section 3.3, proof in B.8.
# Built from `notebooks/src/theorem_6.py` by `python -m ulproofs notebooks`; every step is computed by
# `ulproofs.claims.theorem_6`.
#
# **Statement.** With the prototypes $W$ fixed and features under weight decay $\lambda$,
#
# $$H'(t)=\eta(t)\bigl(WM-\lambda H(t)\bigr), \tag{16}$$
#
# $$H(t)=e^{-\lambda\zeta(t)}H(0)+\frac{1-e^{-\lambda\zeta(t)}}{\lambda}WM,\qquad \zeta(t)=\int_0^t\eta, \tag{17}$$
#
# so $\|H(t)-\frac1\lambda WM\|=O(e^{-\lambda\zeta(t)})$; if $\zeta\to\infty$ each feature aligns to
# $\frac1{\lambda CN}(w_c-\gamma\sum_{j\ne c}w_j)$; for $\lambda=0$, $H(t)=H(0)+\zeta(t)WM$. With $W$ a simplex ETF
# this is a feature-alignment task (training accuracy → 100%). *Reading:* Eq. 16's decay term is OCR'd as
# '\i(t)H(t)'; it is read as $\lambda\eta(t)H(t)$ (Eq. 12 with $W$ fixed), the only reading under which Eq. 17
# holds (checked below). The text calls Eq. 16 a "difference equation"; it is a differential equation, and the
# difference equation of gradient descent has its own solution (derived below; an erratum of the ledger).

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ulproofs.claims import theorem_6
from ulproofs.claims.theorem_6 import decay_symbol as lam
from ulproofs.core import anchored
from ulproofs.core.etf import simplex_etf
from ulproofs.core.operator import gamma, matrix_M
from ulproofs.core.precision import relative_error
from ulproofs.core.rates import Constant
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.engine.verdicts import Verdict
from ulproofs.reports.notebooks import show, show_finding

# %% [markdown]
# ## Setting
# On $Z=(H,W)$ the flow is $Z'=\eta\,ZG$ with a structured generator (generic in $C$, $N$):

# %%
show("G", theorem_6.anchored_generator())

# %% [markdown]
# ## Step 1: Eq. 17 solves Eq. 16
# $Z(t)=Z_0\Phi(t)$ with the propagator below; $\Phi'=\eta\Phi G$ and $\Phi(0)=I$ hold for an arbitrary
# $\zeta(t)$, all $C$, $N$, $\gamma$ and $\lambda>0$. The integrating-factor step of Eq. 97 holds too; under the
# literal reading $H'=\eta WM-\lambda H$ the residual is proportional to $\eta-1$.

# %%
show(r"\Phi(t)", theorem_6.propagator())
flow_residual, flow_initial = theorem_6.prove_flow_equation()
show(r"\Phi' - \zeta'\Phi G", flow_residual)
show(r"\Phi(0) - I", flow_initial)
integral_residual, product_residual = theorem_6.prove_integrating_factor()
print("Eq. 97 integral residual:", integral_residual, "  product form residual:", product_residual)
literal = theorem_6.literal_reading_residual()
show(r"\text{literal reading: residual coefficients of } (H_0, WM)", sp.Tuple(*literal))

# %% [markdown]
# ## Step 2: the rate is an identity, and the $\lambda\to0$ limit
# $H(t)-\frac1\lambda WM=e^{-\lambda\zeta}(H_0-\frac1\lambda WM)$ exactly, so the $O(\cdot)$ holds with the constant
# $\|H_0-\frac1\lambda WM\|$ and is tight; as $\lambda\to0$, $H=H_0+\zeta WM$, which solves the $\lambda=0$ flow.

# %%
rate_residual, limit_residual = theorem_6.prove_exact_rate()
show(r"H(t) - \tfrac{1}{\lambda}WM - e^{-\lambda\zeta}\bigl(H_0 - \tfrac{1}{\lambda}WM\bigr)", rate_residual)
show(r"\lim_{\zeta\to\infty} H(t) - \tfrac{1}{\lambda}WM", limit_residual)
no_decay_limit, no_decay_flow = theorem_6.prove_no_decay_limit()
print("lambda -> 0 limit is H0 + zeta W M:", no_decay_limit.is_zero(),
      "  and solves the flow:", no_decay_flow.is_zero())

# %% [markdown]
# ## Step 3: where the features align
# $WM$'s column $(i,c)$ is $\frac1{CN}(w_c-\gamma\sum_{j\ne c}w_j)$ for every $W$ (the paper's aligned feature, times
# $1/\lambda$); for centred prototypes $WM=\frac{1+\gamma}{CN}W(I_C\otimes\mathbf 1_N^\top)$. For a simplex ETF of
# norm $s$ the limit logits $W^\top WM/\lambda$ have margin $x>0$, and full accuracy is reached at $\zeta^*$:

# %%
paper_matches = (theorem_6.paper_feature_matrix() - matrix_M()).simplified().is_zero()
print("paper's aligned features = columns of W M:", paper_matches)
print("W 1_C = 0 gives W M = (1+gamma)/(CN) W (I (x) 1_N^T):", theorem_6.prove_centred_drive().is_zero())
logits, margin, other = theorem_6.etf_limit_margin()
show(r"W^\top WM/\lambda", logits)
show(r"\text{margin } x", margin)
zeta_star, zeta_star_no_decay, monotone = theorem_6.full_accuracy_time()
show(r"\zeta^*", zeta_star)
show(r"\lim_{\lambda\to 0}\zeta^*", zeta_star_no_decay)

# %% [markdown]
# ## Step 4: gradient descent, exactly
# $H_{k+1}=(1-\eta_k\lambda)H_k+\eta_kWM$ is solved by $H_k=c_kH_0+\frac{1-c_k}\lambda WM$,
# $c_k=\prod_{j<k}(1-\eta_j\lambda)$ (induction in the structured algebra):

# %%
show(r"\Phi_K", theorem_6.discrete_propagator())
step_residual, step_initial = theorem_6.prove_discrete_iterates()
print("Phi_{K+1} = Phi_K (I + eta G):", step_residual.is_zero(), "  Phi_0 = I:", step_initial.is_zero())

# %% [markdown]
# ## Numerical confirmation
# $p=6$, $C=4$, $N=3$, $\gamma=0.1$, a unit simplex-ETF $W$, $\eta=0.5$, $\lambda=0.1$: real gradient descent
# (torch, float64, $W$ fixed) against the exact discrete form and the flow's Eq. 17 at $\zeta=\eta k$; the distance to
# $WM/\lambda$ against $e^{-\lambda\zeta}$, and the training accuracy against the step at which the closed form
# predicts 100%.

# %%
problem = LayerPeeledProblem(p=6, C=4, N=3, gamma=0.1)
rng = np.random.default_rng(0)
W = simplex_etf(6, 4, seed=rng)
H0 = 3 * rng.standard_normal((6, 12))
schedule, decay, steps = Constant(0.5), 0.1, 150
dynamics = anchored.AnchoredDynamics(problem, H0, W, schedule, decay)
record = list(range(0, steps + 1, 5))
run = anchored.run_descent(problem, H0, W, schedule, decay, steps, record)
limit = dynamics.limit()
gd_distance = [np.linalg.norm(H - limit) for H in run.H]
flow_distance = [np.linalg.norm(dynamics.state(float(k)) - limit) for k in record]
predicted_rate = np.exp(-decay * 0.5 * np.array(record)) * np.linalg.norm(H0 - limit)
errors = [relative_error(H, dynamics.discrete_state(k)) for k, H in zip(record, run.H)]
tolerances = [anchored.descent_tolerance(dynamics, k) for k in record]
accuracies = [anchored.accuracy(W, H, problem.N) for H in run.H]
alpha = anchored.etf_drive_margin(problem)
predicted_step = anchored.full_accuracy_step(dynamics, steps, alpha)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.semilogy(record, gd_distance, "o", ms=4, label="gradient descent")
left.semilogy(record, flow_distance, "-", label="Eq. 17 at $\\zeta=\\eta k$")
left.semilogy(record, predicted_rate, ":", label=r"$e^{-\lambda\zeta}\|H_0-WM/\lambda\|$")
left.set_xlabel("step k")
left.set_ylabel(r"$\|H_k - WM/\lambda\|$")
left.legend(fontsize=8)
right.plot(record, accuracies, "o-", ms=3, label="training accuracy (GD)")
right.axvline(predicted_step, color="grey", ls="--", label=f"predicted 100% at step {predicted_step}")
right.set_xlabel("step k")
right.legend(fontsize=8)
plt.tight_layout()
plt.show()
print("max relative error GD vs discrete closed form:", max(errors))

# %% [markdown]
# ## Where the hypotheses matter
# A fixed $W$ that is no simplex ETF need not reach 100%: for $C=2$ and $w_1=2w_2$ the limit margins are

# %%
two_margins, two_correct = theorem_6.two_prototype_counterexample()
for c, value in two_margins.items():
    show(rf"\text{{margin of class {c}}}", value)
    show(r"\text{correct for } g", two_correct[c], r"\in")
two_accuracy = anchored.two_prototype_run(np.random.default_rng(1))
print("gradient descent, C = 2, w1 = 2 w2, gamma = 0.1: final training accuracy", two_accuracy)

# %% [markdown]
# ## Verdict

# %%
(finding,) = registry.run(CheckContext(), only=["theorem-6"], progress=False)
show_finding(finding)

# %% [markdown]
# ## Assertions

# %%
assert flow_residual.is_zero() and flow_initial.is_zero()
assert integral_residual == 0 and product_residual == 0 and any(sp.simplify(x) != 0 for x in literal)
assert rate_residual.is_zero() and limit_residual.is_zero() and no_decay_limit.is_zero() and no_decay_flow.is_zero()
assert paper_matches and theorem_6.prove_centred_drive().is_zero()
assert sp.simplify(margin - theorem_6.scale_symbol ** 2 * (1 + gamma) / (lam * (theorem_6.C - 1) * theorem_6.N)) == 0
assert monotone["derivative_form"] == 0 and monotone["g_at_zero"] == 0 and monotone["g_prime"] == 0
assert step_residual.is_zero() and step_initial.is_zero()
assert all(e <= tol for e, tol in zip(errors, tolerances))
assert accuracies[-1] == 1.0 and predicted_step is not None
assert all(a == 1.0 for k, a in zip(record, accuracies) if k >= predicted_step)
assert two_accuracy == 0.5
assert finding.verdict is Verdict.PROVED and finding.sound
