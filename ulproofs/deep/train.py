r"""Training of Section 4 and Appendix C in one file: one config, named presets, one loop.

    python -m ulproofs train                                   # digits-ul-pal: a minute on a CPU
    python -m ulproofs train --preset cifar10-resnet18-ul-pal --data-root ~/data
    python -m ulproofs train --preset digits-ce --set seed=3 --set epochs=10 --out results/train/x
    torchrun --nproc_per_node=4 -m ulproofs.deep.train --preset imagenet100-resnet50-ce --data-root ~/imagenet
    python -m ulproofs.deep.train --list                            # every preset

What it does (App. C.2): SGD (momentum 0.9, weight decay 5e-4 on every parameter), lr 0.1 with
cosine annealing stepped once per epoch (T_max = epochs), batch 256, random shift (zero padding)
and horizontal flip. The objective of a mini-batch B is

    (1/|B|) sum_{x in B} loss(x) [x ||f(x)||, stopped gradient, with rlr]  +  feature_reg * R(B),
    R(B) = sum_{x in B} ||f(x)||^2   (feature_reg_reduction="sum", the paper's Sec. 4.2 as written)
    R(B) = (1/|B|) sum_{x in B} ||f(x)||^2   ("mean")

so with "sum" the per-example weight of the penalty relative to the averaged loss is
feature_reg * |B| (|B| = 256: lambda = 1e-5 weighs 2.56e-3 per example). |B| is always the global
batch: under DDP each process scales its share so that the averaged gradient is that of the global
batch objective above, and batch norms are synchronised (``sync_bn``), so a run on k processes
follows the single-process run up to floating-point rounding. The last incomplete batch of an epoch
is dropped (the permutation changes every epoch); a set smaller than one batch is one batch.

Devices: CUDA when present (bfloat16 autocast for the network with ``amp``; the head and the losses
in float32, since unhinged logits are unbounded), CPU otherwise. DDP when launched by torchrun
(``WORLD_SIZE`` > 1 in the environment): nccl on CUDA, gloo on CPU; process 0 evaluates, writes and
shows progress.

Randomness: the network is initialised from ``seed``; the data order and the augmentation of epoch
e come from generators seeded by (seed, e) on the CPU, so a resumed run sees the same batches as an
uninterrupted one, and a CPU run the same as a GPU run.

Outputs in ``out_dir`` (default results/train/<preset>-seed<seed>):

* ``metrics.json``: config, seed, git commit, torch version, device, and per epoch: lr, train loss
  (mean per-example loss, times ||f(x)|| with rlr, without the feature penalty), train accuracy
  (augmented batches, training mode), mean train ||f(x)||, test accuracy, test ECE
  (15 equal-width bins, a fraction), test feature-norm statistics, prototype statistics of W
  (Fig. 19 (c)-(e)), ``neural_collapse`` (NC1-NC4 of :mod:`ulproofs.core.collapse` on the training
  set in evaluation mode, prototypes = the head's W or fixed ETF, every ``collapse_every`` epochs),
  seconds; at the end OOD metrics (FPR95, AUROC, AUPR for the softmax, energy and feature-norm
  scores, in-distribution = test set, positive) when ``ood_path`` is set.
* ``checkpoint.pt``: model, optimizer, scheduler, RNG states, epoch and the record so far, written
  every ``checkpoint_every`` epochs (atomically); ``resume=True`` continues from it, so a killed
  run loses at most that many epochs.
* ``predictions.npz``: final test (and OOD) logits, labels and feature norms, for tables and plots.

Divergence: a non-finite loss or a feature norm above ``max_feature_norm`` stops the run before the
offending update; the record gets ``"diverged": {"diverged_at_epoch": k, "step": s, "reason": ...}``
(epochs counted from 1) and ``train`` returns normally.

Data (nothing is downloaded; see :mod:`ulproofs.deep.data` for the exact layouts):
``digits`` (scikit-learn, split 3:1 with ``data_seed``), ``cifar10`` / ``cifar100`` (python batches
under ``data_root``), ``imagenet100`` (``data_root/train/<wnid>/*`` and ``data_root/val/<wnid>/*``, the
first 100 class folders in sorted order, centre-cropped to ``image_size``). ``imbalance_rho`` > 1
makes the training set long-tailed ("exponential") or "step" imbalanced; the test set is unchanged.
Inputs are standardised with the training set's per-channel mean and std (also for the OOD set).

Presets (:data:`PRESETS`, ``--list``): the paper's runs, named dataset-[imbalance]-arch-objective:

* Fig. 2: ``{cifar10-resnet18, cifar100-resnet34, imagenet100-resnet50}-{ce, ul-pal, ul-fnpal,
  ul-fnpal-rlr}``; the starred runs (explicit feature regularisation) ``...-ce-efr1e-05``,
  ``...-ul-pal-efr5e-07`` (the lambdas of Table 3).
* Table 2: ``cifar10-lt{100,50,20,10}-resnet18-ce[-efr{5e-06,1e-05,5e-05}]`` and
  ``...-ul-pal[-efr{1e-07,5e-07,1e-06,5e-06}]`` (rho = 1: the balanced names), likewise
  ``cifar100-lt*-resnet34-*``. Tables 4-5: ``cifar{10,100}-step{100,50,20,10}-*-ce[-efr...]``.
* Tables 3 and 6: the balanced CIFAR presets (``-ce-efr1e-06``, ``-ce-efr5e-06`` too) with
  ``--set ood_path=/path/to/test_32x32.mat`` (SVHN).
* Fig. 19: ``fig19-cifar10-resnet18-ul-plain``: unhinged loss with learnable W and b, the ReLU kept,
  no norm threshold, so the run goes until the loss is NaN.
* CPU: ``digits-{ce, ul-pal, ul-fnpal, ul-fnpal-rlr, ul-plain}``, ``digits-{ce,ul-pal}-efr{lambda}``,
  ``digits-lt10-*``: :func:`~ulproofs.deep.models.resnet_digits` for 40 epochs, about a minute each.

>>> config = preset("digits-ul-pal", epochs=2).resolved()
>>> config.loss, config.arch, config.relu_before_head, config.epochs
('ul-pal', 'resnet_digits', False, 2)
>>> parse_overrides(["lr=0.05", "rlr=true", "ood_path=none"])
{'lr': 0.05, 'rlr': True, 'ood_path': None}
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import numbers
import os
import platform
import random
import sys
import time
import typing
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ..core import threads, validation
from ..core.collapse import neural_collapse
from ..core.errors import AssumptionError, CommandLineParser
from . import data as datasets
from . import evaluation
from .models import ARCHITECTURES, feature_penalty, make_head, per_example_objective, synchronize_batch_norm

DATASETS = ("digits", "cifar10", "cifar100", "imagenet100")
LOSSES = ("ce", "unhinged", "ul-pal", "ul-fnpal")


@dataclass
class TrainConfig:
    """Everything a run depends on; saved with its results. Units in the comments."""

    name: str = "custom"                # preset name; names out_dir
    # data
    dataset: str = "digits"             # one of DATASETS
    data_root: str = "data"             # folder of the CIFAR batches / ImageNet train+val folders
    data_seed: int = 0                  # digits train/test split and the imbalanced subset
    image_size: int = 224               # pixels, imagenet100 only (shorter side resized, centre crop)
    imbalance_rho: float = 1.0          # n_max / n_min of the training set (1 = as is)
    imbalance_profile: str = "exponential"   # "exponential" (long-tailed) or "step"
    ood_path: str | None = None         # SVHN test_32x32.mat for OOD metrics; relative = under data_root
    classes: str | None = None          # train and test on these classes only, e.g. "0,1,2" (relabelled 0..k-1)
    # model
    arch: str = "resnet_digits"         # one of models.ARCHITECTURES
    layout: str | None = None           # "cifar" / "imagenet"; None: imagenet for imagenet100
    width: float = 1.0                  # channel multiplier (resnet_digits: multiplies its 1/4)
    relu_before_head: bool | None = None    # None: False for ul-pal/ul-fnpal (App. C.2), True otherwise
    # objective
    loss: str = "ce"                    # "ce", "unhinged" (learnable W, b), "ul-pal", "ul-fnpal"
    gamma: float | None = None          # unhinged trade-off; None: 1/(C-1)
    etf_scale: float = 1.0              # norm of each fixed prototype (PAL/FNPAL)
    etf_seed: int = 0                   # seed of the simplex-ETF frame
    rlr: bool = False                   # rescaled learning rate: loss x ||f(x)|| (stopped gradient)
    feature_reg: float = 0.0            # lambda of the explicit feature regularisation
    feature_reg_reduction: str = "sum"  # "sum" (paper) or "mean" over the batch, see the module docstring
    # optimisation
    epochs: int = 200                   # length of the cosine schedule
    batch_size: int = 256               # global batch, images
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    shift: int = 4                      # pixels, random translation in {-shift..shift}^2
    flip: bool = True                   # random horizontal flip
    # run
    seed: int = 0
    device: str | None = None           # None: cuda if present, else cpu
    amp: bool = True                    # bfloat16 autocast for the network on CUDA (ignored on CPU)
    dtype: str = "float32"              # parameters and inputs; "float64" for exact CPU comparisons
    sync_bn: bool = True                # global-batch batch norm under DDP
    deterministic: bool = False         # torch.use_deterministic_algorithms, no cudnn autotuning
    eval_batch_size: int = 1024         # images
    ece_bins: int = 15
    max_feature_norm: float = 1e6       # divergence threshold on max ||f(x)|| in a batch
    out_dir: str | None = None          # None: results/train/<name>-seed<seed>
    checkpoint_every: int = 1           # epochs; 0 = only at the end
    resume: bool = False                # continue from out_dir/checkpoint.pt when it exists
    max_epochs: int | None = None       # stop after this epoch (schedule still spans `epochs`)
    progress: bool = True               # tqdm bar (process 0 only)
    collapse_every: int = 1             # epochs between neural-collapse metrics (and the last epoch); 0 = never

    def __post_init__(self):
        _check_field_types(self)
        for field, allowed in (("dataset", DATASETS), ("loss", LOSSES), ("arch", tuple(ARCHITECTURES)),
                               ("imbalance_profile", ("exponential", "step")),
                               ("feature_reg_reduction", ("sum", "mean")), ("layout", (None, "cifar", "imagenet")),
                               ("dtype", ("float32", "float64"))):
            if getattr(self, field) not in allowed:
                raise AssumptionError(f"{field} must be one of {allowed} (got {getattr(self, field)!r})")
        positive = ("epochs", "batch_size", "eval_batch_size", "ece_bins", "image_size")
        for field in positive:
            if getattr(self, field) < 1:
                raise AssumptionError(f"{field} must be a positive integer (got {getattr(self, field)!r})")
        if self.lr <= 0 or self.weight_decay < 0 or not 0 <= self.momentum < 1 or self.feature_reg < 0:
            raise AssumptionError("SGD needs lr > 0, weight_decay >= 0, 0 <= momentum < 1 and feature_reg >= 0 "
                                  f"(got lr={self.lr}, weight_decay={self.weight_decay}, momentum={self.momentum}, "
                                  f"feature_reg={self.feature_reg})")
        if self.collapse_every < 0:
            raise AssumptionError(f"collapse_every must be >= 0 epochs (got {self.collapse_every})")
        if self.shift < 0 or self.checkpoint_every < 0 or not self.max_feature_norm > 0 or not self.width > 0:
            raise AssumptionError(f"shift and checkpoint_every must be >= 0, max_feature_norm and width > 0 (got "
                                  f"shift={self.shift}, checkpoint_every={self.checkpoint_every}, "
                                  f"max_feature_norm={self.max_feature_norm}, width={self.width})")
        if self.imbalance_rho < 1:
            raise AssumptionError(f"the imbalance ratio rho = n_max/n_min must be >= 1 (got {self.imbalance_rho})")
        if self.gamma is not None and self.gamma < 0:
            raise AssumptionError(f"the unhinged loss needs gamma >= 0 (got {self.gamma})")
        if self.max_epochs is not None and self.max_epochs < 1:
            raise AssumptionError(f"max_epochs must be a positive integer or None (got {self.max_epochs!r}): "
                                  "it stops the run after that epoch")
        if (self.device or "").startswith("cuda") and not torch.cuda.is_available():
            raise AssumptionError(f"device {self.device!r}: CUDA is not available on this machine (use cpu)")

    def resolved(self):
        """The choices left to defaults made explicit (layout, ReLU, out_dir)."""
        pal = self.loss in ("ul-pal", "ul-fnpal")
        return dataclasses.replace(
            self,
            layout=self.layout or ("imagenet" if self.dataset == "imagenet100" else "cifar"),
            relu_before_head=(not pal) if self.relu_before_head is None else self.relu_before_head,
            out_dir=self.out_dir or str(default_out_dir(self)))


#: Float fields that may be infinite (max_feature_norm=inf: no divergence threshold); every other float is finite.
INFINITE_ALLOWED = ("max_feature_norm",)


def _check_field_types(config):
    """Each field has its annotated type: ints (an integral float is converted), finite floats (an int is
    converted; NaN refused, inf only for :data:`INFINITE_ALLOWED`), strings, booleans, or None where optional."""
    for name, hint in typing.get_type_hints(TrainConfig).items():
        value = getattr(config, name)
        options = typing.get_args(hint) or (hint,)
        if value is None and type(None) in options:
            continue
        kind = next(t for t in options if t is not type(None))
        if kind is bool:
            if not isinstance(value, (bool, np.bool_)):
                raise AssumptionError(f"{name} must be true or false (got {value!r})")
            value = bool(value)
        elif kind is int:
            value = validation.integer(name, value)
        elif kind is float:
            if isinstance(value, (bool, str)) or not isinstance(value, numbers.Real):
                raise AssumptionError(f"{name} must be a real number (got {value!r})")
            value = float(value)
            if math.isnan(value) or (math.isinf(value) and name not in INFINITE_ALLOWED):
                raise AssumptionError(f"{name} must be finite (got {value!r})")
        elif not isinstance(value, kind):
            raise AssumptionError(f"{name} must be a {kind.__name__} (got {value!r})")
        object.__setattr__(config, name, value)


def default_out_dir(config):
    """``results/train/<preset>[-<hash>]-seed<seed>``: the hash (8 hex digits) names the settings that differ from
    the preset's (overrides such as loss=ce), so that a changed run never writes into the preset's folder.

    >>> default_out_dir(preset("digits-ul-pal")).as_posix()
    'results/train/digits-ul-pal-seed0'
    >>> default_out_dir(preset("digits-ul-pal", loss="ce")).as_posix()
    'results/train/digits-ul-pal-b0474256-seed0'
    """
    base = asdict(TrainConfig(name=config.name, **PRESETS.get(config.name, {})))
    changed = {k: v for k, v in asdict(config).items() if k not in RUN_ONLY_FIELDS and v != base[k]}
    digest = hashlib.sha1(json.dumps(changed, sort_keys=True, default=str).encode()).hexdigest()[:8]
    tag = f"-{digest}" if changed else ""
    return Path("results") / "train" / f"{config.name}{tag}-seed{config.seed}"


#: Fields that do not change a run's results (where it runs, how it reports, where it stops and writes).
RUN_ONLY_FIELDS = ("resume", "max_epochs", "progress", "device", "out_dir", "data_root", "checkpoint_every",
                   "eval_batch_size", "seed")


# ------------------------------------------------------------------------------------------------
# Presets: the paper's runs

def _presets():
    presets = {}
    objectives = {"ce": {"loss": "ce"}, "ul-pal": {"loss": "ul-pal"}, "ul-fnpal": {"loss": "ul-fnpal"},
                  "ul-fnpal-rlr": {"loss": "ul-fnpal", "rlr": True}}
    # Table 2 lambdas (CE / UL); Table 6 adds 1e-6 for CE; Table 3 uses 1e-5 (CE) and 5e-7 (UL)
    lambdas = {"ce": (1e-6, 5e-6, 1e-5, 5e-5), "ul-pal": (1e-7, 5e-7, 1e-6, 5e-6)}
    paper = {"cifar10": ("resnet18", 200), "cifar100": ("resnet34", 200), "imagenet100": ("resnet50", 100)}
    for dataset, (arch, epochs) in paper.items():
        base = {"dataset": dataset, "arch": arch, "epochs": epochs}
        if dataset == "imagenet100":
            base["shift"] = 28   # "random width/height shift": 4/32 of the side, as on CIFAR
        for objective, options in objectives.items():
            presets[f"{dataset}-{arch}-{objective}"] = {**base, **options}
        if dataset == "imagenet100":
            continue
        for objective in ("ce", "ul-pal"):
            for lam in lambdas[objective]:
                presets[f"{dataset}-{arch}-{objective}-efr{lam:.0e}"] = {**base, **objectives[objective],
                                                                          "feature_reg": lam}
            for profile, tag in (("exponential", "lt"), ("step", "step")):
                if profile == "step" and objective != "ce":
                    continue      # Tables 4-5: CE only
                for rho in (100, 50, 20, 10):
                    imbalanced = {**base, **objectives[objective], "imbalance_rho": float(rho),
                                  "imbalance_profile": profile}
                    presets[f"{dataset}-{tag}{rho}-{arch}-{objective}"] = imbalanced
                    for lam in lambdas[objective]:
                        if lam != 1e-6 or objective != "ce":     # 1e-6 is Table 6's (balanced) only
                            presets[f"{dataset}-{tag}{rho}-{arch}-{objective}-efr{lam:.0e}"] = {
                                **imbalanced, "feature_reg": lam}
    presets["fig19-cifar10-resnet18-ul-plain"] = {"dataset": "cifar10", "arch": "resnet18", "epochs": 200,
                                                  "loss": "unhinged", "max_feature_norm": math.inf}
    digits = {"dataset": "digits", "arch": "resnet_digits", "epochs": 40, "batch_size": 64, "shift": 1,
              "flip": False}
    digits_objectives = {**objectives, "ul-plain": {"loss": "unhinged"}}
    for objective, options in digits_objectives.items():
        presets[f"digits-{objective}"] = {**digits, **options}
        presets[f"digits-lt10-{objective}"] = {**digits, **options, "imbalance_rho": 10.0}
    for objective, lams in (("ce", (1e-4, 1e-3)), ("ul-pal", (1e-4, 1e-3))):
        for lam in lams:
            presets[f"digits-{objective}-efr{lam:.0e}"] = {**digits, **objectives[objective], "feature_reg": lam}
            presets[f"digits-lt10-{objective}-efr{lam:.0e}"] = {**digits, **objectives[objective],
                                                                "feature_reg": lam, "imbalance_rho": 10.0}
    return presets


PRESETS = _presets()
DEFAULT_PRESET = "digits-ul-pal"


def preset(name, **overrides):
    """The :class:`TrainConfig` of a named preset with ``overrides`` applied."""
    if name not in PRESETS:
        close = [p for p in PRESETS if name.split("-")[0] in p][:8]
        raise AssumptionError(f"unknown preset {name!r}; e.g. {close or list(PRESETS)[:8]} (--list shows all)")
    return TrainConfig(**{"name": name, **PRESETS[name], **overrides})


def parse_overrides(pairs):
    """``["key=value", ...]`` to typed config overrides (types from :class:`TrainConfig`'s fields;
    "none" for an optional field, "true"/"false" for booleans, "inf" for floats)."""
    hints = typing.get_type_hints(TrainConfig)
    overrides = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in hints:
            raise AssumptionError(f"override {pair!r} must be key=value with key one of {sorted(hints)}")
        overrides[key] = _parse_value(hints[key], text.strip(), key)
    return overrides


def _parse_value(hint, text, key):
    options = typing.get_args(hint) or (hint,)
    if type(None) in options and text.lower() in ("none", "null"):
        return None
    kind = next(t for t in options if t is not type(None))
    if kind is bool:
        if text.lower() in ("true", "1", "yes", "on"):
            return True
        if text.lower() in ("false", "0", "no", "off"):
            return False
        raise AssumptionError(f"{key} is a boolean: true or false (got {text!r})")
    try:
        return kind(text)
    except ValueError as error:
        raise AssumptionError(f"{key} must be {'an integer' if kind is int else 'a ' + kind.__name__} "
                              f"(got {text!r})") from error


# ------------------------------------------------------------------------------------------------
# Data

def load_data(config):
    """(train, test, ood or None) :class:`~ulproofs.deep.data.ImageDataset` of a config."""
    root = Path(config.data_root).expanduser()
    if config.dataset == "digits":
        train = datasets.load_digits_dataset(train=True, seed=config.data_seed)
        test = datasets.load_digits_dataset(train=False, seed=config.data_seed)
    elif config.dataset in ("cifar10", "cifar100"):
        train = datasets.load_cifar(root, config.dataset, train=True)
        test = datasets.load_cifar(root, config.dataset, train=False)
    else:
        train = datasets.load_image_folder(root / "train", first=100, size=config.image_size, name="imagenet100-train")
        test = datasets.load_image_folder(root / "val", classes=train.classes, size=config.image_size,
                                          name="imagenet100-val")
    if config.classes is not None:
        train, test = datasets.restrict_classes(train, config.classes), datasets.restrict_classes(test, config.classes)
    if config.imbalance_rho > 1:
        train = datasets.imbalance(train, config.imbalance_rho, config.imbalance_profile, seed=config.data_seed)
    ood = None if config.ood_path is None else datasets.load_svhn_mat(ood_file(config))
    return train, test, ood


def ood_file(config):
    """The OOD file of a config: ``ood_path``, relative to ``data_root`` unless absolute."""
    path = Path(config.ood_path).expanduser()
    return path if path.is_absolute() else Path(config.data_root).expanduser() / path


def _inputs(images, mean, std, device):
    """uint8 (b, H, W, C) NumPy images -> standardised (b, C, H, W) on ``device``, of ``mean``'s dtype."""
    x = torch.from_numpy(images).to(device, non_blocking=True).permute(0, 3, 1, 2).to(mean.dtype).div_(255.0)
    return (x - mean) / std


