r"""The errata ledger's rows for every reference of the paper that none of the 18 claims covers.

The claim modules declare the rows of the equations in their ``CLAIM.equations`` (``LEDGER`` beside ``CLAIM``);
these rows cover the rest: the equations outside every claim (the objective and its gradients, Eqs. 2-4; the
appendix restatement Eq. 28; the case beta_0 < 0 in the proof of Lemma 10, Eqs. 87-89; the ECE, Eq. 103; the
adjusted loss, Eq. 104), the fifteen footnotes, the 19 figures and 6 tables, and the remarks of the main text and
appendices that claim something outside the 18 statements. Evidence ids name items of ``paper-errata`` and
``evaluation-protocol`` or, for findings of a claim's own evidence, that claim. Those two registry entries declare
no ``LEDGER`` of their own: the rows of their references are here.

A row that was not checked says so: definitions, notation and reported data are ``not checkable``; a caption or
formula the OCR lost is ``unreadable``.

>>> from collections import Counter
>>> len(FOOTNOTES), sorted(Counter(row.status for row in ROWS))[:2]
(15, ['erratum', 'holds as printed'])
>>> [row.ref for row in ROWS if row.status == "erratum"][:3]
['Footnote 7', 'Footnote 8', 'Footnote 10']
"""
from __future__ import annotations

from ..engine.ledger import LedgerRow

#: The footnotes of the paper, numbered as the paper does (1-15, all in the main text).
FOOTNOTES = tuple(range(1, 16))

_FIG_RUN = r"p=512,\ C=100,\ N=10"

EQUATIONS = (
    LedgerRow("Eq. 2", "Section 3.1: the objective of the unconstrained case", "not checkable",
              note="Definition: the mean of Eq. 1 over the CN examples. Its trace form, Eq. 3, is checked against "
                   "it."),
    LedgerRow("Eq. 3", "Section 3.1: the objective in matrix form; Eqs. 4-5", "holds as reconstructed",
              note="Garbled ('To(Y \" WTH)+\"31]b'); read as Tr(Y^T W^T H) + ((gamma C - gamma - 1)/C) 1^T b with "
                   "Y = (gamma 1 1^T - (1+gamma) I_C (x) 1_N^T)/(CN). Equal to Eq. 2 symbolically; a wrong bias "
                   "coefficient is caught.",
              evidence=("paper-errata::eq-2-3", "paper-errata::eq-3-mutant")),
    LedgerRow("Eq. 4", "Section 3.1: the gradients behind the flow of Eq. 5", "holds as reconstructed",
              note="The bias gradient is garbled ('2901'); read as ((gamma C - gamma - 1)/C) 1_C. The three "
                   "gradients equal symbolic differentiation of Eq. 2, and Eq. 5's field is exactly minus them.",
              evidence=("paper-errata::eq-4", "paper-errata::footnote-7-flow-descends")),
    LedgerRow("Eq. 28", "Appendix B.2: Theorem 2 restated (the bias)", "unreadable",
              note="The restatement of Eq. 7 is OCR'd as 'b(t) = by + LMy': the drift's factor cannot be read. The "
                   "proof's own end, Eq. 46, carries the 1/C that Eq. 7 lacks (see Eq. 7's row).",
              evidence=("theorem-2",)),
    LedgerRow("Eq. 87", "Proof of Lemma 10, case -1 < beta_0 < 0", "holds as reconstructed",
              note="alpha_t + beta_t - alpha_t beta_t^2 < 0 for all t >= 0 under the supposition beta_t < 0 for all "
                   "t: it is the numerator of beta_{t+1} (Eq. 84), so it follows from the supposition. Holds on "
                   "every step of a run from beta_0 = -0.999 until beta turns positive.",
              evidence=("paper-errata::eqs-87-89-iterates",)),
    LedgerRow("Eq. 88", "Proof of Lemma 10, case -1 < beta_0 < 0", "holds as reconstructed",
              note="Read as alpha_t < alpha_0 (1 - beta_0^2) eps/eta(0) for t > t', the stray '1(0)' being the "
                   "eta(0) of eps/eta(0): it follows from alpha_t -> 0. Without that factor the contradiction with "
                   "Eq. 89 would fail, since prod xi_i = eta(t)/eta(0) may drop below 1.",
              evidence=("paper-errata::eqs-87-89-step", "paper-errata::eqs-87-89-iterates")),
    LedgerRow("Eq. 89", "Proof of Lemma 10, case -1 < beta_0 < 0", "holds as reconstructed",
              note="alpha_{t+1}(1 - beta_{t+1}^2) = xi_t alpha_t (1 - beta_t^2) ((1 - alpha_t beta_t)/(1 + alpha_t^2"
                   "(1 - beta_t^2)))^2 (exact, from Eq. 84), and the factor exceeds 1 exactly when Eq. 87 holds, so "
                   "alpha_t >= alpha_0 (1 - beta_0^2) eta(t)/eta(0) >= alpha_0 (1 - beta_0^2) eps/eta(0), "
                   "contradicting Eq. 88; on a run beta_t turns positive after 21 steps. A sign mutant is caught.",
              evidence=("paper-errata::eqs-87-89-step", "paper-errata::eqs-87-89-mutant",
                        "paper-errata::eqs-87-89-iterates")),
    LedgerRow("Eq. 103", "Appendix C.3: ECE of the imbalanced-learning experiments (Figs. 10-11)", "not checkable",
              note="Definition (weights |S_b|/N garbled as 'LS]\\I;|'). The code follows it with equal-width bins: "
                   "it equals a direct loop over the bins, and equal-mass bins give a different value.",
              evidence=("evaluation-protocol::ece-equal-width-B15", "evaluation-protocol::ece-equal-mass-mutant")),
    LedgerRow("Eq. 104", "Appendix D.3: the adjusted sample-margin loss", "unreadable",
              note="delta is garbled beyond reading, and the branch conditions as OCR'd ('if w_y^T h^ > -1', 'if "
                   "w_y^T h^ < -1 + eps') overlap, presumably '> -1 + eps'; a proposal, not checked."),
)

