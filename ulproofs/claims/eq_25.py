r"""Eq. 25: under MSE the NTK-invariant flow is nonlinear; under the unhinged loss it is linear (Sec. 3.5).

Statement (Eq. 25, reconstructed). *For the MSE loss*

.. math::

    L=c\,\bigl\|W^\top H+b\mathbf 1_{CN}^\top-I_C\otimes\mathbf 1_N^\top\bigr\|_F^2

*with an invariant kernel* :math:`K=\nabla_\theta H^\top\nabla_\theta H` *the gradient flow is*

.. math::

    H'=K\,W\,\mathcal C(t),\qquad W'=H\,\mathcal C(t)^\top,\qquad b'=\mathcal C(t)\mathbf 1_{CN},
    \qquad \mathcal C(t)=\kappa\,\bigl(W^\top H+b\mathbf 1_{CN}^\top-I_C\otimes\mathbf 1_N^\top\bigr), \tag{25}

*which is nonlinear, so its exact dynamics are intractable, whereas the unhinged flow*
:math:`H'=KWM`, :math:`W'=HM^\top` *is linear (Theorem 8).*

What is derived here:

* the gradients of L for symbolic sizes p, C, N (SymPy matrix calculus), cross-checked entry by
  entry at small sizes and against torch autograd: Eq. 25 is the gradient flow exactly when
  :math:`\kappa=-2c` (:func:`matching_factor`); with :math:`c=\frac1{2CN}` that is
  :math:`\mathcal C(t)=\frac1{CN}(I_C\otimes\mathbf 1_N^\top-W^\top H-b\mathbf 1^\top)`; a positive
  :math:`\kappa` is gradient *ascent* (:math:`\dot L>0`);
* linearity of the unhinged field, :math:`F(aX+bY)=aF(X)+bF(Y)` as an identity of matrix
  expressions of symbolic sizes (any K, M);
* nonlinearity of the MSE field: the cubic part of :math:`F(\lambda x)` is
  :math:`\kappa\,KWW^\top H` (symbolic sizes), and its (1,1) entry at
  :math:`K=W=H=E_{11}` is :math:`\kappa\ne0` for every p, C, N (a sum of Kronecker deltas);
  its second variation is a nonzero polynomial, the unhinged one vanishes identically.

>>> matching_factor(sp.Rational(1, 2) / (C * N))
-1/(C*N)
>>> sorted(unhinged_linearity_residuals().values(), key=str)
[0, 0]
>>> cubic_witness_entry(-1 / (C * N))
-1/(C*N)
"""
from __future__ import annotations

from functools import cache

import numpy as np
import sympy as sp

from ..core.errors import AssumptionError
from ..core.operator import p
from ..core.precision import MUTANT_MARGIN, float_tolerance, relative_error
from ..core.setting import LayerPeeledProblem
from ..core.structured import C, N
from ..engine.evidence import EvidenceSet, item_rng
from ..engine.ledger import LedgerRow
from ..engine.verdicts import Claim, Reading
from .theorem_8 import symbolic_matrix

#: The scaling variable of F(lambda x) and the loss prefactor c.
lam = sp.Symbol("lambda")
c_scale = sp.Symbol("c", positive=True)