def _stream_seed(seed, epoch, stream):
    return (seed * 1_000_003 + epoch) * 4 + stream


# ------------------------------------------------------------------------------------------------
# The run

def _distributed(config):
    """(rank, world size, device), initialising the process group when torchrun launched us."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    wanted = config.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if wanted == "cuda":
        wanted = f"cuda:{local_rank}"
    device = torch.device(wanted)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def _rng_states():
    numpy_state = np.random.get_state()
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": (numpy_state[0], torch.from_numpy(numpy_state[1].astype(np.int64)), *numpy_state[2:]),
            "python": random.getstate()}


def _set_rng_states(states):
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    name, key, *rest = states["numpy"]
    np.random.set_state((name, key.numpy().astype(np.uint32), *rest))
    random.setstate(states["python"])


def _atomic_write(path, write):
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    os.replace(temporary, path)


def _write_json(path, record):
    _atomic_write(path, lambda p: p.write_text(json.dumps(record, indent=1)))


@torch.no_grad()
def _predict(model, images, mean, std, device, config, autocast):
    """(features, logits) float32 on the CPU for uint8 ``images``, in evaluation mode."""
    model.eval()
    features, logits = [], []
    for start in range(0, len(images), config.eval_batch_size):
        x = _inputs(images[start:start + config.eval_batch_size], mean, std, device).contiguous(
            memory_format=torch.channels_last if device.type == "cuda" else torch.contiguous_format)
        with autocast:
            f, z = model(x, return_features=True)
        features.append(f.cpu())
        logits.append(z.cpu())
    return torch.cat(features), torch.cat(logits)


def _neural_collapse(features, logits, labels, head):
    """NC1-NC4 of :mod:`ulproofs.core.collapse` on (evaluation-mode) features; None if any value is non-finite."""
    prototypes = head.prototypes().double().cpu().T.numpy()      # C x p: the linear layer's W or the fixed ETF
    if not (torch.isfinite(features).all() and np.isfinite(prototypes).all()):
        return None
    metrics = neural_collapse(features.double().numpy(), labels, prototypes, logits.argmax(1).numpy())
    return {key: metrics[key] for key in ("nc1", "nc2_equinorm", "nc2_equiangle", "nc3_self_duality",
                                          "nc4_ncc_mismatch")}


def _ood_metrics(test_features, test_logits, ood_features, ood_logits):
    scores = {"softmax": evaluation.softmax_score, "energy": evaluation.energy_score}
    result = {name: evaluation.ood_metrics(score(test_logits), score(ood_logits)) for name, score in scores.items()}
    result["feature_norm"] = evaluation.ood_metrics(evaluation.feature_norm_score(test_features),
                                                    evaluation.feature_norm_score(ood_features))
    return result


def build_model(config, num_classes, in_channels):
    """The network and head of a resolved ``config`` as initialised from ``config.seed`` (before training)."""
    torch.manual_seed(config.seed)
    arch_options = {"in_channels": in_channels, "relu_before_head": config.relu_before_head}
    if config.arch == "resnet_digits":
        arch_options["width"] = 0.25 * config.width
    else:
        arch_options.update(layout=config.layout, width=config.width)
    model = ARCHITECTURES[config.arch](num_classes, **arch_options)
    model.head = make_head(config.loss, model.feature_dim, num_classes, gamma=config.gamma,
                           etf_scale=config.etf_scale, etf_seed=config.etf_seed)
    return model


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training; ``checkpoint`` (None if no epoch was saved) holds the last completed epoch saved."""

    def __init__(self, out_dir, checkpoint, epoch):
        super().__init__(f"interrupted: {checkpoint} holds epoch {epoch}" if checkpoint else "interrupted")
        self.out_dir, self.checkpoint, self.epoch = out_dir, checkpoint, epoch