FOOTNOTE_ROWS = (
    LedgerRow("Footnote 1", "Section 2: feature dimension p", "not checkable",
              note="Cites the assumptions p >= C - 1 (Zhou et al.) and p >= C (Han et al.) of other papers."),
    LedgerRow("Footnote 2", "Section 2: notation", "not checkable", note="Notation for vectors and entries."),
    LedgerRow("Footnote 3", "Section 2: why not CE or MSE", "not checkable",
              note="A qualitative remark. Read as 'the MSE loss is quadratic': its gradient flow in (H, W) has "
                   "cubic terms and is nonlinear (Eq. 25's claim); the remark's 'can be derived into closed-form' "
                   "is not backed by a formula in the paper.",
              evidence=("eq-25",)),
    LedgerRow("Footnote 4", "Section 2: the multi-class hinge loss", "not checkable", note="Definition."),
    LedgerRow("Footnote 5", "Section 2, Lemma 1: the properties of neural collapse", "holds as reconstructed",
              note="A simplex ETF has W^T W = C/(C-1) I - 1/(C-1) 1 1^T (garbled '%I - ﬁllT'), constructed exactly "
                   "for p = C and also for p = C - 1: the printed 'when C < p' (read C <= p) is sufficient, not "
                   "necessary; Lemma 1 uses p >= C - 1.",
              evidence=("paper-errata::simplex-etf", "paper-errata::simplex-etf-mutant")),
    LedgerRow("Footnote 6", "Section 3.1: initial state", "not checkable",
              note="Notation: t = 0 is the initial state."),
    LedgerRow("Footnote 7", "Section 3.1: the learning rate eta(t) and gradient flow vs descent", "erratum",
              note="The gradient flow is printed as x' = eta(t) grad f(x), without the minus sign that its own "
                   "discretisation x_{t+Delta} = x_t - Delta eta(t) grad f(x_t) and Eq. 5 (minus the gradients of "
                   "Eq. 4) carry; along the printed flow the loss rises. (If the PDF has a minus the OCR lost, the "
                   "footnote holds as printed.)",
              correction=r"\dot x(t) = -\eta(t)\,\nabla f\bigl(x(t)\bigr)",
              counterexample=r"C=3,\ N=2,\ p=2,\ \gamma=\tfrac12,\ \text{a rational point: along } \dot x=+\nabla L,\ "
                             r"\tfrac{d}{dt}L=\|\nabla L\|^2=\tfrac{59}{294}>0",
              evidence=("paper-errata::footnote-7-printed-ascends", "paper-errata::footnote-7-flow-descends")),
    LedgerRow("Footnote 8", "Section 3.1: the hypothesis of Theorems 2 and 4, Corollaries 3 and 5", "erratum",
              note="'eta1(t1) eta2(t2) = eta1(t2) eta2(t1) for all t1, t2 if and only if eta1 = s eta2': the 'only "
                   "if' fails when eta2 vanishes identically (then every eta1 satisfies the condition), which is "
                   "the prototype-anchored case of Theorem 6. With eta2 not identically zero it holds, with "
                   "s = eta1(t0)/eta2(t0).",
              correction=r"\eta_1(t_1)\eta_2(t_2)=\eta_1(t_2)\eta_2(t_1)\ \forall t_1,t_2 \iff "
                         r"\eta_1=s\,\eta_2 \text{ for a constant } s \quad(\eta_2\not\equiv 0)",
              counterexample=r"\eta_2\equiv0,\ \eta_1(t)=1+t:\ \text{the condition holds, yet } "
                             r"\eta_1-s\,\eta_2=1+t\neq0 \text{ for every } s",
              evidence=("paper-errata::footnote-8-zero-rate", "paper-errata::footnote-8-corrected")),
    LedgerRow("Footnote 9", "Section 3.2: separate weight decays", "not checkable", note="A modelling choice."),
    LedgerRow("Footnote 10", "Section 3.3: fixing the prototypes in PyTorch", "erratum",
              note="'W.require_grad = False' (as OCR'd) only adds an unused attribute: PyTorch's flag is "
                   "requires_grad, W stays trainable and one SGD step moves it by up to 0.05; "
                   "W.requires_grad_(False) keeps it fixed.",
              correction=r"\texttt{W.requires\_grad\_(False)}\ \ (\text{or } \texttt{W.requires\_grad = False})",
              counterexample=r"\texttt{W.require\_grad = False}:\ \texttt{W.requires\_grad}=\text{True},\ "
                             r"\max|\Delta W|\approx0.05 \text{ after one SGD step}",
              evidence=("paper-errata::footnote-10-require-grad", "paper-errata::footnote-10-requires-grad")),
    LedgerRow("Footnote 11", "Section 3.4: l2 normalization", "not checkable",
              note="Remark that normalization prevents overflow or underflow."),
    LedgerRow("Footnote 12", "Section 3.4: fixed prototypes", "not checkable", note="A remark on the literature."),
    LedgerRow("Footnote 13", "Section 3.4: the spherical objective as feature alignment (Theorem 7)", "erratum",
              note="With W 1_C = 0 the loss is -(1+gamma) w_y^T h^; it equals ((1+gamma)/2)(||h^ - w_y||^2 - 2) and "
                   "is minimised at h^ = w_y only if ||w_y|| = 1, which the footnote does not assume (the minimiser "
                   "is w_y/||w_y||). The factor glyph '%' reads as 1/2 or (1+gamma)/2; both readings fail for "
                   "||w_y|| != 1, 1/2 also for gamma > 0. Theorem 7 needs unit prototypes for the same reason.",
              correction=r"L_\gamma(W\hat h,y)=\tfrac{1+\gamma}{2}\bigl(\|\hat h-w_y\|^2-1-\|w_y\|^2\bigr),\quad "
                         r"\operatorname*{arg\,min}_{\|\hat h\|=1}L_\gamma=\frac{w_y}{\|w_y\|};\quad \|w_y\|=1:\ "
                         r"\tfrac{1+\gamma}{2}\bigl(\|\hat h-w_y\|^2-2\bigr)",
              counterexample=r"W=\begin{pmatrix}2&-1&-1\\0&1&-1\end{pmatrix},\ \hat h=\bigl(\tfrac35,\tfrac45\bigr),"
                             r"\ y=1,\ \gamma=\tfrac12:\ L=-\tfrac95,\ \text{while } \tfrac12(\|\hat h-w_1\|^2-2)="
                             r"\tfrac3{10},\ \tfrac{1+\gamma}{2}(\|\hat h-w_1\|^2-2)=\tfrac9{20}",
              evidence=("paper-errata::footnote-13-counterexample-half",
                        "paper-errata::footnote-13-counterexample-one-plus-gamma",
                        "paper-errata::footnote-13-corrected", "theorem-7")),
    LedgerRow("Footnote 14", "Section 4.1: how the anchored prototypes are built", "holds as reconstructed",
              note="(ii) W = s U M with M = sqrt(C/(C-1))(I - 1 1^T/C) (factor garbled as '%') and U with "
                   "orthonormal columns gives W^T W = s^2 (C/(C-1) I - 1/(C-1) 1 1^T), the simplex ETF of Section "
                   "4.1, exactly; p >= C is sufficient, p = C - 1 also works. (i), an optimisation recipe, is not "
                   "checked.",
              evidence=("paper-errata::simplex-etf", "paper-errata::simplex-etf-mutant")),
    LedgerRow("Footnote 15", "Section 4.3: rescaled learning rate via the loss", "not checkable",
              note="An implementation remark (rescale the loss with a detached feature norm)."),
)