CLAIM = Claim(
    id="eq-25",
    title="The MSE flow is nonlinear, the unhinged flow linear",
    statement=("For the MSE loss L = c ||W^T H + b 1_CN^T - I_C (x) 1_N^T||_F^2 with an invariant kernel K = "
               "grad_theta H^T grad_theta H, the gradient flow is H' = K W C(t), W' = H C(t)^T, b' = C(t) 1_CN with "
               "C(t) = kappa (W^T H + b 1^T - I_C (x) 1_N^T) (Eq. 25); it is nonlinear and so intractable, while the "
               "unhinged flow H' = K W M, W' = H M^T is linear."),
    equations=("Eq. 25",),
    reading=("The OCR of the loss prefactor ('CLN', as in Lemma 1's 1/(CN)) and of C(t)'s factor ('g-?V') is garbled; "
             "NOTATION.md reads the loss as 1/(2CN). Both prefactors c are checked: Eq. 25 is the gradient flow "
             "exactly when kappa = -2c, i.e. C(t) = -(1/(CN))(W^T H + b 1^T - Y) for c = 1/(2CN) and "
             "-(2/(CN))(...) for c = 1/(CN). A positive kappa (no visible minus sign; the reading C(t) = "
             "(1/(CN))(...)) makes Eq. 25 gradient ascent, recorded as a mutant. The kernel acts on the left of "
             "-grad_H L, as in Theorem 8; b and W are trained directly with unit rates. 'Nonlinear' is read as "
             "'not affine' (the unhinged field of (H, W) is linear, its bias drift a constant)."),
    issue=4,
    printed=("L= CLNHWTH + b1/ -I(x)1}||% [...] H'(t)=VeH 'VeHW (t)C(t), W'(t) =H@t)Ct)\", b (t)=C(t)lcn, (25) "
             "where C(t) = g-?V(W(t)TH(t) +b(t)15y -Ic (x)1)). As can be seen, the above gradient flow is nonlinear "
             "and then intractable to analyze the exact dynamics though Ve H' Ve H stays constant."),
    readings=(
        Reading("minus-sign", "C(t) = -kappa' (W^T H + b 1^T - I_C (x) 1_N^T) with kappa' = 2c > 0 (c the loss "
                "prefactor; kappa' = 1/(CN) for c = 1/(2CN)): Eq. 25 is the gradient flow, nonlinear, while the "
                "unhinged flow is linear",
                change="the dash in 'g-?V' read as a minus sign in front of the garbled factor (as the dash in "
                "'-I(x)1' of the loss is one)", proof_needs=True,
                why="a gradient flow, which the text says Eq. 25 is, needs the minus"),
        Reading("fraction-bar", "C(t) = +kappa' (W^T H + b 1^T - I_C (x) 1_N^T), kappa' > 0: the dash in 'g-?V' is the "
                "bar of the fraction kappa' and no sign is printed",
                change="the dash in 'g-?V' read as a fraction bar (the garbled 2/(CN)), so C(t) has no minus sign"),
        Reading("sign-added", "the fraction-bar reading with a minus sign added: C(t) = -kappa' (W^T H + b 1^T - "
                "I_C (x) 1_N^T); then as the minus-sign reading", departs=True,
                change="a minus sign added to C(t)",
                why="without it Eq. 25 is gradient ascent: dL/dt > 0 along it"),
    ),
)

LOSS_SCALES = {"1/(2CN)": sp.Rational(1, 2) / (C * N), "1/(CN)": 1 / (C * N)}


# ------------------------------------------------------------------------------------------------
# Symbolic, for symbolic sizes
# ------------------------------------------------------------------------------------------------
def _matrix_symbols():
    return {"K": sp.MatrixSymbol("K", p, p), "H": sp.MatrixSymbol("H", p, C * N), "W": sp.MatrixSymbol("W", p, C),
            "b": sp.MatrixSymbol("b", C, 1), "Y": sp.MatrixSymbol("Y", C, C * N), "M": sp.MatrixSymbol("M", C, C * N)}


def _ones():
    return sp.OneMatrix(C * N, 1)


def residual(H, W, b, Y):
    r""":math:`R=W^\top H+b\mathbf 1_{CN}^\top-Y` (Y the labels :math:`I_C\otimes\mathbf 1_N^\top`)."""
    return W.T * H + b * _ones().T - Y


def mse_loss(H, W, b, Y, scale=c_scale):
    r""":math:`c\,\|R\|_F^2=c\operatorname{Tr}(R^\top R)`."""
    R = residual(H, W, b, Y)
    return scale * sp.Trace(R.T * R)


def paper_field(H, W, b, Y, K, factor):
    r"""Eq. 25's right-hand side with :math:`\mathcal C(t)=\kappa R`, ``factor`` = :math:`\kappa`."""
    cal = factor * residual(H, W, b, Y)
    return K * W * cal, H * cal.T, cal * _ones()


def gradient_flow(scale=c_scale):
    r"""The NTK gradient flow :math:`(-K\nabla_HL,-\nabla_WL,-\nabla_bL)`, gradients by SymPy's matrix
    calculus for symbolic sizes (derived once with a symbolic c, then ``scale`` substituted)."""
    return tuple(component.subs(c_scale, scale) for component in _gradient_flow())


