r"""Reproduction commands for Section 4 and Appendix C, and the CPU study on scikit-learn's digits.

    python -m ulproofs reproduce table2 --data-root ~/data            # the runs of Table 2, then the table
    python -m ulproofs reproduce table3 --data-root ~/data --seeds 0 1 2
    python -m ulproofs reproduce fig2 --dry-run                       # list the runs, train nothing
    python -m ulproofs reproduce table3 --data-root tiny --epochs 1 --set arch=resnet_digits  # smoke run
    OMP_NUM_THREADS=1 python -m ulproofs reproduce digits             # the CPU study (minutes)

``reproduce ARTEFACT`` trains every preset of :mod:`ulproofs.deep.train` that the artefact needs (each seed in
``--seeds``), then writes ``<out>/<artefact>.md`` and ``<out>/<artefact>.json`` (and ``<out>/<artefact>.png`` for
the figures): the paper's layout, each measured row followed by the paper's numbers (:data:`PAPER`, transcribed from
the arXiv text). Runs live in ``<out>/runs/<preset>[-e<epochs>][-<overrides hash>]-seed<seed>``; a run whose
``metrics.json`` says it finished (or diverged) is not trained again, and an interrupted one resumes from its
checkpoint. Measured cells are the mean +- standard deviation (ddof 1) over seeds of the final-epoch value.

Artefacts (:data:`ARTEFACTS`):

* ``fig2``: CE, CE*, UL-PAL, UL-PAL*, UL-FNPAL, UL-FNPAL + RLR (* = explicit feature regularisation, the lambdas
  of Table 3) on CIFAR-10/ResNet-18, CIFAR-100/ResNet-34, ImageNet-100/ResNet-50: validation-accuracy curves and a
  table of final accuracies (the paper gives curves only; its Table 2, rho = 1, has the CIFAR final accuracies).
* ``table2``: long-tailed CIFAR-10/100, rho in {100, 50, 20, 10, 1}, CE and UL (PAL) with their lambdas.
* ``table4``, ``table5``: CE on long-tailed and step-imbalanced CIFAR-10 / CIFAR-100.
* ``table3``, ``table6``: OOD detection, CIFAR-10/100 (in) vs SVHN ``test_32x32.mat`` (out, ``--svhn``), FPR95 /
  AUROC / AUPR for the softmax / energy / feature-norm scores (in-distribution positive, see
  :mod:`ulproofs.deep.evaluation`).
* ``fig19``: plain UL (learnable W, b) on CIFAR-10/ResNet-18: train accuracy, feature norm, prototype norm ratio,
  min prototype norm and min angle per epoch, and the epoch at which the loss became NaN (paper: 22).

``digits`` runs the CPU study of ``docs/digits_study.md`` (see :func:`digits_study`).

>>> artefact = ARTEFACTS["table3"]()
>>> artefact.presets()[:2]
['cifar10-resnet18-ce', 'cifar10-resnet18-ce-efr1e-05']
>>> format_cell([95.0, 96.0]), format_cell([95.0]), format_cell([])
('95.50 ± 0.71', '95.00', '—')
"""
from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..core.errors import AssumptionError, CommandLineParser

# ------------------------------------------------------------------------------------------------
# The paper's numbers (percent), transcribed from the arXiv text (v1, 2312.07841).
#
# OCR notes: every cell of Tables 2-6 is legible. Lambda labels printed "be - 7", "be - 6" in Table 2 are read as
# 5e-7, 5e-6 (Table 3's caption names 5e-7 for UL), and Fig. 19's weight decay "be - 4" as 5e-4. Fig. 2 has no
# numbers in the text (curves only). Table 4/5's "baseline" rows and long-tailed columns repeat Table 2's CE rows.
# In Table 3, CIFAR-100 "UL" has AUROC softmax 66.97 below energy 74.83 (as printed).

RHOS = (100, 50, 20, 10)
SCORES = ("softmax", "energy", "feature_norm")
OOD_METRICS = (("FPR95 ↓", "fpr95"), ("AUROC ↑", "auroc"), ("AUPR ↑", "aupr"))

