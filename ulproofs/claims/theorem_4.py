r"""Theorem 4: closed-form dynamics under weight decay (Eqs. 11--14, 54--72).

Statement (reconstructed; the OCR garbles most formulas). *Consider the gradient flow of Eq. 12,*

.. math::

    H'=\eta_1(WM-\lambda_1H),\quad W'=\eta_2(HM^\top-\lambda_2W),\quad
    b'=\eta_2\Bigl(\frac{1+\gamma-\gamma C}{C}\mathbf 1_C-\lambda_2b\Bigr). \tag{12}

*If* :math:`\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)` *for all* :math:`t_1,t_2>0`, *then*

.. math::

    Z(t)=\sum_{k\in\{1^\pm,2^\pm,3\}}\Pi_kZ_0\begin{pmatrix}a_k(t)I_{CN}&0\\0&b_k(t)I_C\end{pmatrix},
    \qquad
    \begin{pmatrix}a_k\\b_k\end{pmatrix}=\exp\bigl(S(\sigma_k,\lambda_1,\lambda_2,\zeta_1,\zeta_2)\bigr)
    \begin{pmatrix}1\\1\end{pmatrix}, \tag{13, 71}

.. math::

    S(\sigma,\lambda_1,\lambda_2,\zeta_1,\zeta_2)=\begin{pmatrix}-\lambda_1\zeta_1&\sigma\zeta_1\\
    \sigma\zeta_2&-\lambda_2\zeta_2\end{pmatrix}, \tag{63}

with :math:`\sigma_{1^\pm}=\pm\frac{1+\gamma}{C\sqrt N}`, :math:`\sigma_{2^\pm}=\pm\frac{1+\gamma-\gamma C}
{C\sqrt N}`, :math:`\sigma_3=0` (:mod:`ulproofs.core.operator`). With the eigenvalues of S (Eq. 66)

.. math::

    \theta_{1,2}=\tfrac12\Bigl(-(\lambda_1\zeta_1+\lambda_2\zeta_2)\mp
    \sqrt{(\lambda_1\zeta_1-\lambda_2\zeta_2)^2+4\sigma^2\zeta_1\zeta_2}\Bigr),

the multipliers are (Eq. 69, as derived here)

.. math::

    a=\frac{(\sigma\zeta_1-\lambda_1\zeta_1-\theta_1)e^{\theta_2}-(\sigma\zeta_1-\lambda_1\zeta_1-\theta_2)
    e^{\theta_1}}{\theta_2-\theta_1},\qquad
    b=\frac{(\lambda_1\zeta_1+\theta_2+\sigma\zeta_2)e^{\theta_2}-(\lambda_1\zeta_1+\theta_1+\sigma\zeta_2)
    e^{\theta_1}}{\theta_2-\theta_1},

and the bias is (Eqs. 14, 72, corrected)

.. math::

    b(t)=\phi(t)\Bigl(b_0+\psi(t)\,\frac{1+\gamma-\gamma C}{C}\mathbf 1_C\Bigr),\quad
    \phi=e^{-\lambda_2\zeta_2},\quad
    \psi(t)=\int_0^t\eta_2(\tau)e^{\lambda_2\zeta_2(\tau)}d\tau=\frac{e^{\lambda_2\zeta_2(t)}-1}{\lambda_2}.
The paper prints :math:`\psi(t)=\int_0^t\zeta_2(\tau)\exp(\lambda_2\int_0^\tau\eta_2)\,d\tau`; with that
:math:`\psi` the bias misses its equation by exactly :math:`\kappa(\zeta_2(t)-\eta_2(t))` (never zero for
positive rates, :func:`printed_bias_residual`); Eq. 69's b as OCR'd is not :math:`e^S(1,1)^\top`, and
Eq. 69 is 0/0 where :math:`\theta_1=\theta_2`. The statement is read as printed (reading ``printed``)
and as corrected (``corrected``, which the paper's own proof steps give), and judged by the engine.

What is proved here, for symbolic C, N, :math:`\gamma`, :math:`\lambda_1`, :math:`\lambda_2`, s and an
arbitrary :math:`\zeta_2(t)` (:math:`\eta_1=s\eta_2`): S arises from :math:`DB_\lambda C(t)` on every
component (:func:`derive_S`, Eq. 62); Eq. 66 and Eq. 67 (:func:`derive_exponential`); Eq. 69 solves
:math:`\Phi'=\Phi A_\lambda(t)`, :math:`\Phi(0)=I` in the structured algebra (:func:`prove_flow_equation`);
the commutator of Eq. 57 (:func:`commutator_of_rates`); the exact gradient-descent iterates
(:func:`prove_discrete_iterates`); the bias (:func:`prove_bias`). Numerically (NumPy float64)
:class:`~ulproofs.core.weight_decay.WeightDecayDynamics` evaluates the closed form and the exact discrete
iterates.

>>> import numpy as np
>>> from ulproofs.core.setting import LayerPeeledProblem
>>> from ulproofs.core.rates import Constant, RatePair
>>> from ulproofs.claims.theorem_2 import UnconstrainedDynamics
>>> from ulproofs.core.weight_decay import WeightDecayDynamics
>>> problem = LayerPeeledProblem(p=2, C=3, N=2, gamma=0.2)
>>> rng = np.random.default_rng(0)
>>> H0, W0, b0 = rng.standard_normal((2, 6)), rng.standard_normal((2, 3)), rng.standard_normal(3)
>>> rates = RatePair.proportional(Constant(0.1), s=2.0)
>>> decayed = WeightDecayDynamics(problem, H0, W0, b0, rates, weight_decay=(0.0, 0.0))
>>> free = UnconstrainedDynamics(problem, H0, W0, b0, rates)
>>> bool(np.allclose(decayed.coefficients([3.0, 7.0]), free.coefficients([3.0, 7.0])))   # lambda = 0
True
>>> sp.factor(printed_bias_residual()[0])                   # the printed psi misses by kappa (zeta2 - eta2)
(-zeta_2(t) + Derivative(zeta_2(t), t))*(C*gamma - gamma - 1)/C
"""
from __future__ import annotations

from functools import cache

import sympy as sp

from ..core.operator import derive_spectrum, gamma, matrix_M, operator_B, time_scaling
from ..core.radicals import homogenise, name_roots, value_at_zero, vanishes
from ..core.structured import Z_SPACE, C, N, StructuredMatrix
from ..engine.evidence import EvidenceSet
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from . import theorem_4_numerics
from .theorem_2 import s, t
from .theorem_4_numerics import EXPM_CASES, case_id

PRINTED = (
    "Theorem 4 ... Consider the continual gradient flow in Equation 12, let Z(t) = (H(t), W(t)). If m (t1)n2(t2) "
    "= m(te)n2(t1) for any t1,ta > 0, we have the following closed-form dynamics: Z(t) =11t Z, (af(t)ICN ...) "
    "+ ... +H3Z°( as(t)I 0 ; 0 b3(t)IC ), and bi) = o(0) (bo + H (1)) (14) where ... af, a5, b, b5, as, and by "
    "... are the scalars that depend only on C, N, 7, A1, A2, n1, and 1y (where the detailed forms can be seen in "
    "B), ¢(t) = exp(-A2 fo na2(7)dT), and = f(f Co(T) exp(Ag f() n2(s)ds)dr. [Eq. 69:] b(t) = by 0 "
    "[(A1(1(0 + 02+ 0C(t)) + (ACu(t) + 61 - aCz(t))eel_%}")