@cache
def _gradient_flow():
    s = _matrix_symbols()
    loss = mse_loss(s["H"], s["W"], s["b"], s["Y"], c_scale)
    return -s["K"] * sp.diff(loss, s["H"]), -sp.diff(loss, s["W"]), -sp.diff(loss, s["b"])


def _is_zero_matrix(expression):
    expression = sp.expand(expression).doit()
    return expression == 0 or isinstance(expression, sp.ZeroMatrix)


def field_residuals(factor, scale=c_scale):
    """Derived flow minus Eq. 25's field with C(t) = factor R: a dict of three matrix expressions."""
    s = _matrix_symbols()
    derived = gradient_flow(scale)
    printed = paper_field(s["H"], s["W"], s["b"], s["Y"], s["K"], factor)
    return {name: sp.expand(d - q).doit() for name, d, q in zip(("H'", "W'", "b'"), derived, printed)}


def _terms(expression):
    expression = sp.expand(expression).doit()
    return expression.args if isinstance(expression, sp.MatAdd) else (expression,)


def matching_factor(scale=c_scale):
    r"""The :math:`\kappa` for which Eq. 25 is the gradient flow of :math:`c\|R\|^2`: every term of the
    three residuals (distinct matrix monomials) carries a scalar that must vanish; solved for
    :math:`\kappa`, then confirmed."""
    kappa = sp.Symbol("kappa")
    solutions = set()
    for difference in field_residuals(kappa, scale).values():
        for term in _terms(difference):
            coefficient, _ = term.as_coeff_mmul()
            solutions.update(sp.simplify(x) for x in sp.solve(coefficient, kappa))
    if len(solutions) != 1:
        raise ArithmeticError(f"no single factor kappa makes Eq. 25 the gradient flow: {solutions}")
    (solution,) = solutions
    if not all(_is_zero_matrix(r) for r in field_residuals(solution, scale).values()):
        raise ArithmeticError("the solved factor does not make every residual vanish")
    return solution


def unhinged_field(H, W, K, M):
    r"""The unhinged NTK flow of (H, W): :math:`(KWM,HM^\top)`."""
    return K * W * M, H * M.T


def unhinged_linearity_residuals():
    r""":math:`F(aX+bY)-aF(X)-bF(Y)` for the unhinged field, matrix expressions of symbolic sizes (any K, M)."""
    a, b = sp.symbols("a b")
    s = _matrix_symbols()
    H2, W2 = sp.MatrixSymbol("H_2", p, C * N), sp.MatrixSymbol("W_2", p, C)
    combined = unhinged_field(a * s["H"] + b * H2, a * s["W"] + b * W2, s["K"], s["M"])
    first, second = unhinged_field(s["H"], s["W"], s["K"], s["M"]), unhinged_field(H2, W2, s["K"], s["M"])
    return {name: sp.expand(x - a * y - b * z).doit() for name, x, y, z in zip(("H'", "W'"), combined, first, second)}


def scaling_polynomial(field):
    r"""Group the terms of a field component :math:`F(\lambda x)` by the power of :math:`\lambda`:
    {power: matrix expression}."""
    groups = {}
    for term in _terms(field):
        coefficient, matrix = term.as_coeff_mmul()
        coefficient = sp.expand(coefficient)
        for power, part in sp.Poly(coefficient, lam).as_dict().items():
            groups[power[0]] = groups.get(power[0], sp.ZeroMatrix(*term.shape)) + part * matrix
    return {k: v for k, v in groups.items() if not _is_zero_matrix(v)}


def mse_scaling(factor):
    r""":math:`F_{H'}(\lambda x)` of Eq. 25 grouped by powers of :math:`\lambda` (symbolic sizes)."""
    s = _matrix_symbols()
    H, W, b = lam * s["H"], lam * s["W"], lam * s["b"]
    return scaling_polynomial(paper_field(H, W, b, s["Y"], s["K"], factor)[0])


def unhinged_scaling():
    """The unhinged H' component at lambda x, grouped by powers of lambda."""
    s = _matrix_symbols()
    return scaling_polynomial(unhinged_field(lam * s["H"], lam * s["W"], s["K"], s["M"])[0])


