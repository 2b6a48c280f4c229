# %% [markdown]
# # Extension: any two learning-rate schedules
#
# Not a claim of *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841): its closed
# forms (Theorems 2 and 4) assume proportional rates, $\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)$ (footnote 8).
# Built from `notebooks/src/extension_any_rates.py` by `python -m ulproofs notebooks`; every step is computed by
# `ulproofs.core.any_rates` and `ulproofs.claims.extension_any_rates`.
#
# **Result.** For any $\eta_1(t),\eta_2(t)\ge0$ and weight decay $\lambda_1,\lambda_2\ge0$, on the sector of
# $\mathcal E_j=\mathcal E_j^+\oplus\mathcal E_j^-$ (eigenvalues $\pm m_j$) the flow is the $2\times2$ system
#
# $$\phi_j'=\phi_j\,a_j(t),\qquad a_j(t)=\begin{pmatrix}-\lambda_1\eta_1(t)&\eta_2(t)m_j\\ \eta_1(t)m_j&
# -\lambda_2\eta_2(t)\end{pmatrix},\qquad\phi_j(0)=I_2,$$
#
# on $\mathcal E_3$ the scalar $e^{-\lambda_1\zeta_1(t)}$, and
# $Z(t)=\sum_{j,\pm}\Pi_j^\pm Z_0\,\mathrm{diag}(u_j^\pm I,v_j^\pm I)+e^{-\lambda_1\zeta_1}\Pi_3Z_0$ with
# $u^\pm=\phi_{11}\pm\phi_{21}$, $v^\pm=\phi_{22}\pm\phi_{12}$. Gradient descent is the ordered product
# $\prod_k(I+a_{j,k})$.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ulproofs.claims import extension_any_rates as extension
from ulproofs.core import any_rates
from ulproofs.core.rates import Constant, RatePair, Step
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import judge, run_item
from ulproofs.reports.extension_figures import any_rates_data
from ulproofs.reports.notebooks import show

# %% [markdown]
# ## Step 1: the generator on each sector
# $A(t)$ written from Eq. 12 in the structured algebra (symbolic $C$, $N$, $\gamma$), and the small matrices by
# which it acts on the sectors (features, prototypes):

# %%
rate1, rate2 = sp.Function("eta_1")(any_rates.t), sp.Function("eta_2")(any_rates.t)
A = any_rates.flow_generator(rate1, rate2)
show("A(t)", A)
for sector, block in A.sector_blocks().items():
    show(rf"A(t)\big|_{{\text{{{sector[0]}, {sector[1]}}}}}", block)
show("m_1, m_2", sp.Tuple(*any_rates.couplings().values()))

# %% [markdown]
# ## Step 2: the reduction is exact
# For arbitrary functions $\phi_j(t)$ the lift $\Phi=\mathrm{lift}(\phi)$ satisfies $\Phi'-\Phi A(t)=0$ once
# $\phi_j'=\phi_ja_j$; the lift of identities is the identity; the lift is the five-subspace form above; one step
# of gradient descent multiplies each $\phi_j$ on the right by $I+a_{j,k}$.

# %%
reduction = any_rates.prove_reduction()
print(reduction)
print("descent step:", any_rates.prove_descent())
commutator, factor = any_rates.sector_commutator()
show(r"[a(t_1),a(t_2)]", commutator)
show(r"\text{each entry is a multiple of}", factor)

# %% [markdown]
# The generators commute only for proportional rates: otherwise $\mathcal E_j^+$ and $\mathcal E_j^-$ exchange
# mass, and the single exponential of Theorems 2 and 4 is not the flow. For $\eta_1=s\eta_2$ (no weight decay)
# $\phi_j=\exp(\zeta_2[[0,m],[sm,0]])$, which is Theorem 2's $\alpha,\beta$:

# %%
m, s, z = sp.symbols("m s zeta_2", positive=True)
phi = any_rates.proportional_propagator(m, s, z)
show(r"\phi", phi.applyfunc(lambda c: sp.simplify(c.rewrite(sp.cosh))))

# %% [markdown]
# ## Step 3: numbers
# Gradient descent (torch float64, warm-up on the features, cosine on the prototypes, weight decay) with the ordered
# products drawn over it and Theorem 4's proportional closed form at $(\zeta_1,\zeta_2)$ for contrast; and the
# relative error of Theorem 2's closed form when $\eta_1$ steps to $r\eta_2$ halfway (small size, $p=16$, $C=5$,
# $N=3$).

# %%
data = any_rates_data(scale="reduced")
series, ratio = data["trajectory"], data["ratio"]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
for part, color in (("H", "C0"), ("W", "C1")):
    left.semilogy(series["steps"], series[f"iterates_{part}"], "o", ms=3, color=color, label=f"GD $\\|{part}_k\\|$")
    left.semilogy(series["steps"], series[f"reduced_{part}"], "-", color=color, label="ordered products")
    left.semilogy(series["steps"], series[f"paper_{part}"], "--", color=color, label="Theorem 4 at $\\zeta$")
left.set_xlabel("step k")
left.legend(fontsize=7)
right.loglog(ratio["ratios"], np.maximum(ratio["closed_form_vs_flow"], 1e-16), "k-", label="vs the flow")
right.loglog(ratio["ratios"], np.maximum(ratio["closed_form_vs_iterates"], 1e-16), "o", label="vs GD")
right.set_xlabel("r")
right.set_ylabel("relative error of Theorem 2")
right.legend(fontsize=7)
plt.tight_layout()
plt.show()
gaps = [abs(a - b) / b for a, b in zip(series["iterates_W"], series["reduced_W"])]
print("max relative gap ||W_k|| vs ordered products:", max(gaps))
print("Theorem 2's error vs the flow at r =", ratio["ratios"], ":", np.round(ratio["closed_form_vs_flow"], 4))

# %% [markdown]
# A step of the rates at different times for the two variables (no reduction needed to see it):

# %%
pair = RatePair(Step(1.0, (2.0,), 0.5), Constant(1.0))
problem, H0, W0 = extension.ode_setting()
dynamics = any_rates.AnyRatesDynamics(problem, H0, W0, pair)
print("multipliers (u, v) of E1+, E1-, E2+, E2-, E3 at t = 5:\n", dynamics.coefficients(5.0))

# %% [markdown]
# ## Verdict
# Every declared item of `extension-any-rates` except the paper-scale ones (run with `ulproofs check --paper-scale`).

# %%
outcomes = [run_item(item, CheckContext()) for item in extension.EVIDENCE.items(paper_scale=False)]
for outcome in outcomes:
    print(f"{outcome.status:8s} {outcome.seconds:6.2f} s  {outcome.item.slug}")
finding = judge(extension.CLAIM, outcomes)
print(finding.verdict_text)

# %% [markdown]
# ## Assertions

# %%
assert all(reduction.values()) and any_rates.prove_descent()
assert max(gaps) < 1e-10
assert ratio["closed_form_vs_flow"][ratio["ratios"].index(1.0)] < 1e-12
assert min(e for r, e in zip(ratio["ratios"], ratio["closed_form_vs_flow"]) if r != 1.0) > 1e-6
assert finding.verdict_text == "proved"