CLAIM = Claim(
    id="theorem-4",
    title="Closed-form dynamics under weight decay",
    statement=("For the flow of Eq. 12 with eta1(t1) eta2(t2) = eta1(t2) eta2(t1): Z(t) = sum_k Pi_k Z0 "
               "diag(a_k(t) I_CN, b_k(t) I_C) with (a_k, b_k)^T = exp(S(sigma_k, lambda1, lambda2, zeta1, zeta2)) "
               "(1, 1)^T, S = [[-lambda1 zeta1, sigma zeta1], [sigma zeta2, -lambda2 zeta2]] (closed form Eq. 69), "
               "and b(t) = phi(t)(b0 + psi(t) ((1+gamma-gamma C)/C) 1_C), phi = exp(-lambda2 zeta2), "
               "psi = int_0^t zeta2(tau) exp(lambda2 int_0^tau eta2) dtau (as printed)."),
    equations=("Eq. 11", "Eq. 12", "Eq. 13", "Eq. 14", "Eqs. 54-72"),
    issue=3,
    printed=PRINTED,
    readings=(
        Reading("printed", "Z(t) = sum_k Pi_k Z0 diag(a_k I, b_k I) with (a_k, b_k) = exp(S)(1, 1) given by Eq. 69 as "
                "OCR'd (b = e^th2/(th2 - th1) [(l1 z1 + th2 + sig z2) + (l1 z1 + th1 - sig z2) e^(th1 - th2)]); "
                "b(t) = e^{-l2 zeta2}(b0 + kappa psi 1_C), psi = int_0^t zeta2(tau) exp(l2 zeta2(tau)) dtau",
                change=("'Co(t)' read as zeta2(t), as this OCR renders it in Eq. 62 ('Co(t)(gan(t) - A2bn(1))' = "
                        "zeta2(sigma a_n - lambda2 b_n)); the unreadable factor before psi ('H (1)', 'I Cp(0)1c') read "
                        "as kappa = (1+gamma-gamma C)/C, Eq. 12's drift (without it, or with Eq. 7's 1+gamma-gamma C, "
                        "the bias fails its equation: mutants); Eq. 69 taken as its glyphs. Reading b's two garbled "
                        "signs the derived way instead does not change the verdict: the printed psi fails either way."),
                establishes="proved"),
        Reading("corrected", "as printed, with psi(t) = int_0^t eta2(tau) exp(lambda2 zeta2(tau)) dtau = "
                "(exp(lambda2 zeta2) - 1)/lambda2 (zeta2 at lambda2 = 0), Eq. 69's b = [(l1 z1 + th2 + sig z2) e^th2 - "
                "(l1 z1 + th1 + sig z2) e^th1]/(th2 - th1), and at th1 = th2 = th the limit e^th (I + S - th I)(1, 1)",
                change="psi integrates eta2 e^{lambda2 zeta2}, not zeta2 e^{...}; two signs of Eq. 69's b; Eq. 69 "
                       "extended by its limit where theta_1 = theta_2",
                departs=True,
                why=("with the printed psi the bias misses b' = eta2(kappa - lambda2 b) by kappa (zeta2 - eta2); the "
                     "OCR'd b tends to 0, not 1, as t -> 0; Eq. 69 is 0/0 where theta_1 = theta_2 (E3 whenever "
                     "s lambda1 = lambda2, e.g. the paper's own lambda1 = lambda2, s = 1; E2+- too at lambda = 0, "
                     "gamma = 1/(C-1))"),
                proof_needs=True),
    ),
)


#: The corrected bias (Eqs. 14, 55, 72), in LaTeX.
PSI_CORRECTION = (r"b(t)=e^{-\lambda_2\zeta_2(t)}\Bigl(b_0+\frac{1+\gamma-\gamma C}{C}\,\psi(t)\mathbf 1_C\Bigr),\ "
                  r"\psi(t)=\int_0^t\eta_2(\tau)e^{\lambda_2\zeta_2(\tau)}d\tau=\frac{e^{\lambda_2\zeta_2(t)}-1}{\lambda_2}")
PSI_COUNTEREXAMPLE = (r"\psi_{\mathrm{printed}}=\int_0^t\zeta_2(\tau)e^{\lambda_2\zeta_2(\tau)}d\tau:\ "
                      r"b'-\eta_2(\kappa\mathbf 1_C-\lambda_2b)=\kappa\,(\zeta_2(t)-\eta_2(t))\mathbf 1_C"
                      r"\ (=\kappa\eta(t-1)\mathbf 1_C\text{ for }\eta_2\equiv\eta)")
EQ69_CORRECTION = (r"b=\frac{(\lambda_1\zeta_1+\theta_2+\sigma\zeta_2)e^{\theta_2}"
                   r"-(\lambda_1\zeta_1+\theta_1+\sigma\zeta_2)"
                   r"e^{\theta_1}}{\theta_2-\theta_1};\ (a,b)^\top=e^{\theta}(I+S-\theta I)(1,1)^\top"
                   r"\text{ at }\theta_1=\theta_2=\theta")
EQ69_COUNTEREXAMPLE = (r"b_{\mathrm{OCR}}=\frac{e^{\theta_2}}{\theta_2-\theta_1}"
                       r"\bigl[(\lambda_1\zeta_1+\theta_2+\sigma\zeta_2)+(\lambda_1\zeta_1+\theta_1-\sigma\zeta_2)"
                       r"e^{\theta_1-\theta_2}\bigr]\to0\neq1\ (t\to0,\ \lambda=0);"
                       r"\ \sigma=0,\ \lambda_1=\lambda_2=\tfrac1{10},\ \zeta_1=\zeta_2=2:\ (a,b)=\tfrac00")

lambda1, lambda2 = sp.symbols("lambda_1 lambda_2", nonnegative=True)
#: The integrated rate zeta2(t) of the proofs: arbitrary, positive for t > 0 (eta2 > 0).
zeta2 = sp.Function("zeta_2", positive=True)
sigma_symbol = sp.Symbol("sigma", real=True)
zeta1_symbol, zeta2_symbol = sp.symbols("zeta_1 zeta_2", positive=True)
b0_symbol = sp.Symbol("b_0", real=True)


def drift():
    """kappa = (1 + gamma - gamma C)/C, the bias velocity per unit of eta2 (Eq. 12)."""
    return (1 + gamma - gamma * C) / C


def S_matrix(sigma, decay1, decay2, zeta1, zeta2):
    """The 2 x 2 matrix S of Eq. 63 that governs one eigenspace."""
    return sp.Matrix([[-decay1 * zeta1, sigma * zeta1], [sigma * zeta2, -decay2 * zeta2]])


def eigenvalues_eq66(sigma, decay1, decay2, zeta1, zeta2):
    r"""(theta_1, theta_2) of Eq. 66, theta_1 with the minus sign of the root."""
    root = sp.sqrt((decay1 * zeta1 - decay2 * zeta2) ** 2 + 4 * sigma ** 2 * zeta1 * zeta2)
    mean = -(decay1 * zeta1 + decay2 * zeta2)
    return (mean - root) / 2, (mean + root) / 2


def multipliers_eq69(sigma, decay1, decay2, zeta1, zeta2):
    """(a, b) = exp(S)(1, 1) in the closed form of Eq. 69 (b as derived; see :data:`READING`)."""
    theta1, theta2 = eigenvalues_eq66(sigma, decay1, decay2, zeta1, zeta2)
    gap = theta2 - theta1
    a = sp.exp(theta2) / gap * ((sigma * zeta1 - decay1 * zeta1 - theta1)
                                - (sigma * zeta1 - decay1 * zeta1 - theta2) * sp.exp(theta1 - theta2))
    b = sp.exp(theta2) / gap * ((decay1 * zeta1 + theta2 + sigma * zeta2)
                                - (decay1 * zeta1 + theta1 + sigma * zeta2) * sp.exp(theta1 - theta2))
    return a, b


def multipliers_eq69_as_ocr(sigma, decay1, decay2, zeta1, zeta2):
    """Eq. 69 read literally from the OCR: b's second term is '+ (lambda1 zeta1 + theta1 - sigma zeta2)'."""
    theta1, theta2 = eigenvalues_eq66(sigma, decay1, decay2, zeta1, zeta2)
    a, _ = multipliers_eq69(sigma, decay1, decay2, zeta1, zeta2)
    b = sp.exp(theta2) / (theta2 - theta1) * ((decay1 * zeta1 + theta2 + sigma * zeta2)
                                              + (decay1 * zeta1 + theta1 - sigma * zeta2) * sp.exp(theta1 - theta2))
    return a, b


