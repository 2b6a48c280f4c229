# %% [markdown]
# # Extension: when the limit is neural collapse
#
# Not a claim of *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841). It reads the
# limits of Corollary 3 (no weight decay) and Corollary 5 (weight decay $\lambda$, at and around
# $\lambda^*=\frac{1+\gamma}{C\sqrt N}$) in the terms of Papyan, Han and Donoho (2020): NC1 within-class variability
# $\frac1C\mathrm{Tr}(\Sigma_W\Sigma_B^\dagger)\to0$, NC2 simplex ETF of the centred class means and prototypes, NC3
# self-duality $W/\|W\|=\bar M/\|\bar M\|$, NC4 classifier = nearest class mean (`ulproofs.core.collapse`).
# Built from `notebooks/src/extension_collapse_condition.py` by `python -m ulproofs notebooks`.
#
# **Result.** For $0<\gamma<\frac2{C-2}$ (or $C=2$, $\gamma>0$) the limit is
# $\tilde H=k\,\tilde W\otimes\mathbf 1_N^\top$ with $k>0$ and $\tilde W=a\sqrt N\bar H_c(0)+bW_c(0)$ (centred class
# means and prototypes of $Z_0$). NC1 and NC3 hold whenever $\tilde W\neq0$; NC2 iff
# $\tilde W^\top\tilde W\propto I_C-\frac1C\mathbf 1\mathbf 1^\top$; NC4 iff
# $\|\tilde w_c\|^2>\tilde w_j^\top\tilde w_c$ for all $j\ne c$. At $\gamma=0$ NC3 fails unless $\Pi_2Z_0=0$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from ulproofs.claims import extension_collapse_condition as collapse
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import judge, run_item
from ulproofs.reports.extension_figures import collapse_data
from ulproofs.reports.notebooks import show

# %% [markdown]
# ## Step 1: the limits as maps of $Z_0$
# The limit propagators of Corollaries 3 and 5 (derived there) act on the sector of the centred class means by a
# rank-one $2\times2$ block (rows: feature and prototype coordinates of $Z_0$; columns: those of the limit). Its
# prototype column is $(a,b)$:

# %%
for kind in ("unconstrained", "threshold", "direction", "tie"):
    blocks = collapse.limit_blocks(kind)
    show(rf"\text{{{kind}: }} B_{{\mathcal E_1}}", blocks["E1"])
    show(rf"\text{{{kind}: }} B_{{\mathcal E_2}}", blocks["E2"])

# %% [markdown]
# ## Step 2: NC1 and NC3 hold for every start; NC2 and NC4 are conditions on $\tilde W$
# The limit lies in $\{H=kW\otimes\mathbf 1_N^\top,\ W\mathbf 1_C=0\}$ with $k>0$ (the items below prove it for all
# $C$, $N$, $\gamma$, $s$, $\lambda$). At the tie $\gamma=0$ the $\mathcal E_2$ block is not zero: a common vector is
# added to every prototype, which NC3 sees. For $C=2$ every centred pair is a simplex ETF.

# %%
context = CheckContext()
outcomes = [run_item(item, context) for item in collapse.EVIDENCE.items(paper_scale=False)]
for outcome in outcomes:
    print(f"{outcome.status:8s} {outcome.seconds:6.2f} s  {outcome.item.slug}")

# %% [markdown]
# ## Step 3: gradient descent from three starts
# At $\lambda=\lambda^*$, $\gamma=\frac1{C-1}$, $s=1$ ($p=32$, $C=5$, $N=3$): a Gaussian start (NC2 fails in the
# limit, NC4 holds), a start whose limit is a simplex ETF (full collapse), and a start whose limit violates the NC4
# inequality for one class (NC4 mismatch $=1/C$). Dashed: the values the derived limit predicts.

# %%
data = collapse_data(scale="reduced")
fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
for key, ax in zip(("nc1", "nc2_equiangle", "nc3_self_duality", "nc4_ncc_mismatch"), axes):
    for (start, run), color in zip(data["runs"].items(), ("C0", "C1", "C3")):
        ax.semilogy(run["steps"], np.maximum(run["iterates"][key], 1e-17), "o", ms=3, color=color, label=start)
        ax.axhline(max(run["limit"][key], 1e-17), color=color, ls="--", lw=1)
    ax.set_title(key)
axes[0].legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Step 4: how far from a simplex ETF a Gaussian start lands
# $\tilde W$ is a centred matrix with i.i.d. Gaussian entries, so its ETF deviation depends on $p$ and $C$ only. The
# rms offset of the pairwise cosines from $-\frac1{C-1}$ against $(1-\frac1{(C-1)^2})/\sqrt p$:

# %%
for name, series in data["deviation"].items():
    print(name, "p =", series["p"], "measured", np.round(series["mean"], 4), "theory", np.round(series["theory"], 4))

# %% [markdown]
# ## Verdict (the paper-scale items run with `ulproofs check --paper-scale`)

# %%
finding = judge(collapse.CLAIM, outcomes)
print(finding.verdict_text)

# %% [markdown]
# ## Assertions

# %%
assert all(o.held for o in outcomes)
assert finding.verdict_text == "proved"
assert data["runs"]["etf"]["limit"]["nc2_equiangle"] < 1e-12 < data["runs"]["random"]["limit"]["nc2_equiangle"]
assert data["runs"]["nc4"]["iterates"]["nc4_ncc_mismatch"][-1] == 1 / 5