PAPER = {
    # Table 2: columns rho = 100, 50, 20, 10, 1
    "table2": {
        "cifar10": {
            "Vanilla CE": (67.81, 72.93, 83.97, 88.37, 95.28),
            "CE (λ=5e-6)": (67.84, 72.85, 83.17, 89.06, 95.27),
            "CE (λ=1e-5)": (67.74, 76.14, 84.17, 89.19, 95.23),
            "CE (λ=5e-5)": (69.74, 77.29, 84.92, 88.64, 95.39),
            "Vanilla UL": (72.60, 77.20, 85.46, 89.29, 95.23),
            "UL (λ=1e-7)": (71.85, 78.80, 85.76, 89.68, 95.33),
            "UL (λ=5e-7)": (73.47, 79.54, 86.28, 89.36, 95.14),
            "UL (λ=1e-6)": (73.71, 79.40, 86.12, 89.43, 95.50),
            "UL (λ=5e-6)": (71.13, 78.90, 85.33, 89.20, 95.10),
        },
        "cifar100": {
            "Vanilla CE": (33.37, 39.40, 42.96, 56.38, 75.42),
            "CE (λ=5e-6)": (36.00, 41.92, 50.75, 60.13, 76.48),
            "CE (λ=1e-5)": (36.61, 42.36, 49.21, 58.91, 77.34),
            "CE (λ=5e-5)": (34.88, 42.74, 54.72, 60.84, 76.19),
            "Vanilla UL": (39.20, 45.81, 54.66, 59.92, 75.37),
            "UL (λ=1e-7)": (41.39, 46.13, 55.25, 61.15, 75.18),
            "UL (λ=5e-7)": (41.85, 47.58, 54.00, 61.31, 75.51),
            "UL (λ=1e-6)": (40.85, 47.07, 55.71, 61.47, 75.84),
            "UL (λ=5e-6)": (41.87, 45.83, 55.92, 60.87, 77.20),
        },
    },
    # Tables 4 (cifar10) and 5 (cifar100): long-tailed rho = 100, 50, 20, 10, then step rho = 100, 50, 20, 10
    "table4": {
        "baseline": (67.81, 72.93, 83.97, 88.37, 61.24, 68.10, 78.73, 85.49),
        "λ=5e-6": (67.84, 72.85, 83.17, 89.06, 60.79, 68.41, 80.20, 86.69),
        "λ=1e-5": (67.74, 76.14, 84.17, 89.19, 61.50, 67.71, 80.97, 87.18),
        "λ=5e-5": (69.74, 77.29, 84.92, 88.64, 60.69, 70.27, 81.27, 87.17),
    },
    "table5": {
        "baseline": (33.37, 39.40, 42.96, 56.38, 40.89, 42.69, 51.92, 57.52),
        "λ=5e-6": (36.00, 41.92, 50.75, 60.13, 41.90, 43.85, 47.80, 56.74),
        "λ=1e-5": (36.61, 42.36, 49.21, 58.91, 41.48, 43.77, 49.64, 56.49),
        "λ=5e-5": (34.88, 42.74, 54.72, 60.84, 40.97, 43.20, 48.96, 57.97),
    },
    # Tables 3 and 6: (FPR95, AUROC, AUPR), each (softmax, energy, feature norm)
    "table3": {
        "cifar10": {
            "CE": ((52.09, 43.04, 52.10), (91.67, 91.94, 89.54), (84.11, 82.80, 77.06)),
            "CE + EFL": ((37.39, 27.87, 24.94), (93.90, 94.60, 94.17), (85.48, 85.34, 83.15)),
            "UL": ((53.29, 53.33, 52.34), (87.72, 87.73, 89.45), (74.86, 74.83, 79.05)),
            "UL + EFL": ((27.27, 27.24, 26.62), (94.27, 94.46, 95.12), (86.51, 86.60, 88.46)),
        },
        "cifar100": {
            "CE": ((87.75, 89.84, 95.54), (71.01, 71.94, 59.54), (55.42, 56.69, 43.21)),
            "CE + EFL": ((81.48, 81.41, 87.83), (77.02, 78.03, 73.91), (62.92, 63.66, 58.81)),
            "UL": ((80.43, 76.86, 76.23), (66.97, 74.83, 76.19), (37.83, 45.07, 47.51)),
            "UL + EFL": ((75.74, 74.64, 73.59), (75.21, 75.36, 76.80), (45.16, 45.27, 48.34)),
        },
    },
    "table6": {
        "cifar10": {
            "λ=0": ((52.09, 43.04, 52.10), (91.67, 91.94, 89.54), (84.11, 82.80, 77.06)),
            "λ=1e-6": ((54.00, 43.72, 51.45), (91.44, 92.12, 89.08), (82.31, 81.77, 74.16)),
            "λ=5e-6": ((45.37, 33.92, 26.93), (93.08, 93.78, 94.03), (84.31, 83.73, 82.79)),
            "λ=1e-5": ((37.39, 27.87, 24.94), (93.90, 94.60, 94.17), (85.48, 85.34, 83.15)),
        },
        "cifar100": {
            "λ=0": ((87.75, 89.84, 95.54), (71.01, 71.94, 59.54), (55.42, 56.69, 43.21)),
            "λ=1e-6": ((82.08, 82.57, 88.77), (75.36, 76.28, 68.83), (61.40, 61.90, 51.58)),
            "λ=5e-6": ((79.01, 78.68, 85.94), (78.70, 79.15, 70.32), (62.58, 62.39, 48.39)),
            "λ=1e-5": ((81.48, 81.41, 87.83), (77.02, 78.03, 73.91), (62.92, 63.66, 58.81)),
        },
    },
    # Fig. 19 (text of its caption): NaN appears at epoch 22 with weight decay 5e-4; the panels are curves only
    "fig19": {"nan_epoch": 22, "weight_decay": 5e-4},
}

DATASET_LABELS = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet100": "ImageNet-100"}
PAPER_ARCH = {"cifar10": "resnet18", "cifar100": "resnet34", "imagenet100": "resnet50"}


# ------------------------------------------------------------------------------------------------
# Artefacts: which preset fills which cell

@dataclass(frozen=True)
class Cell:
    """One number of a table: ``metric`` of ``preset`` (final epoch, mean over seeds) next to ``paper``.

    ``metric``: ``"accuracy"`` (test accuracy, %), ``"ood.<score>.<fpr95|auroc|aupr>"`` (%) or
    ``"diverged_epoch"``. Cells with the same (section, row, column) and different ``part`` share one printed
    cell, joined by " / " (Tables 3 and 6 print softmax / energy / feature norm that way).
    """

    section: str
    row: str
    column: str
    preset: str
    metric: str = "accuracy"
    paper: float | None = None
    part: str = ""


@dataclass(frozen=True)
class Artefact:
    name: str
    title: str
    cells: tuple[Cell, ...]
    needs_ood: bool = False
    curves: tuple[tuple[str, str, str], ...] = ()   # (panel, label, preset) of the figure

    def presets(self):
        """Every preset the artefact trains, in table order."""
        names = [c.preset for c in self.cells] + [preset for _, _, preset in self.curves]
        return list(dict.fromkeys(names))


def _table2():
    cells = []
    for dataset, rows in PAPER["table2"].items():
        arch = PAPER_ARCH[dataset]
        for row, paper in rows.items():
            objective = "ce" if row.startswith(("CE", "Vanilla CE")) else "ul-pal"
            suffix = "" if row.startswith("Vanilla") else "-efr" + f"{float(row.split('=')[1].rstrip(')')):.0e}"
            for rho, value in zip((*RHOS, 1), paper):
                tag = "" if rho == 1 else f"-lt{rho}"
                cells.append(Cell(f"Long-tailed {DATASET_LABELS[dataset]}", row, f"ρ={rho}",
                                  f"{dataset}{tag}-{arch}-{objective}{suffix}", paper=value))
    return Artefact("table2", "Table 2: validation accuracy (%) on long-tailed CIFAR-10/-100, CE and UL (PAL)",
                    tuple(cells))