def cubic_witness_entry(factor):
    r"""The (1,1) entry of the cubic part :math:`\kappa KWW^\top H` at :math:`K=W=H=E_{11}` for symbolic
    p, C, N (Kronecker-delta matrices summed by SymPy): :math:`\kappa` for every size, so the cubic part
    is a nonzero map and the MSE field is not affine whenever :math:`\kappa\ne0`."""
    i, j = sp.symbols("i j", integer=True)

    def unit(rows, cols):
        return sp.FunctionMatrix(rows, cols, sp.Lambda((i, j), sp.KroneckerDelta(i, 0) * sp.KroneckerDelta(j, 0)))

    s = _matrix_symbols()
    cubic = mse_scaling(factor)[3]
    witness = cubic.subs({s["K"]: unit(p, p), s["W"]: unit(p, C), s["H"]: unit(p, C * N)})
    return sp.simplify(witness[0, 0].doit())


# ------------------------------------------------------------------------------------------------
# Symbolic, explicit small sizes
# ------------------------------------------------------------------------------------------------
def labels_exact(C_, N_):
    r""":math:`I_C\otimes\mathbf 1_N^\top`, exact."""
    return sp.kronecker_product(sp.eye(C_), sp.ones(1, N_))


def entrywise_gradient_residuals(p_=2, C_=2, N_=2, scale=sp.Rational(1, 2)):
    r"""Entry-by-entry derivatives of :math:`c\|R\|^2` (c = ``scale``/(CN)) at explicit sizes, generic
    symbolic entries, minus :math:`(\nabla_H,\nabla_W,\nabla_b)=(2cWR,\,2cHR^\top,\,2cR\mathbf 1)`."""
    H, W, b = symbolic_matrix("h", p_, C_ * N_), symbolic_matrix("w", p_, C_), symbolic_matrix("b", C_, 1)
    c = scale / (C_ * N_)
    R = W.T * H + b * sp.ones(1, C_ * N_) - labels_exact(C_, N_)
    loss = c * sum(x ** 2 for x in R)
    grads = [sp.Matrix(v.rows, v.cols, lambda i, j, v=v: sp.diff(loss, v[i, j])) for v in (H, W, b)]
    expected = [2 * c * W * R, 2 * c * H * R.T, 2 * c * R * sp.ones(C_ * N_, 1)]
    return [(g - e).expand() for g, e in zip(grads, expected)]


def second_variations(p_=2, C_=2, N_=1, trade_off=sp.Rational(1, 5)):
    r""":math:`\frac{d^2}{d\epsilon^2}F(x+\epsilon v)|_{\epsilon=0}` with generic symbolic x, v and K at explicit
    sizes, for the MSE field (:math:`\kappa=-1/(CN)`) and the unhinged field (exact M at ``trade_off``).
    Returns (mse, unhinged) as lists of matrices."""
    eps = sp.Symbol("epsilon")
    K = symbolic_matrix("k", p_, p_, symmetric=True)
    H, W, b = (symbolic_matrix(n, r, c) for n, r, c in (("h", p_, C_ * N_), ("w", p_, C_), ("b", C_, 1)))
    dH, dW, db = (symbolic_matrix(n, r, c) for n, r, c in (("u", p_, C_ * N_), ("v", p_, C_), ("d", C_, 1)))
    Y = labels_exact(C_, N_)
    g = trade_off
    M = ((1 + g) * Y - g * sp.ones(C_, C_ * N_)) / (C_ * N_)
    Hs, Ws, bs = H + eps * dH, W + eps * dW, b + eps * db
    cal = -(Ws.T * Hs + bs * sp.ones(1, C_ * N_) - Y) / (C_ * N_)
    mse = [K * Ws * cal, Hs * cal.T, cal * sp.ones(C_ * N_, 1)]
    unhinged = [K * Ws * M, Hs * M.T]

    def second(fields):
        return [f.applyfunc(lambda x: sp.expand(sp.diff(x, eps, 2).subs(eps, 0))) for f in fields]
    return second(mse), second(unhinged)


# ------------------------------------------------------------------------------------------------
# Numeric: float64 fields and torch autograd
# ------------------------------------------------------------------------------------------------
def _check_sizes(H, W, b, K):
    p_, CN = H.shape
    C_ = W.shape[1]
    if W.shape[0] != p_ or b.shape != (C_,) or K.shape != (p_, p_) or CN % C_:
        raise AssumptionError(f"shapes must be H p x CN, W p x C, b (C,), K p x p (got {H.shape}, {W.shape}, "
                              f"{b.shape}, {K.shape})")
    return p_, C_, CN // C_


