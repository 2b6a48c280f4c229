# %% [markdown]
# # Theorem 8 and Eq. 25: the NTK-invariant dynamics
#
# *On the Dynamics Under the Unhinged Loss and Beyond* (Zhou et al., arXiv 2312.07841), Section 3.5, proof in B.7.
# Built from `notebooks/src/theorem_8.py` by `python -m ulproofs notebooks`; every step is computed by
# `ulproofs.claims.theorem_8` and `ulproofs.claims.eq_25`.
#
# **Setting (Eqs. 22–23).** Features come from a network, $h_{i,c}=f_\theta(x_{i,c})$; with the kernel
# $K=\nabla_\theta H^\top\nabla_\theta H$ held constant and unit rates, the unhinged flow is $H'=KWM$, $W'=HM^\top$.
#
# **Theorem 8 (Eqs. 24, 95, as printed).** Let $z(t)$ be the row-first vectorization of
# $X=\begin{pmatrix}H&0\\0&W\end{pmatrix}$, $B=\begin{pmatrix}0&M^\top\\M&0\end{pmatrix}$,
# $A=\begin{pmatrix}0&K\\I&0\end{pmatrix}$, $A=U_A\Lambda_AU_A^{-1}$, $B=U_B\Lambda_BU_B^{-1}$. Then
#
# $$\mathcal Cz(t)=\exp[(\Lambda_A\otimes\Lambda_B)t]\,\mathcal Cz(0),\qquad
#   \mathcal C=U_B^{-1}U_A^{-1}\otimes I. \tag{24}$$
#
# **Eq. 25.** Under MSE the same flow is nonlinear (intractable), under the unhinged loss linear.

# %%
from fractions import Fraction

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp

from ulproofs.claims import eq_25, theorem_8
from ulproofs.claims import theorem_8_numerics as numerics
from ulproofs.core import groundtruth
from ulproofs.core.precision import MUTANT_MARGIN, float_tolerance, mp_tolerance
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.structured import C, N
from ulproofs.engine import registry
from ulproofs.engine.context import CheckContext
from ulproofs.reports.latex import formula
from ulproofs.reports.notebooks import show, show_finding

# %% [markdown]
# ## Step 1: reconstructing the sizes
# $H$ is $p\times CN$, $W$ is $p\times C$, so $X$ is $2p\times(CN+C)$; $K$ is $p\times p$, so the identity block of
# $A$ must be $I_p$. With these sizes $X'=AXB$ reproduces the flow, for symbolic $p$, $C$, $N$:

# %%
sizes = theorem_8.block_sizes()
print({name: str(shape) for name, shape in sizes.items()})
show("A", formula("TheoremEightGenerator").value())
block_residuals = theorem_8.prove_block_product()
print({name: [str(r) for r in rs] for name, rs in block_residuals.items()})
vectorization, kronecker_flow = theorem_8.prove_vectorization(), theorem_8.prove_kronecker_flow()
print("vec_r(AXB) = (A (x) B^T) vec_r(X):", vectorization.is_zero_matrix,
      "   z' = (A (x) B) z:", kronecker_flow.is_zero_matrix)

# %% [markdown]
# ## Step 2: the printed transform
# $U_B^{-1}U_A^{-1}$ multiplies a $C(N+1)$-square by a $2p$-square matrix: it exists only when

# %%
condition = theorem_8.printed_transform_condition()
show(r"\text{printed } \mathcal{C} \text{ defined} \iff", condition, "")

# %% [markdown]
# and even where it exists it does not diagonalise $A\otimes B$. The mixed-product rule gives
# $(U_A\otimes U_B)(\Lambda_A\otimes\Lambda_B)(U_A^{-1}\otimes U_B^{-1})=A\otimes B$, so the transform is
# $\mathcal C=U_A^{-1}\otimes U_B^{-1}$. Exact residuals
# $\mathcal C(A\otimes B)-(\Lambda_A\otimes\Lambda_B)\mathcal C$ at
# $p=2$, $C=2$, $N=1$ (where the printed form is defined), $K=\begin{pmatrix}5&4\\4&5\end{pmatrix}$, $\gamma=1/5$:

# %%
transforms = theorem_8.exact_transforms()
for name, residual in transforms.items():
    print(f"{name:32s} residual is zero: {residual.is_zero_matrix}   (largest entry {max(abs(x) for x in residual)})")
show(r"\mathcal{C}", formula("TheoremEightTransform").value())
mixed = theorem_8.prove_mixed_product()
print("mixed-product rule (generic entries):", mixed.is_zero_matrix)