def perturbed_multipliers(kind):
    """Mutants of S that the checks must catch: the sign of lambda, or zeta1 and zeta2 swapped."""
    if kind == "lambda-sign":
        return lambda sigma, l1, l2, z1, z2: multipliers_eq69(sigma, -l1, -l2, z1, z2)
    if kind == "swapped-zetas":
        return lambda sigma, l1, l2, z1, z2: multipliers_eq69(sigma, l1, l2, z2, z1)
    if kind == "ocr-b":
        return multipliers_eq69_as_ocr
    raise ValueError(kind)


# --- the 2 x 2 problem of one component (Eqs. 62-69) -------------------------------------------
def weight_decay_operator():
    r""":math:`B_\lambda=B-\operatorname{diag}(\lambda_1I_{CN},\lambda_2I_C)` (Eq. 59)."""
    return operator_B() - time_scaling(lambda1, lambda2)


def derive_S():
    r"""Eq. 62 in the structured algebra: S read off from :math:`D B_\lambda C(t)` on each component.

    For the projector :math:`Q_k` of each component, solves
    :math:`Q_k\operatorname{diag}(xI,yI)\,B_\lambda C(t)=Q_k\operatorname{diag}(x'I,y'I)` for
    :math:`(x',y')` (symbols x, y, :math:`\zeta_1`, :math:`\zeta_2`): one step of the induction of
    Eq. 62 maps :math:`(a_n,b_n)` to :math:`(a_{n+1},b_{n+1})=S(a_n,b_n)`. Returns
    ``{label: (S_derived, expected, W_determined)}`` where ``S_derived`` is the Jacobian of
    :math:`(x',y')` in :math:`(x,y)`; for :math:`\mathcal E_3` (no W part) the second row is
    undetermined and only the first row is compared.
    """
    x, y, x_next, y_next = sp.symbols("x y x' y'")
    step = weight_decay_operator() @ time_scaling(zeta1_symbol, zeta2_symbol)
    derived = {}
    for component in derive_spectrum():
        Q = component.projector
        residual = Q @ time_scaling(x, y) @ step - Q @ time_scaling(x_next, y_next)
        equations = [sp.expand(c) for c in residual.coefficients().values()]
        (solution,) = sp.solve(equations, [x_next, y_next], dict=True)
        rows = [solution.get(x_next), solution.get(y_next)]
        determined = rows[1] is not None
        found = sp.Matrix([[sp.diff(r, v) for v in (x, y)] for r in rows if r is not None])
        expected = S_matrix(component.eigenvalue, lambda1, lambda2, zeta1_symbol, zeta2_symbol)
        derived[component.label] = (found, expected if determined else expected[:1, :], determined)
    return derived


def derive_exponential():
    r"""Eqs. 66--69 re-derived for a generic :math:`\sigma` (symbols :math:`\zeta_1,\zeta_2>0`).

    Returns a dict of exact booleans and expressions: the roots of :math:`\det(S-\theta I)`
    against Eq. 66; Eq. 67's eigenvectors :math:`(1,(\lambda_1\zeta_1+\theta_i)/(\sigma\zeta_1))`;
    :math:`(a,b)=P\operatorname{diag}(e^{\theta_1},e^{\theta_2})P^{-1}(1,1)^\top` (Eq. 68) against
    Eq. 69's a, the derived b and the OCR's b; and Sylvester's formula
    :math:`e^S=[(S-\theta_1)e^{\theta_2}-(S-\theta_2)e^{\theta_1}]/(\theta_2-\theta_1)` as a second route.
    """
    sig, z1, z2 = sigma_symbol, zeta1_symbol, zeta2_symbol
    S = S_matrix(sig, lambda1, lambda2, z1, z2)
    theta = sp.Symbol("theta")
    characteristic = sp.expand((S - theta * sp.eye(2)).det())
    roots = sp.solve(characteristic, theta)
    theta1, theta2 = eigenvalues_eq66(sig, lambda1, lambda2, z1, z2)
    matched = sorted(next((i for i, x in enumerate((theta1, theta2)) if sp.simplify(r - x) == 0), None)
                     for r in roots)
    P = sp.Matrix([[1, 1], [(lambda1 * z1 + theta1) / (sig * z1), (lambda1 * z1 + theta2) / (sig * z1)]])
    eigenvectors = (S * P - P * sp.diag(theta1, theta2))
    ones = sp.Matrix([1, 1])
    spectral = P * sp.diag(sp.exp(theta1), sp.exp(theta2)) * P.inv() * ones
    sylvester = ((S - theta1 * sp.eye(2)) * sp.exp(theta2) - (S - theta2 * sp.eye(2)) * sp.exp(theta1)) \
        / (theta2 - theta1) * ones
    a, b = multipliers_eq69(sig, lambda1, lambda2, z1, z2)
    _, b_ocr = multipliers_eq69_as_ocr(sig, lambda1, lambda2, z1, z2)

    def zero(expr):
        named_expr, more = name_roots(expr, (lambda1, lambda2))
        return vanishes(named_expr, more)

    return {
        "eq66_eigenvalues": matched == [0, 1] and all(zero(characteristic.subs(theta, x)) for x in (theta1, theta2)),
        "characteristic_roots": roots,
        "eq67_eigenvectors": all(zero(c) for c in eigenvectors),
        "eq69_a": zero(spectral[0] - a) and zero(sylvester[0] - a),
        "eq69_b_derived": zero(spectral[1] - b) and zero(sylvester[1] - b),
        "eq69_b_as_ocr": zero(spectral[1] - b_ocr),
        "trace_and_determinant": (sp.simplify(theta1 + theta2 - S.trace()) == 0,
                                  zero(theta1 * theta2 - S.det())),
    }


def multipliers_per_subspace():
    r"""(theta_1, theta_2) for each subspace, and the exact :math:`\mathcal E_3` multipliers.

    For :math:`\sigma=0` the matrix S is diagonal: :math:`\exp(S)(1,1)=(e^{-\lambda_1\zeta_1},
    e^{-\lambda_2\zeta_2})`; Eq. 69 gives the same where :math:`\lambda_1\zeta_1\ne\lambda_2\zeta_2`.
    """
    table = {}
    for component in derive_spectrum():
        table[component.label] = eigenvalues_eq66(component.eigenvalue, lambda1, lambda2, zeta1_symbol, zeta2_symbol)
    diagonal = S_matrix(0, lambda1, lambda2, zeta1_symbol, zeta2_symbol).exp() * sp.Matrix([1, 1])
    # Eq. 69 at sigma = 0 with the root of (l1 z1 - l2 z2)^2 taken as l1 z1 - l2 z2 (> 0) or its negative
    a, b = multipliers_eq69(0, lambda1, lambda2, zeta1_symbol, zeta2_symbol)
    gap = sp.Symbol("g", positive=True)
    agree = []
    for sign in (1, -1):   # lambda1 zeta1 - lambda2 zeta2 = sign * g, g > 0
        values = {lambda1: (lambda2 * zeta2_symbol + sign * gap) / zeta1_symbol}
        agree.append(all(sp.simplify((x - y).subs(values)) == 0 for x, y in zip((a, b), diagonal)))
    return table, tuple(diagonal), all(agree)


def entire_form(sigma, decay1, decay2, zeta1, zeta2):
    r"""exp(S)(1,1) as :math:`e^m[\cosh d+\frac{\sinh d}{d}(S-mI)](1,1)`, m = tr S / 2,
    :math:`d=(\theta_2-\theta_1)/2`: an even, entire function of d, so defined at
    :math:`\theta_1=\theta_2` too (what :func:`~ulproofs.core.weight_decay.multipliers` evaluates)."""
    S = S_matrix(sigma, decay1, decay2, zeta1, zeta2)
    theta1, theta2 = eigenvalues_eq66(sigma, decay1, decay2, zeta1, zeta2)
    m, d = (theta1 + theta2) / 2, (theta2 - theta1) / 2
    out = sp.exp(m) * (sp.cosh(d) * sp.eye(2) + sp.sinh(d) / d * (S - m * sp.eye(2))) * sp.Matrix([1, 1])
    return out[0], out[1]


