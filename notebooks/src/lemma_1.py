# %% [markdown]
# # Lemma 1: is neural collapse the unique global minimizer under norm bounds?
#
# *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), Section 2, proof in B.1.
# Built from `notebooks/src/lemma_1.py` by `python -m ulproofs notebooks`; every step below is computed by
# `ulproofs.claims.lemma_1`.
#
# **Statement (as printed, reconstructed from the OCR).** With $\|w_c\|_2\le E_1$, $\|h_{i,c}\|_2\le E_2$ and
# $p\ge C-1$, the global minimizer of
#
# $$\mathcal L(W,H)=\frac1{CN}\sum_{i=1}^N\sum_{c=1}^C L_\gamma(Wh_{i,c},c),\qquad
#   L_\gamma(Wh,y)=-w_y^\top h+\gamma\sum_{j\ne y}w_j^\top h \tag{1}$$
#
# is *uniquely* the neural-collapse configuration
# $\frac{w_i^\top w_j}{\|w_i\|\|w_j\|}=-\frac1{C-1}$ ($i\ne j$), $h_{i,c}/\|h_{i,c}\|=w_c/\|w_c\|$,
# $\|w_c\|=E_1$, $\|h_{i,c}\|=E_2$, and the proof bounds $\mathcal L\ge-(1+\gamma)E_1E_2$.
# The lemma states no range of $\gamma$, so it is read as claimed for every $\gamma\ge0$.

# %%
import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ulproofs.claims import lemma_1, lemma_1_search
from ulproofs.claims.lemma_1 import E1, E2
from ulproofs.core.etf import etf_deviation
from ulproofs.core.operator import gamma, label_matrix, matrix_M
from ulproofs.core.structured import C, N
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.reports.notebooks import show, show_finding

# %% [markdown]
# ## Setting
# The loss of Eq. 1 is $\mathcal L=-\operatorname{Tr}(M^\top W^\top H)$ with
# $M=\frac1{CN}\bigl((1+\gamma)I_C\otimes\mathbf 1_N^\top-\gamma\mathbf 1_C\mathbf 1_{CN}^\top\bigr)$ (Eqs. 2–3),
# an exact structured matrix generic in $C$ and $N$:

# %%
show("M", matrix_M())

# %% [markdown]
# ## Step 1: reduction to one vector per class
# With $T=(1+\gamma)I_C-\gamma\mathbf 1_C\mathbf 1_C^\top$ we have $CN\,M=T\,(I_C\otimes\mathbf 1_N^\top)$, so
# $\mathcal L=-\frac1{CN}\sum_{i,c}v_c^\top h_{i,c}$ with $v_c=(1+\gamma)w_c-\gamma S$, $S=\sum_cw_c$:
# each $h_{i,c}$ is minimised on its ball in closed form, $\min_{\|h\|\le E_2}-v_c^\top h=-E_2\|v_c\|$.
# The identity is proved in the structured algebra, i.e. for every $C$, $N$, $\gamma$ at once.

# %%
T = lemma_1.class_transform()
show("T", T)
reduction = lemma_1.prove_loss_reduction()
show(r"C N M - T (I_C \otimes \mathbf{1}_N^\top)", (matrix_M() * (C * N) - T @ label_matrix()).simplified())

# %% [markdown]
# ## Step 2: the norm identity and its sign
# $T^\top T=(1+\gamma)^2I_C+\kappa\,\mathbf 1\mathbf 1^\top$, hence
# $\sum_c\|v_c\|^2=(1+\gamma)^2\sum_c\|w_c\|^2+\kappa\|S\|^2$. The sign of $\kappa$ decides everything:

# %%
kappa = sp.factor(lemma_1.curvature())
show(r"\kappa", kappa)
signs = lemma_1.curvature_signs()
show(r"\kappa < 0 \iff \gamma", signs["negative"], r"\in")
show(r"\kappa = 0 \iff \gamma", signs["zero"], r"\in")
show(r"\kappa > 0 \iff \gamma", signs["positive"], r"\in")
show(r"(1+\gamma)^2 + C\kappa - (1+\gamma-\gamma C)^2", signs["meet"])
assert lemma_1.prove_norm_identity()

# %% [markdown]
# ## Step 3: the exact minimum
# With $A=\frac1C\sum_c\|w_c\|^2\le E_1^2$ and $B=\|S\|^2/C^2\in[0,A]$, Cauchy–Schwarz gives
# $\frac1C\sum_c\|v_c\|\le\sqrt{(1+\gamma)^2A+C\kappa B}$, linear in $(A,B)$ under the root, so the maximum sits at a
# vertex of the triangle: $(E_1^2,0)$ (zero sum) or $(E_1^2,E_1^2)$ (total collapse).

# %%
vertices = lemma_1.prove_minimum()
show(r"\text{zero-sum vertex residual}", vertices["centred_vertex"])
show(r"\text{collapsed vertex residual}", vertices["collapsed_vertex"])
minimum = lemma_1.minimum_value()
show(r"\min\mathcal{L}", minimum)