def numeric_field(H, W, b, K, factor, drop=None):
    r"""Eq. 25 in float64 with :math:`\mathcal C=\kappa R`, ``factor`` = :math:`\kappa\cdot CN` (so -1 is
    :math:`\kappa=-1/(CN)`). ``drop`` removes a term of R (``"bias"`` or ``"labels"``): mutants."""
    H, W, b, K = (np.asarray(x, dtype=float) for x in (H, W, b, K))
    _, C_, N_ = _check_sizes(H, W, b, K)
    R = W.T @ H
    if drop != "bias":
        R = R + b[:, None]
    if drop != "labels":
        R = R - np.kron(np.eye(C_), np.ones((1, N_)))
    cal = factor * R / (C_ * N_)
    return K @ W @ cal, H @ cal.T, cal.sum(1)


def autograd_flow(H, W, b, K, loss_scale):
    r"""(-K grad_H L, -grad_W L, -grad_b L) for :math:`L=\frac{\text{loss\_scale}}{CN}\|R\|^2`, by torch autograd."""
    import torch

    H, W, b = (torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64, requires_grad=True) for x in (H, W, b))
    K = np.asarray(K, dtype=float)
    _, C_, N_ = _check_sizes(H, W, b, K)
    labels = torch.kron(torch.eye(C_, dtype=torch.float64), torch.ones(1, N_, dtype=torch.float64))
    loss = loss_scale / (C_ * N_) * ((W.T @ H + b[:, None] - labels) ** 2).sum()
    grad_H, grad_W, grad_b = torch.autograd.grad(loss, (H, W, b))
    return -K @ grad_H.numpy(), -grad_W.numpy(), -grad_b.numpy()


def loss_rate(H, W, b, K, factor, loss_scale=0.5):
    r""":math:`\dot L=\langle\nabla L,F\rangle` along Eq. 25's field (float64); <= 0 for a descent flow."""
    H, W, b = (np.asarray(x, dtype=float) for x in (H, W, b))
    _, C_, N_ = _check_sizes(H, W, b, np.asarray(K))
    R = W.T @ H + b[:, None] - np.kron(np.eye(C_), np.ones((1, N_)))
    c = loss_scale / (C_ * N_)
    gradients = (2 * c * W @ R, 2 * c * H @ R.T, 2 * c * R.sum(1))
    return float(sum((g * f).sum() for g, f in zip(gradients, numeric_field(H, W, b, K, factor))))


def ntk_model_velocity(G, H0, theta, W, b, loss_scale=0.5):
    r"""H' of the linearised model :math:`H=H_0+G\Theta` under MSE, by autograd: :math:`-G\nabla_\Theta L`."""
    import torch

    G, H0, theta, W, b = (torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64) for x in (G, H0, theta, W, b))
    theta.requires_grad_(True)
    C_ = W.shape[1]
    N_ = H0.shape[1] // C_
    labels = torch.kron(torch.eye(C_, dtype=torch.float64), torch.ones(1, N_, dtype=torch.float64))
    loss = loss_scale / (C_ * N_) * ((W.T @ (H0 + G @ theta) + b[:, None] - labels) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, theta)
    return -(G @ grad).numpy()



@cache
def numeric_sample(context):
    """The float64 point of the numeric items (p = 3, C = 3, N = 2, K = G G^T of rank 2) and its tolerance."""
    rng = item_rng(context, "numeric-sample")
    p_, C_, N_ = 3, 3, 2
    G = rng.standard_normal((p_, 2))
    K = G @ G.T
    H, W, b = rng.standard_normal((p_, C_ * N_)), rng.standard_normal((p_, C_)), rng.standard_normal(C_)
    size = float(np.linalg.norm(K) * (np.linalg.norm(W) + 1) ** 2 * (np.linalg.norm(H) + 1))
    field_size = float(np.linalg.norm(numeric_field(H, W, b, K, -1)[0]))
    tolerance = float_tolerance("float64", 4 * p_ * C_ * N_, size / field_size)
    return dict(G=G, K=K, H=H, W=W, b=b, tolerance=tolerance, problem=LayerPeeledProblem(p_, C_, N_, 0.2))