def prove_entire_form():
    """The entire form equals Eq. 69 wherever theta_1 != theta_2 (exact)."""
    sig, z1, z2 = sigma_symbol, zeta1_symbol, zeta2_symbol
    differences = [x - y for x, y in zip(entire_form(sig, lambda1, lambda2, z1, z2),
                                         multipliers_eq69(sig, lambda1, lambda2, z1, z2))]
    out = []
    for difference in differences:
        named, roots = name_roots(difference.rewrite(sp.exp), (lambda1, lambda2))
        out.append(vanishes(named, roots))
    return all(out)


# --- the flow in the structured algebra -------------------------------------------------------
def generator(ratio=s):
    r""":math:`A_\lambda(t)/\eta_2(t)=B_\lambda\operatorname{diag}(sI,I)
    =[[-s\lambda_1I,M^\top],[sM,-\lambda_2I]]` for :math:`\eta_1=s\eta_2`."""
    return weight_decay_operator() @ time_scaling(ratio, 1)


def flow_propagator(formula=None, ratio=s, integrated_rate=None):
    r""":math:`\Phi(t)=\sum_kQ_k\operatorname{diag}(a_kI,b_kI)` with Z(t) = Z0 Phi(t).

    (a_k, b_k) = ``formula``(sigma_k, lambda1, lambda2, zeta1, zeta2) (default Eq. 69) at
    :math:`\zeta_1=s\zeta_2`, :math:`\zeta_2` = ``integrated_rate`` (default the arbitrary
    :math:`\zeta_2(t)`).
    """
    formula = formula or multipliers_eq69
    z2 = zeta2(t) if integrated_rate is None else integrated_rate
    pairs = [formula(component.eigenvalue, lambda1, lambda2, ratio * z2, z2) for component in derive_spectrum()]
    return _assemble(pairs)


def _assemble(pairs):
    """sum_k Q_k diag(a_k I, b_k I) for the five components' (a_k, b_k)."""
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    for component, (a, b) in zip(derive_spectrum(), pairs):
        total = total + component.projector @ time_scaling(a, b)
    return total


def prove_flow_equation(formula=None):
    r""":math:`\Phi'=\Phi A_\lambda(t)` and :math:`\Phi(0)=I` for all C, N, :math:`\gamma`,
    :math:`\lambda_1,\lambda_2`, s and an arbitrary :math:`\zeta_2(t)`.

    In :math:`\Phi` the positive :math:`\zeta_2(t)` is pulled out of the roots
    (:math:`\sqrt{(s\lambda_1\zeta_2-\lambda_2\zeta_2)^2+4s\sigma^2\zeta_2^2}=\zeta_2\rho`, an
    identity for :math:`\zeta_2>0`) and the roots :math:`\rho` are named; the residual
    :math:`\Phi'-\Phi\,\eta_2G_\lambda` is formed in the structured algebra and each coefficient
    is reduced exactly (:func:`~ulproofs.core.radicals.vanishes`). Returns
    ``(residual_vanishes, at_zero)``: a dict coefficient -> bool, and
    :math:`\lim_{\zeta_2\to0}\Phi-I` (a StructuredMatrix that must be zero). Valid where every
    :math:`\theta_1\ne\theta_2` (:math:`\rho_k\ne0`); the degenerate case is
    :func:`prove_degenerate_case`.
    """
    formula = formula or multipliers_eq69
    pairs = [[homogenise(x, t) for x in formula(component.eigenvalue, lambda1, lambda2, s * zeta2(t), zeta2(t))]
             for component in derive_spectrum()]
    named, roots = name_roots(sp.Tuple(*(x for pair in pairs for x in pair)), (lambda1, lambda2))
    phi = _assemble(zip(named[::2], named[1::2]))
    rate = sp.Derivative(zeta2(t), t)
    residual = phi.applyfunc(lambda c: sp.diff(c, t)) - (phi @ generator()) * rate
    z, eta = sp.Symbol("z", positive=True), sp.Symbol("eta_2", positive=True)
    residual_vanishes = {key: vanishes(c.subs(rate, eta).subs(zeta2(t), z), roots)
                         for key, c in residual.coefficients().items()}
    # Phi(0) = lim Phi = sum_k Q_k diag(lim a_k, lim b_k): a finite sum, so limit by limit
    at_zero = -StructuredMatrix.identity(Z_SPACE)
    for component in derive_spectrum():
        pair = formula(component.eigenvalue, lambda1, lambda2, s * z, z)
        limits = [value_at_zero(name_roots(homogenise(x, z), (lambda1, lambda2))[0], z) for x in pair]
        at_zero = at_zero + component.projector @ time_scaling(*limits)
    return residual_vanishes, at_zero


def prove_degenerate_case():
    r"""Where :math:`\theta_1=\theta_2` (:math:`\sigma=0` and :math:`\lambda_1\zeta_1=\lambda_2\zeta_2`).

    There exp(S)(1,1) = :math:`e^{-\lambda_2\zeta_2}(1,1)`, which solves the component's equation
    :math:`(a,b)'=\eta_2G(a,b)` with :math:`G=-\lambda_2I` (:math:`s\lambda_1=\lambda_2`), and is
    the limit :math:`\sigma\to0` on :math:`\lambda_1\zeta_1=\lambda_2\zeta_2` of both Eq. 69 and
    the entire form. Returns ``(ode residual, limit residuals)``, all zero.
    """
    z = zeta2(t)
    G = -lambda2 * sp.eye(2)
    solution = sp.exp(-lambda2 * z) * sp.Matrix([1, 1])
    ode = (solution.diff(t) - sp.Derivative(z, t) * G * solution).applyfunc(sp.simplify)
    sig = sp.Symbol("sigma", positive=True)
    z1, z2 = zeta1_symbol, zeta2_symbol
    on_degenerate = {lambda1: lambda2 * z2 / z1}
    limits = [sp.simplify(sp.limit(x.subs(on_degenerate), sig, 0) - sp.exp(-lambda2 * z2))
              for formula in (multipliers_eq69, entire_form) for x in formula(sig, lambda1, lambda2, z1, z2)]
    return ode, limits


def component_residuals():
    r"""The exact reduction of the flow equation to one 2 x 2 system per component.

    For symbols x, y: :math:`Q_k\operatorname{diag}(x,y)G_\lambda=Q_k\operatorname{diag}(x',y')`
    with :math:`(x',y')=G_k(x,y)`, :math:`G_k=[[-s\lambda_1,s\sigma_k],[\sigma_k,-\lambda_2]]`,
    so :math:`\Phi'-\Phi A_\lambda=\sum_kQ_k\operatorname{diag}(r_k)` with
    :math:`r_k=(a_k,b_k)'-\eta_2G_k(a_k,b_k)`. Returns ``{label: residual StructuredMatrix}``
    of :math:`Q_k\operatorname{diag}(x,y)G_\lambda-Q_k\operatorname{diag}(G_k(x,y))`, each zero.
    """
    x, y = sp.symbols("x y")
    out = {}
    for component in derive_spectrum():
        sig = component.eigenvalue
        G = sp.Matrix([[-s * lambda1, s * sig], [sig, -lambda2]])
        image = G * sp.Matrix([x, y])
        Q = component.projector
        out[component.label] = (Q @ time_scaling(x, y) @ generator() - Q @ time_scaling(*image)).simplified()
    return out