FIGURES = (
    LedgerRow("Figure 1", "Section 3.1: Corollary 3's unconstrained gradient descent", "holds as reconstructed",
              note="Some rate constants in (d) are garbled. At p=512, C=100, N=10 the iterates match the closed form, "
                   "gamma = 0.05 > 2/(C-2) ends at distance sqrt 2 from Z~, and the overlap and the fastest gamma = "
                   "1/(C-1) hold (Corollary 3's evidence).",
              evidence=("corollary-3",)),
    LedgerRow("Figure 2", "Sections 3.3, 4.1, 4.3: validation accuracy of CE, UL-PAL, UL-FNPAL (+RLR)",
              "not checkable",
              note="Reported training curves on CIFAR-10/100 and ImageNet-100; not reproduced at that scale here "
                   "(`ulproofs reproduce fig2` writes the layout)."),
    LedgerRow("Figure 3", "Section 4.2: energy scores and feature norms with and without EFR", "not checkable",
              note="Reported distributions (ResNet-18/CIFAR-10, ResNet-34/CIFAR-100, SVHN as OOD)."),
    LedgerRow("Figure 4", "Appendix C.1: Corollary 5, weight decay varied", "erratum",
              note="(a) and (b) hold (norms grow for lambda < lambda*, W(t) -> P at lambda*). (c) says 'the "
                   "convergence is the same even if the weight decay is different', but ||H(t)|| - ||W(t)|| decays "
                   "at (sigma_1 + lambda) eta per step, which depends on lambda: 3.2e-4 to 8.2e-4 across the "
                   "caption's lambdas (Corollary 5's paper-scale fits). Read as 'it converges for every lambda', "
                   "(c) would hold.",
              correction=r"\|H(t)\|-\|W(t)\|=O\bigl(e^{-(\sigma_1+\lambda)\eta t}\bigr),\quad "
                         r"\sigma_1=\frac{1+\gamma}{C\sqrt N}: \text{ the rate depends on } \lambda",
              counterexample=_FIG_RUN + r",\ \gamma=\tfrac1{C-1},\ \eta=0.1:\ (\sigma_1+\lambda)\eta\approx3.2"
                             r"\times10^{-4} \text{ at } \lambda=10^{-5},\ \approx8.2\times10^{-4} \text{ at } "
                             r"\lambda=5\times10^{-3}",
              evidence=("corollary-5::lambda-sweep", "corollary-5::figure-4")),
    LedgerRow("Figure 5", "Appendix C.1: Corollary 5 at lambda*, gamma varied", "erratum",
              note="The caption says the norms do not grow exponentially; its gamma = 0.1 lies outside 0 < gamma < "
                   "2/(C-2) = 0.0204, and at lambda* ||Z|| grows by about 1e51 over 50,000 steps while accuracy "
                   "falls (Corollary 5's paper-scale run). (b) cites 'Theorem 5', which does not exist (Corollary "
                   "5). The other gammas behave as captioned; gamma = 0 plateaus (a tie).",
              correction=r"\text{at } \lambda=\lambda^*=\frac{1+\gamma}{C\sqrt N},\ \|H(t)\|,\|W(t)\| \text{ stay "
                         r"bounded only for } 0<\gamma<\frac{2}{C-2}",
              counterexample=_FIG_RUN + r",\ \eta=0.1,\ \gamma=0.1>\tfrac{2}{98},\ \lambda=\lambda^*:\ \|Z\| "
                             r"\text{ grows by } \approx10^{51} \text{ in } 5\times10^4 \text{ steps}",
              evidence=("corollary-5::figure-5-gamma-0.1", "corollary-5::figure-5",
                        "corollary-5::figure-5-gamma-0.1-iterates")),
    LedgerRow("Figure 6", "Appendix C.1: Corollary 5 at lambda*, learning rate varied", "holds as reconstructed",
              note="gamma and lambda garbled, read as 1/(C-1) and lambda*; the iterates converge exponentially and "
                   "larger eta converges faster per step (Corollary 5's paper-scale fits).",
              evidence=("corollary-5::figure-6",)),
    LedgerRow("Figure 7", "Appendix C.1: Corollary 5 (Eq. 15), weight decay varied", "erratum",
              note="Same panels and caption as Figure 4, same finding: (c)'s 'the convergence is the same even if "
                   "the weight decay is different' fails, the rate (sigma_1 + lambda) eta depends on lambda.",
              correction=r"\|H(t)\|-\|W(t)\|=O\bigl(e^{-(\sigma_1+\lambda)\eta t}\bigr),\quad "
                         r"\sigma_1=\frac{1+\gamma}{C\sqrt N}",
              counterexample=_FIG_RUN + r":\ \text{fitted slopes differ across } \lambda\in\{10^{-5},\dots,"
                             r"5\times10^{-3},\lambda^*\}",
              evidence=("corollary-5::eq15-direction-rates", "corollary-5::figure-4")),
    LedgerRow("Figure 8", "Appendix C.1: Corollary 5 at lambda*, s = eta1/eta2 varied", "erratum",
              note="'Larger s can achieve faster convergence' holds for H (per-step rate log(1 - eta2 s lambda*)) "
                   "but not for W, which converges at log(1 - eta2 lambda*) for every s (Corollary 5's paper-scale "
                   "fits; the garbled 'o = 0.5' read as eta2 = 0.5).",
              correction=r"\|H(t)-H_\infty\|=O\bigl((1-\eta_2 s\lambda^*)^t\bigr),\quad "
                         r"\|W(t)-W_\infty\|=O\bigl((1-\eta_2\lambda^*)^t\bigr) \text{ for every } s",
              counterexample=_FIG_RUN + r",\ \eta_2=0.5:\ \text{the } W \text{ residual decays at the same rate for } "
                             r"s\in\{0.01,0.05,0.1,0.5,1\}",
              evidence=("corollary-5::figure-8-w-rate", "corollary-5::figure-8")),
    LedgerRow("Figure 9", "Appendix C.1: Theorem 7 and the rescaled learning rate", "holds as reconstructed",
              note="Read with gamma = 1/(C-1) and unit simplex-ETF prototypes (neither given; the caption also "
                   "cites Eq. 18 for the iterates of Eq. 19). ||H(t)|| is non-decreasing and the error decays "
                   "exponentially, with and without the rescaled rate, which is ahead where ||h|| > 1 (Theorem 7's "
                   "paper-scale run).",
              evidence=("theorem-7::figure-9", "theorem-7::iterates-sweep")),
    LedgerRow("Figure 10", "Appendix C.3: imbalanced learning", "unreadable",
              note="The caption is missing from the OCR; App. C.3 lists it with the imbalanced-learning results "
                   "(reliability diagrams, like Figure 11)."),
    LedgerRow("Figure 11", "Appendix C.3: reliability diagrams, CE on CIFAR-100-LT", "not checkable",
              note="Reported ECE and accuracy of CIFAR-100-LT runs ('an appropriate larger weight decay can improve "
                   "both accuracy and confidence calibration'); not run here. On digits, feature regularization did "
                   "not improve CE's calibration at the lambdas tried (README)."),
    LedgerRow("Figure 12", "Appendix C.2: visual classification on CIFAR-10", "not checkable",
              note="Caption partly lost ('... and the unhinged loss (FNPAL) under different weight decay "
                   "coefficients'); reported training curves."),
    LedgerRow("Figure 13", "Appendix C.2: visual classification on CIFAR-100", "not checkable",
              note="Reported training curves."),
    LedgerRow("Figure 14", "Appendix C.2: visual classification on ImageNet-100", "not checkable",
              note="Reported training curves."),
    LedgerRow("Figure 15", "Section 4.2: explicit feature regularization and the convergence of H(t) to W M",
              "unreadable", note="The caption is missing from the OCR; see the Section 4.2 remark it illustrates."),
    LedgerRow("Figure 16", "Appendix C.4: OOD detection", "unreadable", note="The caption is missing from the OCR."),
    LedgerRow("Figure 17", "Appendix C.4: OOD detection", "unreadable", note="The caption is missing from the OCR."),
    LedgerRow("Figure 18", "Appendix C.4: OOD detection", "unreadable", note="The caption is missing from the OCR."),
    LedgerRow("Figure 19", "Sections 3.2, 4.1: plain unhinged loss with learnable W on ResNet-18/CIFAR-10",
              "not checkable",
              note="Reported CIFAR-10 run (NaN at epoch 22; weight decay garbled 'be - 4', 5e-4 per App. C.2). The "
                   "pattern reproduces on digits: 3/3 runs diverge (epochs 5, 4, 5), prototype-norm ratio up to 77, "
                   "minimal angle down to 0.6 degrees (README)."),
)