# %% [markdown]
# ## Step 3: $A$ is diagonalisable only for a positive definite $K$
# On an eigenpair $Kv=\kappa v$, $A$ acts on $\operatorname{span}\{(v,0),(0,v)\}$ as
# $A_\kappa=\begin{pmatrix}0&\kappa\\1&0\end{pmatrix}$, with eigenvalues $\pm\sqrt\kappa$; at $\kappa=0$ it is a Jordan
# block. A singular $K$ (fewer parameters than $p$) therefore makes $A\otimes B$ non-diagonalisable:

# %%
facts = theorem_8.kernel_block_facts()
print(facts)
singular = theorem_8.singular_counterexample()
print(singular)

# %% [markdown]
# ## Step 4: the corrected closed form, for every PSD $K$
# $e^{(A\otimes B)t}=\sum_ke^{\sigma_ktA}\otimes Q_k$ over $B$'s eigencomponents, and on one eigenpair of $K$
# ($\tau=\sigma_kt$):

# %%
show(r"e^{\tau A_\kappa}", formula("TheoremEightPropagator").value())
propagator = theorem_8.prove_propagator_blocks()
print({name: (value if name.startswith("exp") or name.startswith("kappa") else value.is_zero_matrix)
       for name, value in propagator.items()})
resolution = theorem_8.prove_spectral_resolution()
print(resolution)

# %% [markdown]
# ## Numerical confirmation
# $p=2$, $C=2$, $N=1$, $\gamma=1/5$ with the singular kernel $K=\mathbf 1\mathbf 1^\top$ (rank 1): the corrected closed
# form (`spectral_state`) against the 50-digit exponential of the explicit Kronecker generator, and along
# $v\in\ker K$ the linear drift $v^\top W(t)=v^\top W_0+t\,v^\top H_0M^\top$ that no diagonal form can produce.

# %%
exact_gamma = Fraction(1, 5)
problem = LayerPeeledProblem(p=2, C=2, N=1, gamma=float(exact_gamma))
rng = np.random.default_rng(0)
H0, W0 = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
K = np.ones((2, 2))
times = [0.5, 1.5, 3.0, 4.5]
errors, along_kernel, predicted, kernel_gaps = [], [], [], []
tolerance = mp_tolerance(groundtruth.DEFAULT_DPS)
with mpmath.workdps(groundtruth.DEFAULT_DPS):     # compare at the precision of the ground truth
    for t in times:
        H_exact, W_exact, off_diagonal = numerics.expm_solution(K, problem, H0, W0, t, exact_gamma)
        H_closed, W_closed = numerics.spectral_state(K, problem, H0, W0, t, exact_gamma)
        errors.append(theorem_8.pair_error((H_closed, W_closed), (H_exact, W_exact)))
        v, moved, drift = numerics.kernel_direction_drift(K, problem, H0, W0, t, exact_gamma)
        kernel_gaps.append(mpmath.norm(v.T * W_exact - moved) / mpmath.norm(moved))
        along_kernel.append(float((v.T * W_exact)[0, 0]))
        predicted.append(float(moved[0, 0]))
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
left.plot(times, along_kernel, "o", label=r"$v^\top W(t)$, 50-digit expm")
left.plot(times, predicted, "-", label=r"$v^\top W_0 + t\,v^\top H_0 M^\top$")
left.set_xlabel("t")
left.legend(fontsize=8)
right.semilogy(times, [max(float(e), 1e-60) for e in errors], "o-", label="corrected closed form vs expm")
right.axhline(float(tolerance), color="grey", ls="--", label="mpmath tolerance (50 digits)")
right.set_xlabel("t")
right.legend(fontsize=8)
plt.tight_layout()
plt.show()
print("relative errors of the closed form:", [float(e) for e in errors])
print("relative gaps along ker K:", [float(g) for g in kernel_gaps])

# %% [markdown]
# ## Eq. 25: MSE is nonlinear, the unhinged flow linear
# The NTK gradient flow of $\frac1{2CN}\|W^\top H+b\mathbf 1^\top-Y\|^2$ ($Y=I_C\otimes\mathbf 1_N^\top$), derived by
# SymPy's matrix calculus for symbolic sizes, and the factor $\kappa$ that makes Eq. 25's
# $\mathcal C(t)=\kappa(W^\top H+b\mathbf 1^\top-Y)$ equal to it:

# %%
scale = sp.Rational(1, 2) / (C * N)
for name, field in zip(("H'", "W'", "b'"), eq_25.gradient_flow(scale)):
    show(name, field)