def flow_residual_at(formula, values):
    r""":math:`\Phi'-\Phi A_\lambda` for a (mutated) formula at one point: the multipliers and
    their derivatives (mpmath.diff) evaluated at 50 digits, the residual rounded to 30.

    ``values`` maps C, N, gamma, s, lambda1, lambda2 and t to numbers; :math:`\zeta_2(t)=t^2+t`.
    A nonzero coefficient is a witness that the formula fails.
    """
    import mpmath

    formula = formula or multipliers_eq69
    z = t ** 2 + t
    constants = {k: v for k, v in values.items() if k != t}
    pairs, rates = [], []
    with mpmath.workdps(50):
        at = mpmath.mpf(sp.Rational(values[t]).p) / sp.Rational(values[t]).q
        for component in derive_spectrum():
            decay1, decay2, zeta1 = (x.subs(constants) for x in (lambda1, lambda2, s * z))
            pair = formula(component.eigenvalue.subs(constants), decay1, decay2, zeta1, z)
            functions = [sp.lambdify(t, x, "mpmath") for x in pair]
            pairs.append([sp.Float(f(at), 50) for f in functions])
            rates.append([sp.Float(mpmath.diff(f, at), 50) for f in functions])
    residual = (_assemble(rates) - (_assemble(pairs) @ generator()) * sp.diff(z, t).subs(values)).subs(values)
    return residual.applyfunc(lambda c: sp.N(c, 30))


def commutator_of_rates():
    r""":math:`[A_\lambda(t_1),A_\lambda(t_2)]` (Eq. 57) with the rates at the two times as symbols.

    With :math:`a_i=\eta_1(t_i)`, :math:`b_i=\eta_2(t_i)` returns ``(commutator, conditions,
    factor, kernel)`` as :func:`ulproofs.claims.theorem_2.commutator_of_rates` does: the solution
    set of commutator = 0 in :math:`a_2`, the polynomial that vanishes there, and
    kernel = commutator / factor, free of the rates.
    """
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    M = matrix_M()

    def A(rate_features, rate_prototypes):
        return (StructuredMatrix.block([[0, M.T * rate_prototypes], [M * rate_features, 0]])
                - time_scaling(lambda1 * rate_features, lambda2 * rate_prototypes))

    commutator = (A(a1, b1) @ A(a2, b2) - A(a2, b2) @ A(a1, b1)).simplified()
    conditions = sp.solve(list(commutator.coefficients().values()), a2, dict=True)
    (solution,) = conditions
    factor = sp.factor(sp.numer(sp.together(a2 - solution[a2])))
    kernel = commutator.applyfunc(lambda c: sp.factor(c / factor))
    return commutator, conditions, factor, kernel


def expected_commutator_kernel():
    r""":math:`[[M^\top M,\lambda_1M^\top],[-\lambda_2M,-MM^\top]]`."""
    M = matrix_M()
    return StructuredMatrix.block([[M.T @ M, M.T * lambda1], [M * (-lambda2), -(M @ M.T)]])


# --- exact gradient-descent iterates -----------------------------------------------------------
def discrete_propagator(ratio=s):
    r"""The exact propagator after K steps, :math:`\Phi_K=\sum_kQ_k\operatorname{diag}(u_k,v_k)`,
    :math:`(u_k,v_k)=\prod_j(I+\eta_{2,j}G_k)(1,1)^\top`, written with the symbols
    :math:`P^\pm_k=\prod_j(1+\eta_{2,j}\mu^\pm_k)` of the eigenvalues
    :math:`\mu^\pm_k=(-(s\lambda_1+\lambda_2)\pm\rho_k)/2` of :math:`G_k`:
    :math:`(u,v)=[P^+(G-\mu^-I)-P^-(G-\mu^+I)](1,1)^\top/\rho`.

    Returns ``(Phi_K, products, roots)``: ``products[label] = (mu+, mu-, P+, P-)`` and
    ``roots = {rho_k: rho_k^2}``.
    """
    total = StructuredMatrix.zeros(Z_SPACE, Z_SPACE)
    products, roots = {}, {}
    ones = sp.Matrix([1, 1])
    for component in derive_spectrum():
        sig = component.eigenvalue
        G = sp.Matrix([[-ratio * lambda1, ratio * sig], [sig, -lambda2]])
        square = sp.expand((ratio * lambda1 - lambda2) ** 2 + 4 * ratio * sig ** 2)   # shared by E1+- and E2+-
        rho = next((r for r, x in roots.items() if x == square), sp.Symbol(f"rho_{len(roots)}", positive=True))
        roots[rho] = square
        upper, lower = (-(ratio * lambda1 + lambda2) + rho) / 2, (-(ratio * lambda1 + lambda2) - rho) / 2
        plus, minus = sp.symbols(f"P^+_{{{component.label}}} P^-_{{{component.label}}}")
        products[component.label] = (upper, lower, plus, minus)
        u, v = (plus * (G - lower * sp.eye(2)) * ones - minus * (G - upper * sp.eye(2)) * ones) / rho
        total = total + component.projector @ time_scaling(u, v)
    return total, products, roots


def prove_discrete_iterates():
    r""":math:`\Phi_{K+1}=\Phi_K(I+\eta G_\lambda)` once :math:`P^\pm_k\to P^\pm_k(1+\eta\mu^\pm_k)`,
    and :math:`\Phi_0=I` (all :math:`P=1`), reduced modulo :math:`\rho_k^2`. Returns two bools."""
    eta = sp.Symbol("eta", positive=True)
    phi, products, roots = discrete_propagator()
    advanced = phi.subs({sym: sym * (1 + eta * mu) for mu_plus, mu_minus, plus, minus in products.values()
                         for sym, mu in ((plus, mu_plus), (minus, mu_minus))})
    residual = advanced - phi @ (StructuredMatrix.identity(Z_SPACE) + generator() * eta)
    initial = phi.subs({sym: 1 for *_, plus, minus in products.values() for sym in (plus, minus)}) \
        - StructuredMatrix.identity(Z_SPACE)
    return (all(vanishes(c, roots) for c in residual.coefficients().values()),
            all(vanishes(c, roots) for c in initial.coefficients().values()))


# --- the bias ----------------------------------------------------------------------------------
def psi(integrated_rate, decay2=lambda2):
    r""":math:`\psi=\int_0^t\eta_2e^{\lambda_2\zeta_2}=(e^{\lambda_2\zeta_2}-1)/\lambda_2`."""
    return (sp.exp(decay2 * integrated_rate) - 1) / decay2


def prove_bias():
    r"""The corrected bias solves Eq. 12's bias equation for an arbitrary :math:`\zeta_2(t)`.

    Returns residuals (all zero): the ODE :math:`b'-\eta_2(\kappa-\lambda_2b)`, the initial value
    :math:`b(0)-b_0`, :math:`\psi'-\eta_2e^{\lambda_2\zeta_2}` and :math:`\psi(0)` (so
    :math:`\psi=\int_0^t\eta_2e^{\lambda_2\zeta_2}` by the fundamental theorem of calculus), and
    :math:`\lim_{\lambda_2\to0}b-(b_0+\kappa\zeta_2)` (Theorem 2's bias).
    """
    z = zeta2(t)
    rate = sp.Derivative(z, t)
    kappa = drift()
    phi = sp.exp(-lambda2 * z)
    bias = phi * (b0_symbol + kappa * psi(z))
    ode = sp.simplify(sp.diff(bias, t) - rate * (kappa - lambda2 * bias))
    initial = sp.simplify(bias.subs(z, 0) - b0_symbol)
    psi_rate = sp.simplify(sp.diff(psi(z), t) - rate * sp.exp(lambda2 * z))
    psi_start = sp.simplify(psi(z).subs(z, 0))
    undecayed = sp.simplify(sp.limit(bias, lambda2, 0) - (b0_symbol + kappa * z))
    return {"ode": ode, "initial": initial, "psi'": psi_rate, "psi(0)": psi_start, "lambda2 -> 0": undecayed}