# %% [markdown]
# So the printed bound $-(1+\gamma)E_1E_2$ is the minimum only while $\kappa\le0$, i.e. $0\le\gamma\le\frac2{C-2}$;
# beyond it total collapse ($w_c=w$, $h=-E_2w/E_1$) is lower. The proof in B.1 misses this at its
# Cauchy–Schwarz step: the coefficient of $\|S\|^2$ it needs to be non-positive is

# %%
coefficient = lemma_1.prove_paper_chain_coefficient()
show(r"\sum_c\|C\bar w - w_c\|^2 - \sum_c\|w_c\|^2 = (\,\cdot\,)\,\|S\|^2,\quad (\,\cdot\,)", coefficient)

# %% [markdown]
# ## Step 4: the counterexample to uniqueness ($C=4$)
# Antipodal pairs $w_2=-w_1$, $w_4=-w_3$ at *any* angle $\theta$ satisfy $\|w_c\|=E_1$ and $S=0$, so with
# $h_c=E_2w_c/E_1$ they attain the ETF's loss, although their cosines are not $-\frac13$:

# %%
theta = sp.Symbol("theta", real=True)
W_pairs, H_pairs = lemma_1.antipodal_pairs(4, theta)
show("W", W_pairs)
pairs_loss = lemma_1.exact_loss(W_pairs, H_pairs)
etf = lemma_1.exact_simplex_etf(4)
etf_loss = lemma_1.exact_loss(etf, etf * E2 / E1)
show(r"\mathcal{L}(\text{pairs})", sp.factor(pairs_loss))
show(r"\mathcal{L}(\text{ETF})", sp.factor(etf_loss))
show(r"\text{cosines of the pairs}", sp.FiniteSet(*lemma_1.cosines(W_pairs)))
assert lemma_1.is_feasible(W_pairs, H_pairs)

# %% [markdown]
# And beyond the threshold the ETF is not a minimizer at all: at $C=4$, $\gamma=2$ total collapse has loss

# %%
W_col, H_col = lemma_1.collapsed(4)
collapse_loss = lemma_1.exact_loss(W_col, H_col, 2)
show(r"\mathcal{L}(\text{collapse}) \text{ at } \gamma=2", collapse_loss)
show(r"\mathcal{L}(\text{ETF}) \text{ at } \gamma=2", etf_loss.subs(gamma, 2))

# %% [markdown]
# ## Numerical confirmation
# Projected gradient descent on the *whole* problem (W and every $h_{i,c}$ free, 24 random starts in the product of
# balls; it uses neither the reduction nor the derived minimum) for $C=4$, $N=1$, $p=3$ and 21 values of $\gamma$:
# the best loss found follows the derived minimum, not the printed $-(1+\gamma)$, and the minimizers found for
# $0<\gamma<1$ are far from an ETF.

# %%
gammas = np.linspace(0.0, 2.0, 21)
losses, W_found, H_found = lemma_1_search.projected_gradient_search(3, 4, 1, gammas, starts=24, seed=0)
best = losses.min(axis=1)
derived = np.array([float(minimum.subs({C: 4, gamma: sp.nsimplify(g), E1: 1, E2: 1})) for g in gammas])
printed = -(1 + gammas)
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot(gammas, best, "o", label="projected GD, best of 24 starts")
ax.plot(gammas, derived, "-", label=r"derived: $-\max\{1+\gamma, |1+\gamma-\gamma C|\}$")
ax.plot(gammas, printed, "--", label=r"printed: $-(1+\gamma)$")
ax.axvline(2 / (4 - 2), color="grey", lw=0.8)
ax.set_xlabel(r"$\gamma$ ($C=4$, $E_1=E_2=1$)")
ax.set_ylabel("minimum loss")
ax.legend(fontsize=8)
plt.show()
interior = [k for k, g in enumerate(gammas) if 0 < g < 1]
deviation = [etf_deviation(W_found[k, np.argmin(losses[k])]) for k in interior]
print("largest |best - derived|:", np.abs(best - derived).max())
print("ETF deviation of the best minimizer, 0 < gamma < 1: min", min(deviation), "max", max(deviation))

# %% [markdown]
# ## Verdict
# The claim's declared evidence (`lemma_1.EVIDENCE`, run by the engine): the symbolic reduction, an exact grid
# over $C\in\{2,3,4,5,10\}$, the counterexamples, a 176-configuration search and mutants.

# %%
(finding,) = registry.run(CheckContext(), only=["lemma-1"], progress=False)
show_finding(finding)

# %% [markdown]
# ## Assertions

# %%
assert reduction and vertices["centred_vertex"] == 0 and vertices["collapsed_vertex"] == 0
assert sp.simplify(kappa - gamma * (gamma * (C - 2) - 2)) == 0
assert sp.simplify(coefficient - (C - 2)) == 0
assert sp.simplify(pairs_loss - etf_loss) == 0 and sp.Rational(-1, 3) not in lemma_1.cosines(W_pairs)
assert sp.simplify(collapse_loss + 5 * E1 * E2) == 0
tolerance = lemma_1_search.loss_tolerance(3, 4, 1) * np.maximum(1.0, np.abs(derived))
assert (np.abs(best - derived) <= tolerance).all()
assert (best[gammas > 1] < printed[gammas > 1] - 0.1).all()
assert min(deviation) > 0.1
assert finding.verdict_text == "true after correction" and finding.sound