@cache
def _autograd_reference(context):
    s = numeric_sample(context)
    return autograd_flow(s["H"], s["W"], s["b"], s["K"], 0.5)


EVIDENCE = EvidenceSet(CLAIM)


@EVIDENCE.item("matching-factor", kind="symbolic",
               description="gradients of c ||W^T H + b 1^T - Y||^2 by matrix calculus (symbolic p, C, N): Eq. 25 is "
                           "the gradient flow (-K grad_H L, -grad_W L, -grad_b L) iff kappa = -2c, for c = 1/(2CN) and "
                           "c = 1/(CN); at kappa = -1/(CN), c = 1/(2CN) every residual vanishes")
def matching_factor_item(context, record):
    factor = matching_factor()
    per_scale = {name: matching_factor(scale) for name, scale in LOSS_SCALES.items()}
    matched = field_residuals(-1 / (C * N), LOSS_SCALES["1/(2CN)"])
    record.passed = bool(sp.simplify(factor + 2 * c_scale) == 0
                         and all(sp.simplify(k + 2 * LOSS_SCALES[n]) == 0 for n, k in per_scale.items())
                         and all(_is_zero_matrix(r) for r in matched.values()))
    record.measured = {"kappa(c)": str(factor), "kappa per loss prefactor": {n: str(k) for n, k in per_scale.items()}}


@EVIDENCE.item("entrywise-gradients", kind="symbolic",
               description="entry-by-entry derivatives of the loss at (p, C, N) = (2, 2, 2), (2, 2, 1) and, with "
                           "c = 1, (1, 3, 2) (generic entries) equal (2c W R, 2c H R^T, 2c R 1)")
def entrywise_gradients(context, record):
    residuals = (entrywise_gradient_residuals() + entrywise_gradient_residuals(2, 2, 1)
                 + entrywise_gradient_residuals(1, 3, 2, scale=sp.Integer(1)))
    record.passed = all(r.is_zero_matrix for r in residuals)
    record.measured = {"zero residuals": [bool(r.is_zero_matrix) for r in residuals]}


@EVIDENCE.item("symbolic-mutant", kind="mutant",
               cases={"no-minus": ("kappa = +1/(CN), no minus sign (gradient ascent)", 1 / (C * N)),
                      "factor-two": ("kappa = -2/(CN) with c = 1/(2CN) (factor 2 off)", -2 / (C * N)),
                      "half": ("kappa = -1/(2CN) (factor 1/2 off)", -1 / (2 * C * N))},
               description="Eq. 25 with {case[0]} is not the gradient flow of (1/(2CN)) ||R||^2")
def symbolic_mutant(context, record, case):
    residuals = field_residuals(case[1], LOSS_SCALES["1/(2CN)"])
    record.passed = not any(_is_zero_matrix(r) for r in residuals.values())
    record.measured = {k: str(v) for k, v in residuals.items()}


@EVIDENCE.item("unhinged-linear", kind="symbolic",
               description="unhinged field (K W M, H M^T): F(aX + bY) - a F(X) - b F(Y) = 0 for symbolic p, C, N and "
                           "any K, M; F(lambda x) has only the power lambda^1")
def unhinged_linear(context, record):
    residuals = unhinged_linearity_residuals()
    powers = sorted(unhinged_scaling())
    record.passed = all(_is_zero_matrix(r) for r in residuals.values()) and powers == [1]
    record.measured = {"residuals": {k: str(v) for k, v in residuals.items()}, "powers of lambda": powers}


@EVIDENCE.item("quadratic-mutant", kind="mutant",
               description="an unhinged field with a quadratic term added (K W M + W W^T F) fails the linearity test: "
                           "F(lambda x) has the powers lambda^1 and lambda^2")
def quadratic_mutant(context, record):
    s = _matrix_symbols()
    W = lam * s["W"]
    quadratic = s["K"] * W * s["M"] + W * W.T * sp.MatrixSymbol("F", p, C * N)
    powers = sorted(scaling_polynomial(quadratic))
    record.passed = powers == [1, 2]
    record.measured = {"powers of lambda": powers}