def printed_bias_residual(factor=None):
    r"""The bias with the printed :math:`\psi_p(t)=\int_0^t\zeta_2(\tau)e^{\lambda_2\zeta_2(\tau)}d\tau`.

    Returns ``(residual, at_constant_rate)``: the residual :math:`b'-\eta_2(\kappa-\lambda_2b)`
    for an arbitrary :math:`\zeta_2` (it is :math:`\kappa(\zeta_2-\eta_2)`), and the same for
    :math:`\eta_2=\eta` constant with :math:`\psi_p` integrated in closed form. ``factor`` is the
    drift factor printed in front of :math:`\psi` (default :math:`\kappa`).
    """
    tau = sp.Symbol("tau", positive=True)
    kappa = drift()
    factor = kappa if factor is None else factor
    z = zeta2(t)
    printed = sp.Integral(zeta2(tau) * sp.exp(lambda2 * zeta2(tau)), (tau, 0, t))
    bias = sp.exp(-lambda2 * z) * (b0_symbol + factor * printed)
    residual = sp.simplify(sp.diff(bias, t) - sp.Derivative(z, t) * (kappa - lambda2 * bias))
    eta = sp.Symbol("eta", positive=True)
    decay = sp.Symbol("lambda", positive=True)
    explicit = sp.integrate(eta * tau * sp.exp(decay * eta * tau), (tau, 0, t))
    constant_bias = sp.exp(-decay * eta * t) * (b0_symbol + factor * explicit)
    constant = sp.simplify(sp.diff(constant_bias, t) - eta * (kappa - decay * constant_bias))
    return residual, sp.factor(constant)


def missing_drift_residuals():
    r"""Eq. 14 without the 1/C (as Eq. 7 prints it) and without any drift factor in front of
    :math:`\psi`: the bias residuals and the :math:`\gamma` where each vanishes."""
    z = zeta2(t)
    kappa = drift()
    out = {}
    for name, factor in (("(1+gamma-gamma C) psi", kappa * C), ("psi alone", sp.Integer(1))):
        bias = sp.exp(-lambda2 * z) * (b0_symbol + factor * psi(z))
        residual = sp.simplify(sp.diff(bias, t) - sp.Derivative(z, t) * (kappa - lambda2 * bias))
        roots = sp.solve(sp.simplify(residual / sp.Derivative(z, t)), gamma)
        out[name] = (sp.factor(residual), roots)
    return out


# --- numerics ----------------------------------------------------------------------------------


# --- evidence -----------------------------------------------------------------------------------
EVIDENCE = EvidenceSet(CLAIM)


@cache
def _exponential():
    return derive_exponential()


@EVIDENCE.item("eq11-12-gradient-flow", kind="symbolic",
               description="Eq. 12 is the gradient flow of Eq. 11: -grad of (1/(CN)) sum_{i,c} L_gamma(W h_ic + b, "
                           "c) + (l1/2)||H||^2 + (l2/2)(||W||^2 + ||b||^2), built from the per-example loss (p = 2, "
                           "C = 3, N = 2, symbolic entries), equals (W M - l1 H, H M^T - l2 W, kappa 1 - l2 b) with "
                           "M of core.operator")
def eq11_12_gradient_flow(context, record):
    p_, C_, N_ = 2, 3, 2
    H, W = sp.Matrix(p_, C_ * N_, sp.symbols(f"h0:{p_ * C_ * N_}")), sp.Matrix(p_, C_, sp.symbols(f"w0:{p_ * C_}"))
    b = sp.Matrix(sp.symbols(f"b0:{C_}"))
    loss = 0
    for column in range(C_ * N_):                # class-major: column c N + i is example i of class c
        label, scores = column // N_, W.T * H[:, column] + b
        loss += -scores[label] + gamma * sum(scores[j] for j in range(C_) if j != label)
    objective = loss / (C_ * N_) + lambda1 / 2 * sum(x ** 2 for x in H) + lambda2 / 2 * (
        sum(x ** 2 for x in W) + sum(x ** 2 for x in b))
    M = matrix_M().dense(C_, N_)
    expected = {"H": W * M - lambda1 * H, "W": H * M.T - lambda2 * W,
                "b": drift().subs(C, C_) * sp.ones(C_, 1) - lambda2 * b}
    found = {"H": -H.applyfunc(lambda x: sp.diff(objective, x)), "W": -W.applyfunc(lambda x: sp.diff(objective, x)),
             "b": -b.applyfunc(lambda x: sp.diff(objective, x))}
    agree = {name: (found[name] - expected[name]).applyfunc(sp.expand).is_zero_matrix for name in expected}
    record.passed = all(agree.values())
    record.measured = agree


@EVIDENCE.item("eq63-S-from-the-induction", kind="symbolic",
               description="Eqs. 62-63: on every component Q_k, Q_k diag(x, y) B_lambda C(t) = Q_k diag(S (x, y)) with "
                           "S = [[-l1 z1, sig_k z1], [sig_k z2, -l2 z2]] (E3: first row; it has no W part)")
def eq63_S_from_the_induction(context, record):
    derived = derive_S()
    agree = {label: (found - expected).applyfunc(sp.simplify) == sp.zeros(*expected.shape)
             for label, (found, expected, _) in derived.items()}
    record.passed = all(agree.values()) and [d for *_, d in derived.values()] == [True] * 4 + [False]
    record.measured = {label: f"S = {found.tolist()}, agrees with Eq. 63: {agree[label]}"
                       for label, (found, _, _) in derived.items()}


@EVIDENCE.item("eq66-67-eigenpairs", kind="symbolic",
               description="Eqs. 66-67 (sigma generic): theta_1,2 are the roots of det(S - theta I) (trace and "
                           "determinant agree), the printed eigenvectors (1, (l1 z1 + theta_i)/(sigma z1)), and "
                           "theta_1 < 0 as printed; theta_1 theta_2 = z1 z2 (l1 l2 - sigma^2)")
def eq66_67_eigenpairs(context, record):
    exponential = _exponential()
    sig, z1, z2 = sp.symbols("sigma zeta_1 zeta_2", positive=True)
    theta1, theta2 = eigenvalues_eq66(sig, lambda1, lambda2, z1, z2)
    product = sp.expand(theta1 * theta2 - z1 * z2 * (lambda1 * lambda2 - sig ** 2)) == 0
    record.passed = bool(exponential["eq66_eigenvalues"] and exponential["eq67_eigenvectors"]
                         and all(exponential["trace_and_determinant"]) and theta1.is_negative and product)
    record.measured = {"roots": str(exponential["characteristic_roots"]), "theta_1 < 0": bool(theta1.is_negative),
                       "theta_1 theta_2 = z1 z2 (l1 l2 - sigma^2)": product}


@EVIDENCE.item("eq69-a", kind="symbolic",
               description="Eq. 69's a(t) as printed is the first entry of exp(S)(1, 1), by diagonalisation (Eq. 68) "
                           "and by Sylvester's formula")
def eq69_a(context, record):
    record.passed = bool(_exponential()["eq69_a"])
    record.measured = {"a = exp(S)(1,1)_1": record.passed}


@EVIDENCE.item("eq69-b-derived", kind="symbolic", role="correction", reading="corrected",
               description="Eq. 69's b with the derived signs, [(l1 z1 + th2 + sig z2) e^th2 - (l1 z1 + th1 + sig z2) "
                           "e^th1]/(th2 - th1), is the second entry of exp(S)(1, 1) (both routes)")
def eq69_b_derived(context, record):
    record.passed = bool(_exponential()["eq69_b_derived"])
    record.measured = {"b = exp(S)(1,1)_2": record.passed}


@EVIDENCE.item("eq69-b-as-ocred", kind="counterexample", reading="printed",
               description="Eq. 69's b as OCR'd (second term '+ (l1 z1 + th1 - sig z2) e^(th1 - th2)') is not "
                           "exp(S)(1, 1): at lambda = 0, zeta1 = zeta2 = r it tends to 0, not 1, as r -> 0")
def eq69_b_as_ocred(context, record):
    r, sig = sp.symbols("r sigma", positive=True)
    _, b_ocr = multipliers_eq69_as_ocr(sig, 0, 0, r, r)
    _, b = multipliers_eq69(sig, 0, 0, r, r)
    at_start, derived_start = sp.limit(b_ocr, r, 0), sp.limit(b, r, 0)
    record.passed = bool(not _exponential()["eq69_b_as_ocr"] and at_start != 1 and derived_start == 1)
    record.measured = {"OCR b equals exp(S)(1,1)": _exponential()["eq69_b_as_ocr"],
                       "OCR b at lambda = 0, zeta1 = zeta2 = r": str(sp.simplify(b_ocr.rewrite(sp.sinh))),
                       "OCR b as r -> 0 (must be 1)": str(at_start), "derived b as r -> 0": str(derived_start)}