def _imbalanced_table(name, dataset):
    arch, cells = PAPER_ARCH[dataset], []
    for row, paper in PAPER[name].items():
        suffix = "" if row == "baseline" else "-efr" + f"{float(row.split('=')[1]):.0e}"
        columns = [("long-tailed", "lt", rho) for rho in RHOS] + [("step", "step", rho) for rho in RHOS]
        for (profile, tag, rho), value in zip(columns, paper):
            cells.append(Cell(f"Imbalanced {DATASET_LABELS[dataset]}", row, f"{profile} ρ={rho}",
                              f"{dataset}-{tag}{rho}-{arch}-ce{suffix}", paper=value))
    number = name[-1]
    return Artefact(name, f"Table {number}: test accuracy (%) on imbalanced {DATASET_LABELS[dataset]} (CE) under "
                          "explicit feature regularization", tuple(cells))


def _ood_table(name):
    presets = {"table3": {"CE": "ce", "CE + EFL": "ce-efr1e-05", "UL": "ul-pal", "UL + EFL": "ul-pal-efr5e-07"},
               "table6": {"λ=0": "ce", "λ=1e-6": "ce-efr1e-06", "λ=5e-6": "ce-efr5e-06", "λ=1e-5": "ce-efr1e-05"}}
    cells = []
    for dataset, rows in PAPER[name].items():
        arch = PAPER_ARCH[dataset]
        for row, paper in rows.items():
            for (column, key), values in zip(OOD_METRICS, paper):
                for score, value in zip(SCORES, values):
                    cells.append(Cell(DATASET_LABELS[dataset], row, column, f"{dataset}-{arch}-{presets[name][row]}",
                                      metric=f"ood.{score}.{key}", paper=value, part=score))
    what = ("CE/UL with and without EFL (λ = 1e-5 CE, 5e-7 UL)" if name == "table3"
            else "CE with λ in {0, 1e-6, 5e-6, 1e-5}")
    return Artefact(name, f"Table {name[-1]}: OOD detection (%), CIFAR-10/-100 vs SVHN, {what}; "
                          "softmax / energy / feature norm", tuple(cells), needs_ood=True)


def _fig2():
    objectives = (("CE", "ce", "Vanilla CE"), ("CE*", "ce-efr1e-05", "CE (λ=1e-5)"),
                  ("UL-PAL", "ul-pal", "Vanilla UL"), ("UL-PAL*", "ul-pal-efr5e-07", "UL (λ=5e-7)"),
                  ("UL-FNPAL", "ul-fnpal", None), ("UL-FNPAL + RLR", "ul-fnpal-rlr", None))
    from .train import PRESETS

    cells, curves = [], []
    for dataset, arch in PAPER_ARCH.items():
        for label, objective, paper_row in objectives:
            name = f"{dataset}-{arch}-{objective}"
            if name not in PRESETS:
                continue   # ImageNet-100 has no feature-regularised preset
            paper = PAPER["table2"][dataset][paper_row][-1] if paper_row and dataset in PAPER["table2"] else None
            cells.append(Cell("final validation accuracy (paper: Table 2, ρ=1)", label, DATASET_LABELS[dataset],
                              name, paper=paper))
            curves.append((DATASET_LABELS[dataset], label, name))
    return Artefact("fig2", "Fig. 2: validation accuracy of CE, UL-PAL and UL-FNPAL (* = explicit feature "
                            "regularization)", tuple(cells), curves=tuple(curves))


def _fig19():
    name = "fig19-cifar10-resnet18-ul-plain"
    cells = (Cell("plain UL, ResNet-18, CIFAR-10", "epoch of NaN", "value", name, "diverged_epoch",
                  paper=PAPER["fig19"]["nan_epoch"]),)
    return Artefact("fig19", "Fig. 19: plain unhinged loss (learnable W, b) on CIFAR-10 with ResNet-18",
                    cells, curves=(("CIFAR-10", "plain UL", name),))


ARTEFACTS = {"fig2": _fig2, "table2": _table2, "table3": lambda: _ood_table("table3"),
             "table4": lambda: _imbalanced_table("table4", "cifar10"),
             "table5": lambda: _imbalanced_table("table5", "cifar100"),
             "table6": lambda: _ood_table("table6"), "fig19": _fig19}


# ------------------------------------------------------------------------------------------------
# Reading results

def cell_value(record, metric):
    """``metric`` (see :class:`Cell`) of one run's metrics.json record; NaN for a diverged run, None if absent.

    >>> record = {"epochs": [{"test_accuracy": 0.9}], "diverged": None, "ood": None}
    >>> cell_value(record, "accuracy"), cell_value(record, "ood.energy.auroc"), cell_value(record, "diverged_epoch")
    (90.0, None, None)
    """
    diverged = record.get("diverged")
    if metric == "diverged_epoch":
        return diverged["diverged_at_epoch"] if diverged else None
    if diverged:
        return math.nan
    if metric == "accuracy":
        epochs = record.get("epochs") or []
        return 100.0 * epochs[-1]["test_accuracy"] if epochs and "test_accuracy" in epochs[-1] else None
    _, score, key = metric.split(".")
    ood = record.get("ood")
    return 100.0 * ood[score][key] if ood and score in ood else None


def format_cell(values, digits=2):
    """Mean ± sample std over seeds ('—' without values, 'diverged' if any run diverged)."""
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    if any(math.isnan(v) for v in values):
        return "diverged"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"


def _summary(values):
    values = [v for v in values if v is not None]
    finite = [v for v in values if not math.isnan(v)]
    return {"values": values, "n": len(values),
            "mean": float(np.mean(finite)) if finite and len(finite) == len(values) else None,
            "std": float(np.std(finite, ddof=1)) if len(finite) > 1 and len(finite) == len(values) else None}