@EVIDENCE.item("mse-cubic", kind="symbolic",
               description="MSE field (kappa = -1/(CN)): F_H'(lambda x) has powers lambda^1, lambda^2, lambda^3 with "
                           "cubic part kappa K W W^T H, whose (1,1) entry at K = W = H = E11 is kappa != 0 for all p, "
                           "C, N: the field is not affine")
def mse_cubic(context, record):
    kappa = -1 / (C * N)
    scaling = mse_scaling(kappa)
    entry = cubic_witness_entry(kappa)
    s = _matrix_symbols()
    cubic_matches = _is_zero_matrix(scaling.get(3, sp.ZeroMatrix(p, C * N)) - kappa * s["K"] * s["W"] * s["W"].T
                                    * s["H"])
    record.passed = bool(sorted(scaling) == [1, 2, 3] and cubic_matches and sp.simplify(entry - kappa) == 0)
    record.measured = {"powers of lambda": sorted(scaling), "cubic part": str(scaling.get(3)),
                       "witness (1,1) entry": str(entry)}


@EVIDENCE.item("second-variation", kind="symbolic",
               description="second variation d^2/de^2 F(x + e v) at e = 0 (generic symbolic x, v, K at p=2, C=2, N=1): "
                           "a nonzero polynomial for MSE, identically zero for the unhinged field")
def second_variation(context, record):
    mse, unhinged = second_variations()
    record.passed = bool(any(not m.is_zero_matrix for m in mse) and all(u.is_zero_matrix for u in unhinged))
    record.measured = {"MSE nonzero components": [not m.is_zero_matrix for m in mse],
                       "MSE H' second variation, entry (0,0), number of terms": len(sp.Add.make_args(mse[0][0, 0])),
                       "unhinged zero components": [u.is_zero_matrix for u in unhinged]}


@EVIDENCE.item("truncated-mutant", kind="mutant",
               description="a field missing its cubic term (kappa K W (b 1^T - Y) only) is affine in (H, W), so the "
                           "nonlinearity test separates it: its lambda^3 part vanishes")
def truncated_mutant(context, record):
    s = _matrix_symbols()
    truncated = -1 / (C * N) * s["K"] * (lam * s["W"]) * (lam * s["b"] * _ones().T - s["Y"])
    powers = sorted(scaling_polynomial(truncated))
    record.passed = 3 not in powers
    record.measured = {"powers of lambda": powers}


@EVIDENCE.item("autograd-flow", kind="iterates",
               description="torch autograd flow of (1/(2CN)) ||R||^2 and of (1/(CN)) ||R||^2 vs Eq. 25 with kappa = "
                           "-1/(CN), -2/(CN) (float64, p=3, C=3, N=2, K = G G^T of rank 2)")
def autograd_flow_item(context, record):
    s = numeric_sample(context)
    errors = {}
    for loss_scale, factor in ((0.5, -1.0), (1.0, -2.0)):
        flow = _autograd_reference(context) if loss_scale == 0.5 else autograd_flow(s["H"], s["W"], s["b"], s["K"], 1.0)
        field = numeric_field(s["H"], s["W"], s["b"], s["K"], factor)
        errors[f"c = {loss_scale}/(CN)"] = max(relative_error(x, y) for x, y in zip(field, flow))
    record.passed = all(x <= s["tolerance"] for x in errors.values())
    record.measured = {**errors, "tolerance": s["tolerance"]}


@EVIDENCE.item("autograd-mutant", kind="mutant",
               cases={"no-minus": ("kappa = +1/(CN)", {"factor": 1.0}),
                      "no-bias": ("R without b 1^T", {"factor": -1.0, "drop": "bias"}),
                      "no-labels": ("R without the labels", {"factor": -1.0, "drop": "labels"})},
               description="Eq. 25 with {case[0]} misses the autograd flow by more than MUTANT_MARGIN x tolerance")
def autograd_mutant(context, record, case):
    s = numeric_sample(context)
    field = numeric_field(s["H"], s["W"], s["b"], s["K"], **case[1])
    error = max(relative_error(x, y) for x, y in zip(field, _autograd_reference(context)))
    record.passed = error >= MUTANT_MARGIN * s["tolerance"]
    record.measured = {"relative error": error, "margin x tolerance": MUTANT_MARGIN * s["tolerance"]}


@EVIDENCE.item("descent-with-minus", kind="iterates", role="correction", reading="sign-added",
               description="dL/dt along Eq. 25 with C(t) = -(1/(CN)) R is negative (a descent flow)")