@EVIDENCE.item("eq69-zero-over-zero", kind="counterexample", reading="printed",
               description="Eq. 69 as printed is 0/0 where theta_1 = theta_2: on E3 (sigma = 0) with lambda1 = lambda2 "
                           "= 1/10 and zeta1 = zeta2 = 2 (s = 1, the setting of the paper's Figs. 4-7)")
def eq69_zero_over_zero(context, record):
    decay, zeta = sp.Rational(1, 10), 2
    theta1, theta2 = eigenvalues_eq66(0, decay, decay, zeta, zeta)
    a, b = (sp.simplify(x) for x in multipliers_eq69(0, decay, decay, zeta, zeta))
    record.passed = bool(theta1 == theta2 and a is sp.nan and b is sp.nan)
    record.measured = {"theta_1, theta_2": f"{theta1}, {theta2}", "Eq. 69 (a, b)": f"{a}, {b}",
                       "exp(S)(1, 1)": str(tuple(S_matrix(0, decay, decay, zeta, zeta).exp() * sp.Matrix([1, 1])))}


@EVIDENCE.item("degenerate-limit", kind="symbolic", role="correction", reading="corrected",
               description="theta_1 = theta_2: exp(S)(1,1) = e^{-l2 z2}(1, 1) solves the component equation and is the "
                           "limit of Eq. 69 and of the entire form e^m[cosh d + sinh(d)/d (S - m)] (which equals Eq. 69"
                           " "
                           "wherever theta_1 != theta_2); on E3 Eq. 69 agrees with (e^{-l1 z1}, e^{-l2 z2}) where "
                           "l1 z1 != l2 z2")
def degenerate_limit(context, record):
    table, diagonal, agree = multipliers_per_subspace()
    entire = prove_entire_form()
    ode, limits = prove_degenerate_case()
    record.passed = bool(agree and entire and ode == sp.zeros(2, 1) and all(x == 0 for x in limits))
    record.measured = {**{label: str(value) for label, value in table.items()}, "E3 multipliers": str(diagonal),
                       "Eq. 69 at sigma = 0 agrees": agree, "entire form = Eq. 69": entire,
                       "degenerate case solves its equation": ode.is_zero_matrix, "limits": str(limits)}


@EVIDENCE.item("component-reduction", kind="symbolic",
               description="Q_k diag(x, y) G_lambda = Q_k diag(G_k (x, y)), G_k = [[-s l1, s sig_k], [sig_k, -l2]], "
                           "for every component: the flow splits into one 2 x 2 system per component")
def component_reduction(context, record):
    reductions = component_residuals()
    record.passed = all(r.is_zero() for r in reductions.values())
    record.measured = {label: r.is_zero() for label, r in reductions.items()}


@EVIDENCE.item("flow-equation", kind="symbolic", role="correction", reading="corrected",
               description="Eq. 13 with Eq. 69 (derived b) solves Z' = Z A_lambda(t), Z(0) = Z0 (eta1 = s eta2, "
                           "zeta2(t) "
                           "arbitrary) as an identity in the structured algebra (all C >= 2, N >= 1, gamma, lambda1, "
                           "lambda2, s)")
def flow_equation(context, record):
    residual_vanishes, at_zero = prove_flow_equation()
    record.passed = len(residual_vanishes) == 9 and all(residual_vanishes.values()) and at_zero.is_zero()
    record.measured = {"residual coefficients": len(residual_vanishes),
                       "vanishing exactly": sum(residual_vanishes.values()),
                       "Phi(0) = I": at_zero.is_zero()}


FLOW_POINT = {C: 3, N: 2, gamma: sp.Rational(1, 5), s: 2, lambda1: sp.Rational(1, 10), lambda2: sp.Rational(3, 10),
              t: sp.Rational(1, 2)}


@cache
def _largest_flow_residual(kind=None):
    formula = None if kind is None else perturbed_multipliers(kind)
    return max(abs(c) for c in flow_residual_at(formula, FLOW_POINT).coefficients().values())


@EVIDENCE.item("flow-residual-mutant", kind="mutant",
               cases={"lambda-sign": "lambda-sign", "swapped-zetas": "swapped-zetas"},
               description="S with {case} leaves a flow residual > 1e-3 where Eq. 69's is < 1e-25 (30 digits at C=3, "
                           "N=2, gamma=1/5, s=2, l1=1/10, l2=3/10, zeta2=t^2+t, t=1/2)")
def flow_residual_mutant(context, record, kind):
    mutant, exact = _largest_flow_residual(kind), _largest_flow_residual()
    record.passed = bool(mutant > 1e-3 and exact < sp.Float(10) ** -25)
    record.measured = {"max |residual| (mutant)": float(mutant), "max |residual| (Eq. 69)": float(exact)}


@EVIDENCE.item("eq57-commutator", kind="symbolic",
               description="Eq. 57: [A_l(t1), A_l(t2)] = (eta1(t2) eta2(t1) - eta1(t1) eta2(t2)) [[M^T M, l1 M^T], "
                           "[-l2 M, -M M^T]]: zero iff the rates are proportional ('for any t1, t2 > 0')")
def eq57_commutator(context, record):
    commutator, conditions, factor, kernel = commutator_of_rates()
    a1, a2, b1, b2 = sp.symbols("eta1_t1 eta1_t2 eta2_t1 eta2_t2", positive=True)
    kernel_free = not any(factor.free_symbols & c.free_symbols for c in kernel.coefficients().values())
    record.passed = bool(kernel_free and kernel.equals(expected_commutator_kernel())
                         and conditions == [{a2: a1 * b2 / b1}]
                         and sp.expand(factor - (a2 * b1 - a1 * b2)) == 0 and (commutator - kernel * factor).is_zero())
    record.measured = {"solution of [A(t1), A(t2)] = 0": str(conditions), "factor": str(factor),
                       "kernel as expected": kernel.equals(expected_commutator_kernel())}


@EVIDENCE.item("discrete-iterates", kind="symbolic",
               description="exact GD iterates: Phi_K = sum_k Q_k diag(prod_j (I + eta2_j G_k)(1,1)) satisfies "
                           "Phi_{K+1} = Phi_K (I + eta G_lambda), Phi_0 = I")
def discrete_iterates(context, record):
    step_ok, initial_ok = prove_discrete_iterates()
    record.passed = step_ok and initial_ok
    record.measured = {"step identity": step_ok, "initial is identity": initial_ok}


@EVIDENCE.item("bias-corrected", kind="symbolic", role="correction", reading="corrected",
               description="corrected bias b = e^{-l2 z2}(b0 + kappa psi), psi = (e^{l2 z2} - 1)/l2 = int eta2 "
                           "e^{l2 zeta2}, solves b' = eta2 (kappa - l2 b), b(0) = b0; -> Theorem 2's bias as l2 -> 0")
def bias_corrected(context, record):
    residuals = prove_bias()
    record.passed = all(v == 0 for v in residuals.values())
    record.measured = {k: str(v) for k, v in residuals.items()}


@EVIDENCE.item("printed-psi", kind="counterexample", reading="printed",
               description="the printed psi = int_0^t zeta2(tau) exp(l2 zeta2(tau)) dtau: the bias misses its equation "
                           "by kappa (zeta2(t) - eta2(t)); for a constant rate eta by kappa eta (t - 1)")
def printed_psi(context, record):
    residual, constant = printed_bias_residual()
    eta = sp.Symbol("eta", positive=True)
    expected = drift() * (zeta2(t) - sp.Derivative(zeta2(t), t))
    record.passed = bool(sp.simplify(residual - expected) == 0 and sp.simplify(constant - drift() * eta * (t - 1)) == 0)
    record.measured = {"residual": str(sp.factor(residual)), "constant rate eta": str(constant)}