def build_table(artefact, results):
    """The artefact's table from ``results`` = {preset: [metrics.json record per seed]}.

    Returns {"json": cells with measured values and paper numbers, "markdown": the table in the paper's layout,
    each row label twice: measured, then "(paper)"}.
    """
    cells_json = []
    for cell in artefact.cells:
        values = [cell_value(record, cell.metric) for record in results.get(cell.preset, [])]
        text = format_cell(values)
        if cell.metric == "diverged_epoch" and values and all(v is None for v in values):
            text = f"no NaN in {len(values)} run(s)"
        cells_json.append({**asdict(cell), "measured": _summary(values), "text": text})
    sections = list(dict.fromkeys(c.section for c in artefact.cells))
    columns = list(dict.fromkeys(c.column for c in artefact.cells))
    parts = list(dict.fromkeys(c.part for c in artefact.cells))
    lines = []
    for section in sections:
        chosen = [c for c in cells_json if c["section"] == section]
        header = f"| {section} | " + " | ".join(columns) + " |"
        if parts != [""]:
            header = f"| {section} ({' / '.join(parts)}) | " + " | ".join(columns) + " |"
        lines += [header, "|" + "---|" * (len(columns) + 1)]
        for row in dict.fromkeys(c["row"] for c in chosen):
            measured, paper = [], []
            for column in columns:
                group = [c for c in chosen if c["row"] == row and c["column"] == column]
                measured.append(" / ".join(c["text"] for c in group) or "")
                paper.append(" / ".join("—" if c["paper"] is None else f"{c['paper']:g}" for c in group) or "")
            label = row.replace("*", "\\*")
            lines.append(f"| {label} | " + " | ".join(measured) + " |")
            lines.append(f"| *{label} (paper)* | " + " | ".join(f"*{p}*" if p else "" for p in paper) + " |")
        lines.append("")
    return {"json": cells_json, "markdown": "\n".join(lines)}


def curve_data(artefact, results):
    """Per-epoch curves for the artefact's figure: {panel: {label: {"epoch": [...], <metric>: [mean over seeds]}}}."""
    keys = {"test_accuracy": lambda e: e.get("test_accuracy"), "train_accuracy": lambda e: e.get("train_accuracy"),
            "train_feature_norm": lambda e: e.get("train_feature_norm"),
            "norm_ratio": lambda e: e.get("prototypes", {}).get("norm_ratio"),
            "min_norm": lambda e: e.get("prototypes", {}).get("min_norm"),
            "min_angle_degrees": lambda e: e.get("prototypes", {}).get("min_angle_degrees")}
    curves = {}
    for panel, label, name in artefact.curves:
        records = [r for r in results.get(name, []) if r.get("epochs")]
        if not records:
            continue
        length = min(len(r["epochs"]) for r in records)
        curve = {"epoch": [records[0]["epochs"][i]["epoch"] for i in range(length)]}
        for key, get in keys.items():
            rows = [[get(r["epochs"][i]) for i in range(length)] for r in records]
            if all(v is not None for row in rows for v in row):
                curve[key] = np.mean(np.array(rows, dtype=float), axis=0).tolist()
        curve["diverged_at_epoch"] = [r["diverged"]["diverged_at_epoch"] if r.get("diverged") else None
                                      for r in records]
        curves.setdefault(panel, {})[label] = curve
    return curves


