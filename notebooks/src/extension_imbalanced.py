# %% [markdown]
# # Extension: imbalanced classes
#
# Not a claim of *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), whose theory
# assumes $N$ examples in every class. Built from `notebooks/src/extension_imbalanced.py` by
# `python -m ulproofs notebooks`; every step is computed by `ulproofs.core.imbalanced` and
# `ulproofs.claims.extension_imbalanced`.
#
# **Result.** With $n_c$ examples in class $c$, $n=\sum_cn_c$, $D=\mathrm{diag}(n_c)$, the flow reduces exactly to
# $X=\sqrt{n_c}\times$ class means and $W$ under $K=\frac1nD^{1/2}((1+\gamma)I-\gamma\mathbf 1\mathbf 1^\top)$: each
# singular value $\sigma_k$ of $K$ carries its own $2\times2$ system. Two groups ($K_A$ classes of $n_A$, $K_B$ of
# $n_B$): $\sigma_A=(1+\gamma)\sqrt{n_A}/n$, $\sigma_B=(1+\gamma)\sqrt{n_B}/n$ and the singular values $\sigma_{1,2}$
# of a $2\times2$ $\bar K$, ordered $\sigma_2<\sigma_B<\sigma_1<\sigma_A$ for $n_A>n_B$, $0<\gamma<\frac2{C-2}$:
# the minority prototypes vanish relative to the majority's and align with one vector (minority collapse).

# %%
import matplotlib.pyplot as plt

from ulproofs.claims import extension_imbalanced as imbalanced
from ulproofs.core.imbalanced import dominance_polynomial, two_group_spectrum
from ulproofs.engine.context import CheckContext
from ulproofs.engine.evidence import judge, run_item
from ulproofs.reports.extension_figures import imbalanced_data
from ulproofs.reports.notebooks import show

# %% [markdown]
# ## Step 1: the spectrum for two groups (symbolic $K_A$, $n_A$, $K_B$, $n_B$, $\gamma$)

# %%
spectrum = two_group_spectrum()
show(r"\sigma_A", spectrum["A"])
show(r"\sigma_B", spectrum["B"])
show(r"\bar K", spectrum["group"])

# %% [markdown]
# ## Step 2: the ordering
# $q(x)=x^2-\mathrm{tr}(\bar K^\top\bar K)x+\det(\bar K)^2$ has the roots $\sigma_1^2\ge\sigma_2^2$. Its values at
# $\sigma_A^2$ (positive) and $\sigma_B^2$ (negative) for $n_A>n_B$, $0<\gamma<\frac2{C-2}$, with
# $\|\bar K\|\le\sigma_A$, give $\sigma_2<\sigma_B<\sigma_1<\sigma_A$:

# %%
values = dominance_polynomial()
show(r"q(\sigma_A^2)", values["A"])
show(r"q(\sigma_B^2)", values["B"])

# %% [markdown]
# ## Step 3: gradient descent, minority collapse, and the anchored model
# Two groups of three classes ($r$ examples against one), $p=16$: gradient descent (markers) and the ordered $2\times2$
# products (lines); then, against $r$, the minority geometry at the last step and the training accuracy of the minority
# with learnable prototypes and with a fixed simplex ETF.

# %%
data = imbalanced_data(scale="reduced")
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
for (name, series), color in zip(data["trajectories"].items(), ("C0", "C3")):
    left.semilogy(series["steps"], [1 - row[0] for row in series["gd"]], "o", ms=3, color=color,
                  label=f"1 - cos, {name}")
    left.semilogy(series["steps"], [1 - row[0] for row in series["theory"]], "-", color=color)
    left.semilogy(series["steps"], [row[1] for row in series["gd"]], "s", ms=3, color=color,
                  label=f"||W_B||/||W_A||, {name}")
left.legend(fontsize=7)
ratios = data["parameters"]["ratios"]
right.semilogx(ratios, [row[2] for row in data["by_ratio"]["gd"]], "o-", label="learnable W, minority accuracy")
right.semilogx(ratios, [row[2] for row in data["by_ratio"]["anchored"]], "^--", label="fixed ETF, minority accuracy")
right.legend(fontsize=7)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Verdict (the paper-scale items run with `ulproofs check --paper-scale`)

# %%
outcomes = [run_item(item, CheckContext()) for item in imbalanced.EVIDENCE.items(paper_scale=False)]
for outcome in outcomes:
    print(f"{outcome.status:8s} {outcome.seconds:6.2f} s  {outcome.item.slug}")
finding = judge(imbalanced.CLAIM, outcomes)
print(finding.verdict_text)

# %% [markdown]
# ## Assertions

# %%
assert all(o.held for o in outcomes) and finding.verdict_text == "proved"
assert all(row[2] == 1.0 for row in data["by_ratio"]["anchored"])
assert data["by_ratio"]["gd"][-1][0] > data["by_ratio"]["gd"][0][0]