@EVIDENCE.item("drift-factor-mutants", kind="mutant",
               description="the unreadable factor before psi must be kappa: (1+gamma-gamma C) psi (Eq. 7's, no 1/C) "
                           "fails the bias equation except at gamma = 1/(C-1), psi alone for every gamma >= 0")
def drift_factor_mutants(context, record):
    missing = missing_drift_residuals()
    (without_c, roots_c), (alone, roots_alone) = missing["(1+gamma-gamma C) psi"], missing["psi alone"]
    record.passed = bool(without_c != 0 and roots_c == [1 / (C - 1)] and alone != 0 and roots_alone == [])
    record.measured = {name: f"residual {residual}, vanishes at gamma = {roots}"
                       for name, (residual, roots) in missing.items()}


theorem_4_numerics.ITEMS.declare_on(EVIDENCE)


LEDGER = (
    LedgerRow("Eq. 11", "Theorem 4", "not checkable",
              note="the regularised objective (a definition; garbled); read as NOTATION.md's objective + "
                   "(lambda1/2)||H||^2 + (lambda2/2)(||W||^2 + ||b||^2)"),
    LedgerRow("Eq. 12", "Theorem 4", "holds as reconstructed",
              note="read as H' = eta1 (W M - lambda1 H), W' = eta2 (H M^T - lambda2 W), b' = eta2 (kappa 1 - "
                   "lambda2 b): the gradient flow of Eq. 11; the ground truth's dense generator coded from it equals "
                   "B_lambda diag(s, 1)", evidence=("theorem-4::eq11-12-gradient-flow", "theorem-4::dense-generator")),
    LedgerRow("Eq. 13", "Theorem 4", "holds as reconstructed",
              note="Z(t) = sum_k Pi_k Z0 diag(a_k I, b_k I) with (a_k, b_k) = exp(S)(1, 1): proved for all sizes and "
                   "confirmed against expm, odefun and GD",
              evidence=("theorem-4::flow-equation", "theorem-4::expm-float64-" + case_id(EXPM_CASES[0]),
                        "theorem-4::descent")),
    *(LedgerRow(ref, "Theorem 4" if ref == "Eq. 14" else "Proof of Theorem 4", "erratum",
                note="psi integrates zeta2 where eta2 belongs: the bias misses its equation by kappa (zeta2 - eta2)",
                correction=PSI_CORRECTION, counterexample=PSI_COUNTEREXAMPLE,
                evidence=("theorem-4::printed-psi", "theorem-4::bias-corrected", "theorem-4::printed-psi-vs-expm"))
      for ref in ("Eq. 14", "Eq. 72")),
    LedgerRow("Eq. 54", "Proof of Theorem 4", "holds as reconstructed", note="Theorem 4's Z(t) restated (= Eq. 13)",
              evidence=("theorem-4::flow-equation",)),
    LedgerRow("Eq. 55", "Proof of Theorem 4", "erratum", note="Theorem 4's bias restated (= Eq. 14)",
              correction=PSI_CORRECTION, counterexample=PSI_COUNTEREXAMPLE, evidence=("theorem-4::printed-psi",)),
    LedgerRow("Eq. 56", "Proof of Theorem 4", "holds as reconstructed",
              note="Z' = Z A_lambda(t), A_lambda = A - diag(eta1 lambda1 I, eta2 lambda2 I)",
              evidence=("theorem-4::dense-generator", "theorem-4::component-reduction")),
    LedgerRow("Eq. 57", "Proof of Theorem 4", "holds as reconstructed",
              note="[A_l(t1), A_l(t2)] = (eta1(t2) eta2(t1) - eta1(t1) eta2(t2)) [[M^T M, l1 M^T], [-l2 M, -M M^T]]",
              evidence=("theorem-4::eq57-commutator", "theorem-4::eq57-commutator-dense")),
    LedgerRow("Eq. 58", "Proof of Theorem 4", "holds as reconstructed",
              note="Z(t) = Z0 exp(int A_lambda) for commuting generators (Magnus)",
              evidence=("theorem-4::time-varying-rates-cosine-annealing", "theorem-4::non-proportional-control")),
    LedgerRow("Eq. 59", "Proof of Theorem 4", "holds as reconstructed",
              note="B_lambda = B - diag(lambda1 I, lambda2 I), Z(t) = Z0 exp(B_lambda C(t))",
              evidence=("theorem-4::component-reduction",)),
    LedgerRow("Eqs. 60-61", "Proof of Theorem 4", "holds as reconstructed",
              note="Pi_k Z0 B = sigma_k Pi_k Z0 (Theorem 2's eigen-relations)",
              evidence=("theorem-4::eq63-S-from-the-induction",)),
    LedgerRow("Eq. 62", "Proof of Theorem 4", "holds as reconstructed",
              note="the induction step (a_{n+1}, b_{n+1}) = (zeta1(sigma b_n - lambda1 a_n), "
                   "zeta2(sigma a_n - lambda2 b_n))",
              evidence=("theorem-4::eq63-S-from-the-induction",)),
    LedgerRow("Eq. 63", "Proof of Theorem 4", "holds as printed", evidence=("theorem-4::eq63-S-from-the-induction",)),
    LedgerRow("Eqs. 64-65", "Proof of Theorem 4", "holds as reconstructed", note="(a, b) = exp(S)(1, 1) by the series",
              evidence=("theorem-4::flow-equation",)),
    LedgerRow("Eq. 66", "Proof of Theorem 4", "holds as printed", note="theta_1,2, and theta_1 < 0",
              evidence=("theorem-4::eq66-67-eigenpairs",)),
    LedgerRow("Eqs. 67-68", "Proof of Theorem 4", "holds as reconstructed",
              note="eigenvectors (1, (l1 z1 + theta_i)/(sigma z1)) and exp(S) = P diag(e^theta) P^-1",
              evidence=("theorem-4::eq66-67-eigenpairs", "theorem-4::eq69-a")),
    LedgerRow("Eq. 69", "Proof of Theorem 4", "erratum",
              note="a(t) holds as printed; b(t) as OCR'd has two signs that make b(0) = 0, and both are 0/0 where "
                   "theta_1 = theta_2",
              correction=EQ69_CORRECTION, counterexample=EQ69_COUNTEREXAMPLE,
              evidence=("theorem-4::eq69-a", "theorem-4::eq69-b-derived", "theorem-4::eq69-b-as-ocred",
                        "theorem-4::eq69-zero-over-zero", "theorem-4::degenerate-limit")),
    LedgerRow("Eqs. 70-71", "Proof of Theorem 4", "holds as reconstructed",
              note="Z(t) as the sum over the five components with exp(S(sigma_k, ...))(1, 1)",
              evidence=("theorem-4::flow-equation", "theorem-4::expm-eq69-" + case_id(EXPM_CASES[0]))),
    LedgerRow("Theorem 4: 'for any t1, t2 > 0'", "Theorem 4", "holds as printed",
              note="the proportional-rate condition is what makes the generators commute (iff), and without it the "
                   "closed form fails", evidence=("theorem-4::eq57-commutator", "theorem-4::non-proportional-control")),
    LedgerRow("Theorem 4: scalars 'depend only on C, N, gamma, lambda1, lambda2, eta1, eta2'", "Theorem 4",
              "holds as printed", note="a_k, b_k are functions of sigma_k(C, N, gamma), lambda1, lambda2, zeta1, zeta2",
              evidence=("theorem-4::flow-equation",)),
    LedgerRow("Proof of Theorem 4", "Theorem 4", "erratum",
              note="every step checked (Eqs. 56-71); its b in Eq. 69 and its psi in Eq. 72 are the errata above",
              correction=EQ69_CORRECTION + r",\quad " + PSI_CORRECTION, counterexample=PSI_COUNTEREXAMPLE,
              evidence=("theorem-4::flow-equation", "theorem-4::bias-corrected", "theorem-4::printed-psi")),
)