def plot_curves(artefact, curves, path):
    """Fig. 2: one panel per data set, validation accuracy against epoch. Fig. 19: its five panels."""
    from matplotlib.figure import Figure

    if artefact.name == "fig19":
        panels = (("train_accuracy", "(a) train accuracy"), ("train_feature_norm", "(b) mean ||f(x)|| (train)"),
                  ("norm_ratio", "(c) max ||w|| / min ||w||"), ("min_norm", "(d) min ||w||"),
                  ("min_angle_degrees", "(e) min angle (degrees)"))
        figure = Figure(figsize=(17, 3.2))
        for i, (key, title) in enumerate(panels):
            axes = figure.add_subplot(1, len(panels), i + 1)
            for label, curve in curves.get("CIFAR-10", {}).items():
                if key in curve:
                    axes.plot(curve["epoch"], curve[key], marker=".", label=label)
            if key in ("train_feature_norm", "norm_ratio"):
                axes.set_yscale("log")
            axes.set(title=title, xlabel="epoch")
    else:
        figure = Figure(figsize=(5 * max(1, len(curves)), 3.8))
        for i, (panel, lines) in enumerate(curves.items()):
            axes = figure.add_subplot(1, len(curves), i + 1)
            # as the paper's red box: the last 50 epochs (the last quarter on short runs) zoomed in
            zoom = axes.inset_axes([0.42, 0.08, 0.55, 0.45]) if any(len(c["epoch"]) >= 8 for c in lines.values()) \
                else None
            for label, curve in lines.items():
                if "test_accuracy" in curve:
                    accuracy = 100 * np.array(curve["test_accuracy"])
                    axes.plot(curve["epoch"], accuracy, label=label)
                    if zoom is not None:
                        tail = -min(50, max(2, len(accuracy) // 4))
                        zoom.plot(curve["epoch"][tail:], accuracy[tail:])
            if zoom is not None:
                zoom.tick_params(labelsize=7)
            axes.set(title=panel, xlabel="epoch", ylabel="validation accuracy (%)")
            axes.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    return path


# ------------------------------------------------------------------------------------------------
# Running

@dataclass(frozen=True)
class Run:
    preset: str
    seed: int
    out_dir: Path

    def record(self):
        """The run's metrics.json (None when it has not started)."""
        path = self.out_dir / "metrics.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def status(self, needs_ood=False):
        """"done", "partial" (resumable) or "todo"; a finished run without OOD metrics is "partial" when needed."""
        record = self.record()
        if record is None:
            return "todo"
        if record.get("diverged"):
            return "done"
        if record.get("finished") and (record.get("ood") is not None or not needs_ood):
            return "done"
        return "partial"


def run_directory(out, name, seed, epochs=None, overrides=None):
    """``<out>/runs/<preset>[-e<epochs>][-<hash of overrides>]-seed<seed>``: runs that differ never share a folder.

    >>> run_directory("results", "digits-ce", 0, epochs=3).as_posix()
    'results/runs/digits-ce-e3-seed0'
    """
    tag = f"-e{epochs}" if epochs else ""
    if overrides:
        text = json.dumps(overrides, sort_keys=True, default=str)
        tag += "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return Path(out) / "runs" / f"{name}{tag}-seed{seed}"


def plan_runs(artefact, out, seeds, epochs=None, overrides=None, datasets=None):
    """The :class:`Run` list of an artefact (presets x seeds), optionally restricted to some data sets."""
    from .train import PRESETS

    runs = []
    for name in artefact.presets():
        if datasets and PRESETS[name]["dataset"] not in datasets:
            continue
        for seed in seeds:
            runs.append(Run(name, seed, run_directory(out, name, seed, epochs, overrides)))
    return runs


def run_config(run, data_root, epochs=None, overrides=None, ood_path=None):
    """The :class:`~ulproofs.deep.train.TrainConfig` of a run; balanced CIFAR runs get the OOD set when given."""
    from .train import PRESETS, preset

    options = {"seed": run.seed, "data_root": str(data_root), "out_dir": str(run.out_dir), "resume": True,
               **(overrides or {})}
    if epochs:
        options["epochs"] = epochs
    spec = PRESETS[run.preset]
    if ood_path is not None and spec["dataset"] in ("cifar10", "cifar100") and spec.get("imbalance_rho", 1) == 1:
        options["ood_path"] = str(ood_path)
    return preset(run.preset, **options)


def _ood_file(data_root, svhn):
    """The SVHN file, absolute: a run's ``ood_path`` is read relative to its ``data_root`` unless absolute, so a
    relative one (under a relative --data-root) would be looked for under data_root twice."""
    path = Path(svhn).expanduser()
    return (path if path.is_absolute() else Path(data_root).expanduser() / path).absolute()


def reproduce(name, data_root="data", out="results/reproduce", seeds=(0,), epochs=None, overrides=None,
              svhn="svhn/test_32x32.mat", dry_run=False, datasets=None, log=print, force=False):
    """Train what artefact ``name`` needs (skipping finished runs) and write its table; returns the JSON record.

    With ``dry_run`` nothing is trained or written: the record lists the runs and their status. The table
    files of an earlier call (``<out>/<name>.md``, ``.json``) are replaced only with ``force``.
    """
    from ..engine.registry import git_commit
    from .train import DATASETS, PRESETS, train

    if name not in ARTEFACTS:
        raise AssumptionError(f"unknown artefact {name!r}; one of {sorted(ARTEFACTS)}")
    artefact = ARTEFACTS[name]()
    out = Path(out)
    unknown = sorted(set(datasets or ()) - set(DATASETS))
    if unknown:
        raise AssumptionError(f"unknown data set {unknown[0]!r} in --datasets; known: {', '.join(DATASETS)}")
    runs = plan_runs(artefact, out, seeds, epochs, overrides, datasets)
    if not runs:
        used = sorted({PRESETS[p]["dataset"] for p in artefact.presets()})
        raise AssumptionError(f"{name} has no runs on {', '.join(datasets)}; its runs are on {', '.join(used)}")
    existing = [out / f"{name}{suffix}" for suffix in (".md", ".json") if (out / f"{name}{suffix}").exists()]
    if existing and not dry_run and not force:
        raise FileExistsError(f"{existing[0]} exists; pass --force to replace it (finished runs are reused), or "
                              "choose another --out")
    ood_file = _ood_file(data_root, svhn)
    # balanced CIFAR runs are shared by fig2, table2, table3 and table6: they get SVHN whenever it is there
    ood_path = ood_file if (artefact.needs_ood or ood_file.is_file()) else None
    statuses = {run: run.status(artefact.needs_ood) for run in runs}
    if dry_run:
        for run in runs:
            log(f"{statuses[run]:8s} {run.preset} seed {run.seed} -> {run.out_dir}")
        log(f"{sum(s != 'done' for s in statuses.values())} of {len(runs)} runs to do")
        return {"artefact": name, "runs": [{"preset": r.preset, "seed": r.seed, "out_dir": str(r.out_dir),
                                            "status": statuses[r]} for r in runs]}
    started = time.perf_counter()
    for index, run in enumerate(runs, start=1):
        if statuses[run] == "done":
            log(f"[{index}/{len(runs)}] {run.preset} seed {run.seed}: done, skipped")
            continue
        log(f"[{index}/{len(runs)}] {run.preset} seed {run.seed} -> {run.out_dir}")
        record = run.record()
        if record is not None and record.get("finished") and artefact.needs_ood and record.get("ood") is None:
            raise AssumptionError(f"{run.out_dir} finished without OOD metrics (SVHN was absent when it ran); move "
                                  "it away to retrain it with the OOD set")
        train(run_config(run, data_root, epochs, overrides, ood_path))
    results = {}
    for run in runs:
        record = run.record()
        if record is not None and run.status(artefact.needs_ood) == "done":
            results.setdefault(run.preset, []).append(record)
    table = build_table(artefact, results)
    record = {"artefact": name, "title": artefact.title, "git_commit": git_commit(), "seeds": list(seeds),
              "epochs_override": epochs, "overrides": overrides or {}, "data_root": str(data_root),
              "ood_path": str(ood_path) if ood_path else None, "seconds": time.perf_counter() - started,
              "runs": [{"preset": r.preset, "seed": r.seed, "out_dir": str(r.out_dir),
                        "status": r.status(artefact.needs_ood)} for r in runs],
              "cells": table["json"]}
    markdown = [f"# {artefact.title}", "",
                f"Measured: mean ± std over seeds {list(seeds)}" + (f", {epochs} epochs (override)" if epochs else "")
                + f"; commit {record['git_commit']}. Each measured row is followed by the paper's numbers (italics).",
                "", table["markdown"]]
    if artefact.curves:
        curves = curve_data(artefact, results)
        record["curves"] = curves
        if curves:
            record["figure"] = str(plot_curves(artefact, curves, out / f"{name}.png"))
            markdown.append(f"![{name}]({name}.png)")
        if name == "fig19":
            markdown += ["", _fig19_epochs_markdown(curves)]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(record, indent=1, default=str))
    (out / f"{name}.md").write_text("\n".join(markdown) + "\n")
    log(table["markdown"])
    log(f"written: {out / (name + '.md')}, {out / (name + '.json')}")
    return record


def _fig19_epochs_markdown(curves):
    lines = ["| epoch | train acc | mean ‖f(x)‖ | max‖w‖/min‖w‖ | min ‖w‖ | min angle (°) |", "|---" * 6 + "|"]
    for curve in curves.get("CIFAR-10", {}).values():
        for i, epoch in enumerate(curve["epoch"]):
            values = [curve.get(k, [None] * (i + 1))[i] for k in ("train_accuracy", "train_feature_norm",
                                                                    "norm_ratio", "min_norm", "min_angle_degrees")]
            lines.append(f"| {epoch} | " + " | ".join("—" if v is None else f"{v:.4g}" for v in values) + " |")
        lines.append(f"\nNaN / divergence at epoch (per seed): {curve['diverged_at_epoch']} (paper: 22)")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# The digits study (CPU, real data)

DIGITS_GROUPS = {
    "accuracy": ("digits-ce", "digits-ul-pal", "digits-ul-fnpal", "digits-ul-fnpal-rlr"),
    "stability": ("digits-ul-plain", "digits-ul-pal", "digits-ce"),
    "regularization": ("digits-ce", "digits-ce-efr1e-04", "digits-ce-efr1e-03", "digits-ul-pal",
                       "digits-ul-pal-efr1e-04", "digits-ul-pal-efr1e-03"),
    "long_tailed": ("digits-lt10-ce", "digits-lt10-ce-efr1e-03", "digits-lt10-ul-pal", "digits-lt10-ul-pal-efr1e-03"),
}


def _run_summary(record, out_dir):
    from .evaluation import softmax

    epochs = record["epochs"]
    last = epochs[-1] if epochs else {}
    diverged = record.get("diverged")
    confidence = None
    if not diverged and (out_dir / "predictions.npz").is_file():
        confidence = float(softmax(np.load(out_dir / "predictions.npz")["test_logits"]).max(axis=1).mean())
    return {"test_accuracy": None if diverged else last.get("test_accuracy"),
            "test_confidence": confidence,
            "test_ece": None if diverged else last.get("test_ece"),
            "test_feature_norm": None if diverged else last.get("test_feature_norm", {}).get("mean"),
            "final_train_feature_norm": last.get("train_feature_norm"),
            "max_train_feature_norm": max((e["train_feature_norm"] for e in epochs), default=None),
            "final_norm_ratio": last.get("prototypes", {}).get("norm_ratio"),
            "final_min_angle": last.get("prototypes", {}).get("min_angle_degrees"),
            "diverged_at_epoch": diverged["diverged_at_epoch"] if diverged else None,
            "diverged_reason": diverged["reason"] if diverged else None,
            "epochs_completed": len(epochs), "seconds": sum(e["seconds"] for e in epochs)}




def digits_study(seeds=(0, 1, 2, 3, 4), epochs=30, runs_dir="results/digits", doc="docs/digits_study.md",
                 figures="docs/digits", log=print, force=False, threads=None):
    """CE vs UL-PAL vs UL-FNPAL, plain UL vs UL-PAL, feature regularisation and a long-tailed (rho = 10) variant
    on scikit-learn's digits, ``seeds`` x presets of :data:`DIGITS_GROUPS`; writes ``doc`` (Markdown), its JSON
    and PNGs under ``figures``. Finished runs in ``runs_dir`` are reused. An existing ``doc`` (the committed
    study) is replaced only with ``force``. ``threads``: as ``--threads`` (default: the thread policy's). Returns
    the JSON record (with the thread count it trained on)."""
    from ..core.threads import apply_thread_policy
    from ..engine.registry import git_commit
    from .evaluation import reliability_diagram, softmax
    from .studies import check_seeds, format_interval
    from .train import preset, train

    if Path(doc).exists() and not force:
        raise FileExistsError(f"{doc} exists (the committed study); pass --force to replace it, or --doc and "
                              "--figures to write elsewhere")
    seeds = check_seeds(seeds)
    threads = apply_thread_policy(threads, "training")
    names = list(dict.fromkeys(n for group in DIGITS_GROUPS.values() for n in group))
    started = time.perf_counter()
    summaries, records, trained = {}, {}, 0
    for name in names:
        for seed in seeds:
            out_dir = run_directory(runs_dir, name, seed, epochs)
            run = Run(name, seed, out_dir)
            reused = run.status() == "done"
            if not reused:
                log(f"{name} seed {seed} ...")
                train(preset(name, seed=seed, epochs=epochs, out_dir=str(out_dir), resume=True, progress=False))
            record = run.record()
            records.setdefault(name, []).append(record)
            summaries.setdefault(name, []).append(_run_summary(record, out_dir))
            trained += not reused
    wall = time.perf_counter() - started
    figures = Path(figures)
    previous = figures / "digits_study.json"
    if not trained and previous.is_file():   # every run reused: keep the wall time of the invocation that trained them
        earlier = json.loads(previous.read_text())
        if earlier.get("seeds") == list(seeds) and earlier.get("epochs") == epochs:
            wall, trained = earlier["wall_seconds"], earlier["runs_trained"]
    train_seconds = sum(s["seconds"] for runs in summaries.values() for s in runs)

    def column(name, key, scale=1.0, digits=2):
        return format_interval([s[key] for s in summaries[name]], scale, digits)

    def divergence(name):
        epochs_at = [s["diverged_at_epoch"] for s in summaries[name]]
        hit = [e for e in epochs_at if e is not None]
        return f"{len(hit)}/{len(epochs_at)}" + (f" (epochs {epochs_at})" if hit else "")

    figures.mkdir(parents=True, exist_ok=True)
    pictures = []
    for name in ("digits-ce", "digits-ce-efr1e-03", "digits-ul-pal", "digits-ul-pal-efr1e-03"):
        arrays = np.load(run_directory(runs_dir, name, seeds[0], epochs) / "predictions.npz")
        path = figures / f"reliability-{name}.png"
        reliability_diagram(softmax(arrays["test_logits"]), arrays["test_labels"], path=path,
                            title=f"{name} (seed {seeds[0]})")
        pictures.append(path)
    pictures.append(_plot_norm_growth(records, figures / "feature-norms.png"))

    header = ("| preset | test acc (%) | mean confidence (%) | ECE (%) | test ‖f(x)‖ | max train ‖f(x)‖ | "
              "max‖w‖/min‖w‖ | min angle (°) | diverged (epoch per seed) |")
    rule = "|---" * 9 + "|"

    def rows(group):
        return [f"| {n} | {column(n, 'test_accuracy', 100)} | {column(n, 'test_confidence', 100)} | "
                f"{column(n, 'test_ece', 100)} | {column(n, 'test_feature_norm', digits=3)} | "
                f"{column(n, 'max_train_feature_norm', digits=3)} | {column(n, 'final_norm_ratio', digits=3)} | "
                f"{column(n, 'final_min_angle', digits=1)} | {divergence(n)} |" for n in DIGITS_GROUPS[group]]

    commit = git_commit()
    command = (f"OMP_NUM_THREADS=1 python -m ulproofs reproduce digits --seeds {' '.join(map(str, seeds))} "
               f"--epochs {epochs}")
    config = {k: v for k, v in asdict(preset("digits-ce", epochs=epochs)).items()
              if k in ("arch", "width", "epochs", "batch_size", "lr", "momentum", "weight_decay", "shift", "flip",
                       "feature_reg_reduction", "data_seed", "ece_bins")}
    plain = summaries["digits-ul-plain"]
    lines = [
        "# Digits study: the effects of Section 4 on a real data set, on a CPU",
        "",
        f"scikit-learn's 8x8 digits (1347 train / 450 test, stratified split, data_seed 0), `resnet_digits` "
        f"(ResNet-style, one BasicBlock per stage, 16-32-64-128 channels, p = 128), SGD momentum 0.9, lr 0.1 with "
        f"cosine annealing over {epochs} epochs, weight decay 5e-4, batch 64, random shift of 1 pixel, no flip; "
        f"seeds {list(seeds)} (network initialisation and batch order; the split is fixed). Values: mean ± "
        "half-width of the 95% t-interval over seeds, final epoch. ECE: 15 equal-width bins, softmax of the "
        "logits. Feature regularisation "
        "λ Σ_B ‖f(x)‖² (summed over the batch, as the paper writes it).",
        "",
        f"Command: `{command}`  ",
        f"Time: {wall / 60:.1f} min wall for the {trained} runs trained ({len(names) * len(seeds)} in all; "
        f"{train_seconds:.0f} s inside the training loops), on {threads} thread(s) of a shared "
        f"2-core CPU; commit {commit}. No GPU was available to this work.",
        "",
        "## CE vs UL-PAL vs UL-FNPAL", "",
        "Mean confidence: mean max softmax probability on the test set. Prototype columns: the learnable W of CE and "
        "plain UL, the fixed simplex ETF (ratio 1, angle arccos(-1/9) = 96.4°) of PAL/FNPAL.", "",
        header, rule, *rows("accuracy"), "",
        "## Plain UL (learnable W, b) vs UL-PAL", "",
        "Plain UL keeps the ReLU before the head and a learnable linear layer (Fig. 19's setting); divergence = a "
        "non-finite loss or a feature norm above 1e6.", "", header, rule, *rows("stability"), "",
        f"Plain UL diverged in {divergence('digits-ul-plain')} runs; mean train ‖f(x)‖ per epoch is in "
        "`digits/feature-norms.png`; last recorded epoch before divergence: "
        f"{[s['epochs_completed'] for s in plain]}; min angle between prototypes then "
        f"{[round(s['final_min_angle'], 2) for s in plain]}°.", "",
        "## Explicit feature regularisation: feature norms and calibration", "", header, rule,
        *rows("regularization"), "",
        "Reliability diagrams (seed 0): `digits/reliability-digits-ce.png`, "
        "`digits/reliability-digits-ce-efr1e-03.png`, "
        "`digits/reliability-digits-ul-pal.png`, `digits/reliability-digits-ul-pal-efr1e-03.png`.", "",
        "## Long-tailed digits (ρ = 10, exponential; test set unchanged)", "", header, rule, *rows("long_tailed"), "",
    ]
    lines += _digits_observations(summaries)
    Path(doc).parent.mkdir(parents=True, exist_ok=True)
    Path(doc).write_text("\n".join(lines) + "\n")
    record = {"command": command, "git_commit": commit, "seeds": list(seeds), "epochs": epochs, "config": config,
              "groups": {k: list(v) for k, v in DIGITS_GROUPS.items()}, "wall_seconds": wall,
              "train_seconds": train_seconds, "runs_trained": trained, "threads": threads,
              "runs": {name: [{"seed": seed, **s} for seed, s in zip(seeds, summaries[name])] for name in names},
              "figures": [str(p) for p in pictures]}
    (figures / "digits_study.json").write_text(json.dumps(record, indent=1))
    log("\n".join(lines))
    return record


def _digits_observations(summaries):
    """Sentences computed from the numbers (so that they stay true when the study is rerun)."""
    from .studies import paired_difference

    def mean(name, key):
        values = [s[key] for s in summaries[name] if s[key] is not None]
        return float(np.mean(values)) if values else math.nan

    def change(base, other, key):
        return paired_difference([s[key] for s in summaries[base]], [s[key] for s in summaries[other]])

    lines = ["## What the numbers say (computed)", "",
             "Δ: the paired per-seed difference, mean ± half-width of its 95% t-interval; 'within noise' when the "
             "interval contains 0.", ""]
    for base in ("digits-ce", "digits-ul-pal"):
        for lam in ("1e-04", "1e-03"):
            reg = f"{base}-efr{lam}"
            lines.append(f"* {base} → λ={lam}: test ‖f(x)‖ {mean(base, 'test_feature_norm'):.3g} → "
                         f"{mean(reg, 'test_feature_norm'):.3g}, ECE {100 * mean(base, 'test_ece'):.2f}% → "
                         f"{100 * mean(reg, 'test_ece'):.2f}% ({change(base, reg, 'test_ece')}), accuracy "
                         f"{100 * mean(base, 'test_accuracy'):.2f}% → {100 * mean(reg, 'test_accuracy'):.2f}% "
                         f"({change(base, reg, 'test_accuracy')}).")
    lines.append(f"* digits-ce → digits-ul-pal: accuracy {change('digits-ce', 'digits-ul-pal', 'test_accuracy')}, "
                 f"ECE {change('digits-ce', 'digits-ul-pal', 'test_ece')}.")
    for base in ("digits-lt10-ce", "digits-lt10-ul-pal"):
        reg = f"{base}-efr1e-03"
        lines.append(f"* {base} → λ=1e-03: accuracy {100 * mean(base, 'test_accuracy'):.2f}% → "
                     f"{100 * mean(reg, 'test_accuracy'):.2f}% ({change(base, reg, 'test_accuracy')}), "
                     f"ECE {100 * mean(base, 'test_ece'):.2f}% → "
                     f"{100 * mean(reg, 'test_ece'):.2f}%.")
    lines.append(f"* digits-ul-fnpal: accuracy {100 * mean('digits-ul-fnpal', 'test_accuracy'):.2f}% at mean "
                 f"confidence {100 * mean('digits-ul-fnpal', 'test_confidence'):.2f}%: its logits are cosines "
                 "(|z_c| <= 1 with unit prototypes), so the untempered softmax is nearly uniform and its ECE measures "
                 "that under-confidence, not the features.")
    lines.append(f"* plain UL: max train ‖f(x)‖ {mean('digits-ul-plain', 'max_train_feature_norm'):.3g} vs UL-PAL "
                 f"{mean('digits-ul-pal', 'max_train_feature_norm'):.3g} and CE "
                 f"{mean('digits-ce', 'max_train_feature_norm'):.3g}.")
    return lines


def _plot_norm_growth(records, path):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.6))
    left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    for k, name in enumerate(("digits-ul-plain", "digits-ul-pal", "digits-ul-fnpal", "digits-ce",
                              "digits-ul-pal-efr1e-03", "digits-ce-efr1e-03")):
        for i, record in enumerate(records[name]):    # one colour per preset, one line per seed
            epochs = [e["epoch"] for e in record["epochs"]]
            left.plot(epochs, [e["train_feature_norm"] for e in record["epochs"]], color=f"C{k}", alpha=0.8,
                      label=name if i == 0 else None)
            if record.get("diverged"):
                left.axvline(record["diverged"]["diverged_at_epoch"], color=f"C{k}", linestyle=":")
            if name == "digits-ul-plain":
                right.plot(epochs, [e["prototypes"]["norm_ratio"] for e in record["epochs"]], marker=".",
                           label=f"seed {record['seed']}")
    right.legend(fontsize=7)
    left.set(yscale="log", xlabel="epoch", ylabel="mean train ‖f(x)‖", title="feature norm (dotted: divergence)")
    left.legend(fontsize=7)
    right.set(yscale="log", xlabel="epoch", ylabel="max‖w‖ / min‖w‖", title="plain UL: prototype norm ratio")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