TABLES = (
    LedgerRow("Table 1", "Section 1: comparison with prior analyses", "not checkable",
              note="A survey of the literature."),
    LedgerRow("Table 2", "Section 4.2: long-tailed CIFAR-10/100 accuracies", "not checkable",
              note="Reported data. Its CE rows equal Tables 4 and 5; regularization beats its baseline in 25/30 "
                   "(CE) and 32/40 (UL) cells.",
              evidence=("paper-errata::tables-consistent", "paper-errata::efr-most-cases")),
    LedgerRow("Table 3", "Section 4.2: OOD detection with EFR", "not checkable",
              note="Reported data ('EFL' in the caption, 'EFR' elsewhere). Its CE and CE+EFR rows equal Table 6's "
                   "lambda = 0 and 1e-5 rows; every FPR95/AUROC/AUPR cell improves with EFR (36/36). The metrics' "
                   "conventions are checked in the code.",
              evidence=("paper-errata::tables-consistent", "paper-errata::efr-most-cases",
                        "evaluation-protocol::auroc-sklearn-medium", "evaluation-protocol::fpr95-definition-medium")),
    LedgerRow("Table 4", "Appendix C.3: imbalanced CIFAR-10, long-tailed and step", "not checkable",
              note="Reported data (the label 'Table 4' is lost in the OCR). Long-tailed columns equal Table 2; "
                   "regularization beats the baseline in 18/24 cells.",
              evidence=("paper-errata::tables-consistent", "paper-errata::efr-most-cases",
                        "evaluation-protocol::published-lt-sizes")),
    LedgerRow("Table 5", "Appendix C.3: imbalanced CIFAR-100, long-tailed and step", "not checkable",
              note="Reported data. Long-tailed columns equal Table 2; regularization beats the baseline in 19/24 "
                   "cells.",
              evidence=("paper-errata::tables-consistent", "paper-errata::efr-most-cases",
                        "evaluation-protocol::published-lt-sizes")),
    LedgerRow("Table 6", "Appendix C.4: OOD detection, lambda varied", "not checkable",
              note="Reported data; its lambda = 0 and 1e-5 rows equal Table 3's CE and CE+EFR rows.",
              evidence=("paper-errata::tables-consistent",)),
)