factor = eq_25.matching_factor(scale)
show(r"\kappa", factor)
cubic = eq_25.mse_scaling(factor)[3]
show(r"[F_{H'}(\lambda x)]_{\lambda^3}", cubic)
show(r"\text{its } (1,1) \text{ entry at } K=W=H=E_{11}", eq_25.cubic_witness_entry(factor))
linearity = eq_25.unhinged_linearity_residuals()
print("unhinged F(aX + bY) - aF(X) - bF(Y):", linearity)

# %% [markdown]
# Numerically ($p=3$, $C=3$, $N=2$): the deviation from linearity $\|F(\lambda x)-\lambda F(x)\|$ of the MSE field grows
# like $\lambda^3$; the unhinged field's (by autograd on the linearised model $H=H_0+G\Theta$) is zero to rounding.

# %%
mse_problem = LayerPeeledProblem(p=3, C=3, N=2, gamma=0.2)
G = numerics.dyadic_readout(rng, 3, 4)
K3 = G @ G.T
H, W, b = rng.standard_normal((3, 6)), rng.standard_normal((3, 3)), rng.standard_normal(3)
lambdas = 2.0 ** np.arange(1, 8)
base_mse = eq_25.numeric_field(H, W, b, K3, -1)
base_unhinged = numerics.autograd_velocity(G, H, np.zeros((4, 6)), W, mse_problem)
mse_gap, unhinged_gap = [], []
for lam in lambdas:
    scaled = eq_25.numeric_field(lam * H, lam * W, lam * b, K3, -1)
    mse_gap.append(np.sqrt(sum(((x - lam * y) ** 2).sum() for x, y in zip(scaled[:2], base_mse[:2]))))
    scaled = numerics.autograd_velocity(G, lam * H, np.zeros((4, 6)), lam * W, mse_problem)
    unhinged_gap.append(np.sqrt(sum(((x - lam * y) ** 2).sum() for x, y in zip(scaled, base_unhinged))))
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.loglog(lambdas, mse_gap, "o-", label="MSE (Eq. 25)")
ax.loglog(lambdas, np.maximum(unhinged_gap, 1e-300), "s-", label="unhinged")
ax.loglog(lambdas, mse_gap[-1] * (lambdas / lambdas[-1]) ** 3, ":", label=r"$\propto\lambda^3$")
ax.set_xlabel(r"$\lambda$")
ax.set_ylabel(r"$\|F(\lambda x)-\lambda F(x)\|$")
ax.legend(fontsize=8)
plt.show()
# rounding of a linear field: a few sums of up to CN + C terms, relative to lambda ||F(x)||
rounding = [float_tolerance("float64", 4 * (mse_problem.examples + mse_problem.C)) * lam
            * np.sqrt(sum((y ** 2).sum() for y in base_unhinged)) for lam in lambdas]
slope = np.polyfit(np.log(lambdas[-3:]), np.log(mse_gap[-3:]), 1)[0]
print("fitted exponent of the MSE deviation:", slope)
print("unhinged deviation / rounding bound:", max(u / r for u, r in zip(unhinged_gap, rounding)))

# %% [markdown]
# ## Verdicts

# %%
finding_8, finding_25 = registry.run(CheckContext(), only=["theorem-8", "eq-25"], progress=False)
show_finding(finding_8)
show_finding(finding_25)

# %% [markdown]
# ## Assertions

# %%
assert theorem_8.residuals_vanish(block_residuals) and vectorization.is_zero_matrix and kronecker_flow.is_zero_matrix
assert condition == sp.Eq(2 * theorem_8.p, C * (N + 1))
assert transforms["corrected U_A^-1 (x) U_B^-1"].is_zero_matrix
assert not transforms["printed U_B^-1 U_A^-1 (x) I"].is_zero_matrix
assert mixed.is_zero_matrix and all(resolution.values())
assert facts["diagonalisable for kappa > 0"] and not facts["diagonalisable at kappa = 0"]
assert not singular["A diagonalisable"] and singular["rank A(x)B"] != singular["rank (A(x)B)^2"]
assert all(e <= tolerance for e in errors)
assert all(g <= tolerance for g in kernel_gaps)
assert factor == -1 / (C * N) and sp.simplify(eq_25.cubic_witness_entry(factor) - factor) == 0
assert all(isinstance(r, sp.ZeroMatrix) or r == 0 for r in linearity.values())
assert all(u <= r for u, r in zip(unhinged_gap, rounding))
assert all(m >= MUTANT_MARGIN * r for m, r in zip(mse_gap, rounding)) and np.all(np.diff(mse_gap) > 0)
assert finding_8.verdict_text == "true after correction" and finding_8.sound
assert finding_25.verdict_text == "proved (minus-sign) / true after correction (fraction-bar)" and finding_25.sound