# ------------------------------------------------------------------------------------------------
# Command line

def main(argv=None):
    """``reproduce ARTEFACT [options]`` or ``digits [options]`` (see the module docstring)."""
    from ..core import threads
    from .train import DATASETS, parse_overrides

    parser = CommandLineParser(prog="python -m ulproofs",
                               description="Reproduce the paper's tables and figures; the CPU digits study.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="train the runs of one artefact and write its table",
                         epilog="The CPU studies on scikit-learn's digits: python -m ulproofs reproduce "
                                "digits|digits-theory|digits-ood|digits-lt [--seeds ...] [--epochs N] [--force] "
                                "(see reproduce digits --help).")
    rep.add_argument("artefact", choices=sorted(ARTEFACTS),
                     help=f"one of {', '.join(sorted(ARTEFACTS))} (or a CPU study: digits, digits-theory, "
                          "digits-ood, digits-lt)")
    rep.add_argument("--data-root", default="data", help="folder of cifar-10-batches-py, cifar-100-python, svhn/, "
                                                         "or ImageNet's train/ and val/ (default: data)")
    rep.add_argument("--out", default="results/reproduce", help="tables, figures and runs/ (default: %(default)s)")
    rep.add_argument("--epochs", type=int, help="override every run's epochs (smoke runs)")
    rep.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds (default: 0)")
    rep.add_argument("--svhn", default="svhn/test_32x32.mat",
                     help="SVHN test_32x32.mat, relative to --data-root unless absolute (default: %(default)s)")
    rep.add_argument("--datasets", nargs="+", metavar="DATASET",
                     help=f"only the runs on these data sets, any of {', '.join(DATASETS)}")
    rep.add_argument("--force", action="store_true", help="replace the table files of an earlier call")
    rep.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     help="override a TrainConfig field of every run (e.g. --set arch=resnet_digits)")
    rep.add_argument("--dry-run", action="store_true", help="list the runs and their status; train nothing")
    dig = sub.add_parser("digits", help="the CPU study on scikit-learn's digits")
    dig.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    dig.add_argument("--epochs", type=int, default=30)
    dig.add_argument("--runs", default="results/digits", help="run folders (default: %(default)s)")
    dig.add_argument("--doc", default="docs/digits_study.md")
    dig.add_argument("--figures", default="docs/digits", help="PNGs and the JSON record (default: %(default)s)")
    dig.add_argument("--force", action="store_true", help="replace the committed study (--doc) if it exists")
    for command in (rep, dig):
        command.add_argument("--threads", help="torch threads (default: $ULPROOFS_THREADS, else "
                                               f"{threads.DEFAULTS['training']}); recorded in every metrics.json")
    args = parser.parse_args(argv)
    try:
        threads.apply_thread_policy(args.threads, "training")
        if args.command == "digits":
            digits_study(tuple(args.seeds), args.epochs, args.runs, args.doc, args.figures, force=args.force,
                         threads=args.threads)
            return 0
        if args.epochs is not None and args.epochs < 1:
            raise AssumptionError(f"--epochs must be a positive integer (got {args.epochs})")
        reproduce(args.artefact, args.data_root, args.out, tuple(args.seeds), args.epochs, parse_overrides(args.set),
                  args.svhn, args.dry_run, args.datasets, force=args.force)
    except (AssumptionError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