REMARKS = (
    LedgerRow("Section 2, remark: at gamma = 1/(C-1) the loss is the unhinged hinge loss and lower-bounds -m(h, y)",
              "Section 2: motivation of the unhinged loss", "holds as reconstructed",
              note="gamma = 1/(C-1) is garbled ('&5', 'ﬁ'). L = (1/(C-1)) sum_{j != y}[s_j - s_y] and L <= -m(h, y) "
                   "hold exactly on 400 random logit vectors; at gamma = 1/C the bound fails.",
              evidence=("paper-errata::margin-lower-bound", "paper-errata::margin-lower-bound-mutant")),
    LedgerRow("Section 2, remark: scaling up W and b lowers a negative loss", "Section 2: why norms diverge",
              "holds as printed", note="Eq. 1 is linear in (W, b): L(kW, kb) = k L(W, b).",
              evidence=("paper-errata::scaling-lowers-loss",)),
    LedgerRow("Section 3.2, remark: at lambda = (1+gamma)/(C sqrt N) the limit is self-dual",
              "Section 3.2, after Corollary 5", "holds as reconstructed",
              note="lambda* is garbled ('%'). Holds at lambda*; Corollary 5's evidence shows self-duality for "
                   "every lambda, so lambda* is not special, and the limit is a simplex ETF only for special "
                   "initialisations.",
              evidence=("corollary-5",)),
    LedgerRow("Section 4.2, remark: explicit feature regularization speeds up the convergence of H(t) to W M",
              "Section 4.2 (Theorem 6, Figure 15)", "holds as printed",
              note="From Eq. 17: with lambda > 0 the part of H(t) orthogonal to W M shrinks like e^{-lambda zeta}; "
                   "with lambda = 0 it stays constant while H = H_0 + zeta W M grows, so the angle shrinks only like "
                   "1/zeta (checked at 40 digits on an instance).",
              evidence=("paper-errata::efr-speeds-alignment", "theorem-6")),
    LedgerRow("Section 4.2, remark: explicit feature regularization improves long-tailed accuracy in most cases",
              "Section 4.2 (Table 2)", "holds as printed",
              note="On the reported numbers: 25/30 (CE) and 32/40 (UL) cells beat their baseline.",
              evidence=("paper-errata::efr-most-cases",)),
    LedgerRow("Section 4.2, remark: explicit feature regularization improves OOD detection",
              "Section 4.2 (Figure 3, Table 3)", "holds as printed",
              note="On the reported numbers: all 36 FPR95/AUROC/AUPR cells of Table 3 improve.",
              evidence=("paper-errata::efr-most-cases",)),
    LedgerRow("Appendix C.1, settings: p = 512, C = 100, N = 10, random H0 and W0, plain gradient descent",
              "Figures 1, 4-9", "not checkable", note="Experimental settings; the checks use them."),
    LedgerRow("Appendix C.2, settings: ResNets, SGD, cosine annealing, lr 0.1, weight decay 5e-4, batch 256",
              "Figures 2, 12-14", "not checkable", note="Training settings; the presets of ulproofs.deep.train follow "
              "them."),
    LedgerRow("Appendix C.3, convention: long-tailed (exponential) and step imbalance, ECE over equal-size bins",
              "Tables 2, 4, 5; Figures 10-11", "not checkable",
              note="Definitions. The code's class sizes equal floor(n_max rho^(-c/(C-1))) exactly and give the "
                   "published CIFAR-10-LT 12,406 and CIFAR-100-LT 10,847 at rho = 100; a wrong exponent is caught.",
              evidence=("evaluation-protocol::long-tailed-counts", "evaluation-protocol::published-lt-sizes",
                        "evaluation-protocol::long-tailed-exponent-mutant", "evaluation-protocol::step-counts")),
    LedgerRow("Appendix C.3, remark: explicit feature regularization improves imbalanced learning in most cases",
              "Appendix C.3 (Tables 4, 5)", "holds as printed",
              note="On the reported numbers: 18/24 (CIFAR-10) and 19/24 (CIFAR-100) cells beat the baseline.",
              evidence=("paper-errata::efr-most-cases",)),
    LedgerRow("Appendix C.4, convention: FPR95, AUROC, AUPR with in-distribution positive",
              "Tables 3, 6; Figures 16-18", "not checkable",
              note="Definitions. The code's AUROC and AUPR equal scikit-learn's with in-distribution labelled 1, "
                   "FPR95 equals the definition; the flipped side is caught.",
              evidence=("evaluation-protocol::auroc-sklearn-medium", "evaluation-protocol::auroc-flipped-mutant",
                        "evaluation-protocol::aupr-sklearn-medium", "evaluation-protocol::fpr95-definition-medium")),
    LedgerRow("Appendix D.1, remark: Pi_1^+ Z0 = ((P (x) 1^T)/sqrt N, P)", "Appendix D.1: initialising prototypes",
              "holds as reconstructed", note="Restates Lemma 15 (Eq. 98) at Z0.", evidence=("lemma-15",)),
    LedgerRow("Appendix D.2, Example 1: perturbing features and prototypes can change the decision",
              "Appendix D.2", "holds as printed", note="An explicit instance where the arg max changes.",
              evidence=("paper-errata::perturbed-decision",)),
    LedgerRow("Appendix D.3, remark: zero gradients when the cosine of w_y and h is -1 or 1",
              "Appendix D.3 (Theorem 7's proof)", "holds as printed",
              note="(I - h^ h^T) w/||h|| vanishes exactly at cosine +-1.",
              evidence=("paper-errata::zero-gradient-cosines",)),
)

#: Every row this module declares.
ROWS = EQUATIONS + FOOTNOTE_ROWS + FIGURES + TABLES + REMARKS