def train(config, force=False):
    """Run ``config`` (see the module docstring); returns the record written to metrics.json.

    An output folder that already holds a run (metrics.json) is continued only with ``config.resume`` and
    replaced only with ``force``; otherwise FileExistsError. Ctrl-C raises :class:`TrainingInterrupted` naming
    the checkpoint (written atomically, so always a valid one) that ``resume`` continues from."""
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(config.deterministic or previous)
    resolved = config.resolved()
    try:
        return _run(resolved, force)
    except KeyboardInterrupt:
        checkpoint = Path(resolved.out_dir) / "checkpoint.pt"
        epoch = _load_checkpoint(checkpoint)["epoch"] if checkpoint.is_file() else None
        raise TrainingInterrupted(resolved.out_dir, checkpoint if epoch else None, epoch) from None
    finally:
        torch.use_deterministic_algorithms(previous)


def _load_checkpoint(path):
    """The checkpoint dict at ``path``, or one AssumptionError naming the file when it cannot be read."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)   # RNG states stay on the CPU
        if not isinstance(checkpoint, dict) or not {"epoch", "model", "config", "record"} <= set(checkpoint):
            raise ValueError("not a training checkpoint (keys missing)")
    except Exception as error:   # torch raises RuntimeError, EOFError, UnpicklingError, ... for a damaged file
        reason = str(error).strip().splitlines()[0][:120] if str(error).strip() else type(error).__name__
        raise AssumptionError(f"checkpoint {path} cannot be read ({reason}): it is truncated, empty or not a "
                              "checkpoint; move it away to start the run again") from None
    return checkpoint


def _epoch_line(entry, epochs):
    """One line per epoch for the terminal and train.log."""
    parts = [f"epoch {entry['epoch']}/{epochs}", f"lr {entry['lr']:.4g}", f"train loss {entry['train_loss']:.4f}",
             f"train acc {entry['train_accuracy']:.4f}"]
    if "test_accuracy" in entry:
        parts += [f"test acc {entry['test_accuracy']:.4f}", f"test ECE {entry['test_ece']:.4f}"]
    return ", ".join(parts + [f"{entry['seconds']:.1f} s"])


def _run(config, force=False):
    from ..engine.registry import git_commit

    rank, world, device = _distributed(config)
    main_process = rank == 0
    out = Path(config.out_dir)
    if main_process and (out / "metrics.json").exists() and not config.resume and not force:
        raise FileExistsError(f"{out / 'metrics.json'} holds an earlier run: pass --resume to continue it, --force "
                              "to replace it, or --out to write elsewhere")
    validation.writable_folder("out_dir", out)
    log_path = out / "train.log"
    if main_process and not config.resume:
        log_path.write_text("")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = not config.deterministic
    autocast = (torch.autocast("cuda", dtype=torch.bfloat16) if config.amp and device.type == "cuda"
                else contextlib.nullcontext())
    memory_format = torch.channels_last if device.type == "cuda" else torch.contiguous_format   # faster convs

    train_set, test_set, ood_set = load_data(config)
    num_classes = len(train_set.classes)
    mean_np, std_np = train_set.channel_stats()
    dtype = getattr(torch, config.dtype)
    mean = torch.as_tensor(mean_np, dtype=dtype, device=device).view(1, -1, 1, 1)
    std = torch.as_tensor(np.where(std_np > 0, std_np, 1.0), dtype=dtype, device=device).view(1, -1, 1, 1)

    model = build_model(config, num_classes, train_set.images.shape[3])
    if world > 1 and config.sync_bn:
        model = synchronize_batch_norm(model, device.type)
    model = model.to(device, dtype, memory_format=memory_format)
    core = model
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                                weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)

    record = {"preset": config.name, "config": asdict(config), "seed": config.seed, "threads": threads.current(),
              "git_commit": git_commit(),
              "torch": str(torch.__version__), "python": platform.python_version(), "device": str(device),
              "world_size": world, "num_parameters": sum(p.numel() for p in model.parameters()),
              "data": {"train": train_set.name, "test": test_set.name, "train_size": len(train_set),
                       "test_size": len(test_set), "train_class_counts": train_set.class_counts().tolist(),
                       "ood": ood_set.name if ood_set is not None else None},
              "epochs": [], "diverged": None, "finished": False, "ood": None, "resumed_at_epochs": []}
    start_epoch = 0
    checkpoint_path = out / "checkpoint.pt"
    if config.resume and checkpoint_path.exists():
        checkpoint = _load_checkpoint(checkpoint_path)
        ignored = {"resume", "max_epochs", "progress", "device", "out_dir", "data_root", "checkpoint_every",
                   "eval_batch_size"}
        changed = sorted(k for k, v in checkpoint["config"].items() if k not in ignored and asdict(config)[k] != v)
        if changed:
            raise AssumptionError(f"resume needs the checkpoint's config; these differ: {changed}")
        core.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        _set_rng_states(checkpoint["rng"])
        start_epoch = checkpoint["epoch"]
        record = {**checkpoint["record"], "config": record["config"], "git_commit": record["git_commit"],
                  "device": record["device"], "threads": record["threads"]}
        record["resumed_at_epochs"] = [*record["resumed_at_epochs"], start_epoch]
    if world > 1:
        model = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)

    n_train, batch = len(train_set), config.batch_size
    if min(n_train, batch) < world:
        raise AssumptionError(f"each of the {world} processes needs an example of every batch "
                              f"(training set {n_train}, batch {batch})")
    steps_per_epoch = max(1, n_train // batch)
    train_labels = torch.from_numpy(train_set.labels)
    last_epoch = min(config.epochs, config.max_epochs or config.epochs)
    progress = None
    if config.progress and main_process:
        from tqdm.auto import tqdm
        progress = tqdm(total=(last_epoch - start_epoch) * steps_per_epoch, desc=config.name, unit="step",
                        dynamic_ncols=True)

    def save_checkpoint(epoch):
        state = {"epoch": epoch, "model": core.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "rng": _rng_states(), "config": asdict(config),
                 "record": record}
        _atomic_write(checkpoint_path, lambda p: torch.save(state, p))

    test_features = test_logits = None
    for epoch in range(start_epoch + 1, last_epoch + 1):
        started = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        order = torch.randperm(n_train, generator=torch.Generator().manual_seed(_stream_seed(config.seed, epoch, 0)))
        augmentation = torch.Generator().manual_seed(_stream_seed(config.seed, epoch, 1))
        totals = torch.zeros(4, dtype=torch.float64)   # loss sum, correct, feature-norm sum, count
        for step in range(steps_per_epoch):
            indices = order[step * batch:(step + 1) * batch]
            # every process augments the whole global batch with the same generator and keeps its share,
            # so the examples and their augmentations do not depend on the number of processes
            x = datasets.augment(_inputs(train_set.images[indices.numpy()], mean, std, device),
                                 config.shift, config.flip, augmentation)
            low, high = rank * len(indices) // world, (rank + 1) * len(indices) // world
            x = x[low:high].contiguous(memory_format=memory_format)
            y = train_labels[indices[low:high]].to(device, non_blocking=True)
            with autocast:
                features, logits = model(x, return_features=True)
            losses = per_example_objective(core.head, features, logits, y, rlr=config.rlr)
            # DDP averages gradients over processes: these weights make the average the gradient of
            # the global-batch objective, whatever share of the batch each process holds
            loss = losses.sum() * (world / len(indices))
            if config.feature_reg:
                scale = world if config.feature_reg_reduction == "sum" else world / len(indices)
                loss = loss + config.feature_reg * scale * feature_penalty(features).sum()
            with torch.no_grad():
                norms = features.norm(dim=1)
                stats = torch.stack([losses.sum(), (logits.argmax(1) == y).sum(), norms.sum(),
                                     (~torch.isfinite(loss)).sum(), (norms > config.max_feature_norm).sum()]
                                    ).double()
                if world > 1:
                    dist.all_reduce(stats)
                stats = stats.cpu()
            if stats[3] > 0 or stats[4] > 0 or not math.isfinite(stats[2].item()):
                reason = ("non-finite loss" if stats[3] > 0 else "non-finite feature norm" if stats[4] == 0 else
                          f"feature norm above max_feature_norm={config.max_feature_norm:g}")
                record["diverged"] = {"diverged_at_epoch": epoch, "step": (epoch - 1) * steps_per_epoch + step + 1,
                                      "reason": reason}
                break
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            totals += torch.cat([stats[:3], torch.tensor([len(indices)], dtype=torch.float64)])
            if progress is not None:
                progress.update()
                progress.set_postfix(epoch=epoch, loss=f"{totals[0] / totals[3]:.4f}",
                                     acc=f"{totals[1] / totals[3]:.3f}", refresh=False)
        if record["diverged"] is not None:
            break
        scheduler.step()
        entry = {"epoch": epoch, "lr": lr, "train_loss": (totals[0] / totals[3]).item(),
                 "train_accuracy": (totals[1] / totals[3]).item(),
                 "train_feature_norm": (totals[2] / totals[3]).item()}
        if main_process:
            test_features, test_logits = _predict(core, test_set.images, mean, std, device, config, autocast)
            if not (torch.isfinite(test_logits).all() and torch.isfinite(test_features).all()):
                record["diverged"] = {"diverged_at_epoch": epoch, "step": epoch * steps_per_epoch,
                                      "reason": "non-finite test features or logits (evaluation mode)"}
        if world > 1:
            shared = [record["diverged"]]
            dist.broadcast_object_list(shared, src=0)
            record["diverged"] = shared[0]
        if record["diverged"] is not None:
            break
        if main_process:
            entry.update(test_accuracy=evaluation.accuracy(test_logits, test_set.labels),
                         test_ece=evaluation.expected_calibration_error(evaluation.softmax(test_logits),
                                                                        test_set.labels, config.ece_bins),
                         test_feature_norm=evaluation.feature_norm_statistics(test_features),
                         prototypes=evaluation.prototype_statistics(core.head.prototypes().double().cpu()))
            if config.collapse_every and (epoch % config.collapse_every == 0 or epoch == last_epoch):
                train_features, train_logits = _predict(core, train_set.images, mean, std, device, config, autocast)
                entry["neural_collapse"] = _neural_collapse(train_features, train_logits, train_set.labels, core.head)
            if progress is not None:
                progress.set_postfix(epoch=epoch, loss=f"{entry['train_loss']:.4f}",
                                     test_acc=f"{entry['test_accuracy']:.4f}")
        entry["seconds"] = time.perf_counter() - started
        record["epochs"].append(entry)
        if main_process:
            line = _epoch_line(entry, last_epoch)
            with open(log_path, "a") as log:
                log.write(line + "\n")
            if progress is not None:
                progress.write(line)
            if epoch == last_epoch or (config.checkpoint_every and epoch % config.checkpoint_every == 0):
                save_checkpoint(epoch)
            _write_json(out / "metrics.json", record)
    if progress is not None:
        progress.close()

    completed = record["epochs"][-1]["epoch"] if record["epochs"] else 0
    record["finished"] = record["diverged"] is None and completed == config.epochs
    if main_process:
        if record["diverged"] is None and test_logits is not None:
            arrays = {"test_logits": test_logits.numpy(), "test_labels": test_set.labels,
                      "test_feature_norms": test_features.norm(dim=1).numpy()}
            if ood_set is not None:
                ood_features, ood_logits = _predict(core, ood_set.images, mean, std, device, config, autocast)
                record["ood"] = _ood_metrics(test_features, test_logits, ood_features, ood_logits)
                arrays.update(ood_logits=ood_logits.numpy(), ood_feature_norms=ood_features.norm(dim=1).numpy())
            np.savez_compressed(out / "predictions.npz", **arrays)
        _write_json(out / "metrics.json", record)
    if world > 1:
        dist.barrier()
    return record


# ------------------------------------------------------------------------------------------------
# Command line

def _summary(record):
    lines = [f"{record['preset']} (seed {record['seed']}, {record['device']}, world {record['world_size']}): "
             f"{len(record['epochs'])} epochs recorded"]
    if record["epochs"]:
        last = record["epochs"][-1]
        lines.append(f"  epoch {last['epoch']}: train loss {last['train_loss']:.4f}, train acc "
                     f"{last['train_accuracy']:.4f}, test acc {last.get('test_accuracy', float('nan')):.4f}, "
                     f"test ECE {last.get('test_ece', float('nan')):.4f}, "
                     f"train ||f|| {last['train_feature_norm']:.3g}")
    if record["diverged"]:
        lines.append(f"  diverged at epoch {record['diverged']['diverged_at_epoch']}: {record['diverged']['reason']}")
    if record["ood"]:
        for score, metrics in record["ood"].items():
            lines.append(f"  OOD {score}: " + ", ".join(f"{k} {100 * v:.2f}" for k, v in metrics.items()))
    lines.append(f"  written to {Path(record['config']['out_dir']) / 'metrics.json'}")
    return "\n".join(lines)


def _set_keys_help():
    """The --set keys with their types and defaults (for --help)."""
    hints = typing.get_type_hints(TrainConfig)
    lines = []
    for field in dataclasses.fields(TrainConfig):
        kind = " or ".join(getattr(t, "__name__", str(t)).replace("NoneType", "none")
                           for t in (typing.get_args(hints[field.name]) or (hints[field.name],)))
        lines.append(f"  {field.name} ({kind}, default {field.default!r})")
    return "--set keys (a preset may change the defaults; --list shows each preset's):\n" + "\n".join(lines)


def main(argv=None):
    """``python -m ulproofs train [--preset NAME] [--set key=value ...] [--data-root DIR] [--out DIR] [--resume]``."""
    parser = CommandLineParser(prog="python -m ulproofs train", formatter_class=argparse.RawDescriptionHelpFormatter,
                               description="Train a network of Section 4 / Appendix C (see ulproofs.deep.train).",
                               epilog=_set_keys_help())
    parser.add_argument("--preset", default=DEFAULT_PRESET,
                        help=f"a preset name (default {DEFAULT_PRESET}; --list shows all {len(PRESETS)})")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a TrainConfig field (repeatable), e.g. --set seed=1 --set epochs=10")
    parser.add_argument("--data-root", help="folder of the data sets (default: data)")
    parser.add_argument("--out", help="output folder (default: results/train/<preset>[-<hash of overrides>]-seed<N>)")
    parser.add_argument("--resume", action="store_true", help="continue from the output folder's checkpoint")
    parser.add_argument("--fresh", action="store_true", help="with --resume: start afresh when there is no checkpoint")
    parser.add_argument("--force", action="store_true", help="replace a run already in the output folder")
    parser.add_argument("--threads", help="torch threads (default: $ULPROOFS_THREADS, else "
                                          f"{threads.DEFAULTS['training']}); recorded in metrics.json")
    parser.add_argument("--list", action="store_true", help="list the presets and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, options in PRESETS.items():
            print(f"{name:45s} " + " ".join(f"{k}={v}" for k, v in options.items()))
        return 0
    try:
        threads.apply_thread_policy(args.threads, "training")
        overrides = parse_overrides(args.set)
        if args.data_root:
            overrides["data_root"] = args.data_root
        if args.out:
            overrides["out_dir"] = args.out
        if args.resume:
            overrides["resume"] = True
        config = preset(args.preset, **overrides)
        checkpoint = Path(config.resolved().out_dir) / "checkpoint.pt"
        if args.resume and not checkpoint.is_file() and not args.fresh:
            raise AssumptionError(f"--resume: there is no checkpoint at {checkpoint}; pass --fresh as well to start "
                                  "a new run there")
        record = train(config, force=args.force)
    except TrainingInterrupted as stop:
        again = " ".join(["python -m ulproofs train", *(argv if argv is not None else sys.argv[1:])])
        again += "" if args.resume else " --resume"
        saved = f"{stop.checkpoint} holds epoch {stop.epoch}" if stop.checkpoint else "no epoch was saved yet"
        print(f"\ninterrupted: {saved}; continue with: {again}", file=sys.stderr)
        return 130
    except (AssumptionError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read or write {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", "0")) == 0:
        print(_summary(record))
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