def descent_with_minus(context, record):
    s = numeric_sample(context)
    rate = loss_rate(s["H"], s["W"], s["b"], s["K"], -1.0)
    record.passed = rate < 0
    record.measured = {"dL/dt": rate}


@EVIDENCE.item("ascent-without-minus", kind="counterexample", reading="fraction-bar",
               description="dL/dt along Eq. 25 with C(t) = +(1/(CN)) R is positive: without the minus sign Eq. 25 is "
                           "gradient ascent, not the gradient flow of L")
def ascent_without_minus(context, record):
    s = numeric_sample(context)
    rate = loss_rate(s["H"], s["W"], s["b"], s["K"], 1.0)
    record.passed = rate > 0
    record.measured = {"dL/dt": rate}


@EVIDENCE.item("ntk-model", kind="iterates",
               description="linearised model H = H0 + G Theta under MSE: the autograd velocity of H is K W C(t), "
                           "C(t) = -(1/(CN)) R (float64)")
def ntk_model(context, record):
    s = numeric_sample(context)
    theta = item_rng(context, "ntk-model").standard_normal((2, s["H"].shape[1]))
    velocity = ntk_model_velocity(s["G"], s["H"] - s["G"] @ theta, theta, s["W"], s["b"])
    error = relative_error(velocity, numeric_field(s["H"], s["W"], s["b"], s["K"], -1.0)[0])
    record.passed = error <= s["tolerance"]
    record.measured = {"relative error": error, "tolerance": s["tolerance"]}


@EVIDENCE.item("numeric-linearity", kind="iterates",
               description="F(2x) - 2F(x) is of the size of F for MSE, and the unhinged field satisfies F(a x + b y) = "
                           "a F(x) + b F(y) to rounding (float64, random points)")
def numeric_linearity(context, record):
    s = numeric_sample(context)
    H, W, b, K, problem, tolerance = s["H"], s["W"], s["b"], s["K"], s["problem"], s["tolerance"]
    doubled, single = numeric_field(2 * H, 2 * W, 2 * b, K, -1.0), numeric_field(H, W, b, K, -1.0)
    mse_gap = max(relative_error(d, 2 * x) for d, x in zip(doubled, single))
    rng = item_rng(context, "numeric-linearity")
    H2, W2 = rng.standard_normal(H.shape), rng.standard_normal(W.shape)
    a, c = 0.7, -1.3

    def unhinged(Hx, Wx):
        return K @ problem.apply_M(Wx), problem.apply_MT(Hx)

    combined = unhinged(a * H + c * H2, a * W + c * W2)
    parts = [a * x + c * y for x, y in zip(unhinged(H, W), unhinged(H2, W2))]
    unhinged_gap = max(relative_error(x, y) for x, y in zip(combined, parts))
    record.passed = bool(mse_gap >= MUTANT_MARGIN * tolerance and unhinged_gap <= tolerance)
    record.measured = {"MSE relative |F(2x) - 2F(x)|": mse_gap, "unhinged relative linearity gap": unhinged_gap,
                       "tolerance": tolerance}


LEDGER = (
    LedgerRow("Eq. 25", "Sec. 3.5", "holds as reconstructed",
              note="the gradient flow of c ||W^T H + b 1^T - Y||^2 under an invariant kernel, when the dash in the "
                   "garbled factor of C(t) ('g-?V') is a minus sign (kappa = -2c); read as a fraction bar with no "
                   "sign, C(t) makes it gradient ascent (dL/dt > 0), and a minus sign must be added",
              evidence=("eq-25::matching-factor", "eq-25::entrywise-gradients", "eq-25::autograd-flow",
                        "eq-25::ascent-without-minus", "eq-25::symbolic-mutant-no-minus")),
    LedgerRow("Sec. 3.5: 'the above gradient flow is nonlinear' (and the unhinged flow linear)", "Sec. 3.5",
              "holds as printed",
              note="the MSE field has a cubic part kappa K W W^T H, nonzero for all p, C, N; the unhinged field is "
                   "linear; 'intractable' is not a checkable statement",
              evidence=("eq-25::mse-cubic", "eq-25::second-variation", "eq-25::unhinged-linear",
                        "eq-25::numeric-linearity")),
)
