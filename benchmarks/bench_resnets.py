"""Training throughput of the ResNets of ulproofs.deep.models, and the epoch time it implies per paper preset.

Usage::

    python benchmarks/bench_resnets.py [--out results/bench_resnets.json] [--iterations 3] [--threads N]

Measures images/s of one training step (forward, backward, SGD step with momentum and weight decay,
cross-entropy, float32) on random data:

* CPU: ResNet-18/34/50 in the CIFAR layout at 32x32, batch 32; ResNet-50 in the ImageNet layout at
  224x224, batch 8; the digits preset network at 8x8, batch 64. One warm-up step, then the median of
  ``--iterations`` (2) timed steps.
* CUDA (when present): the same networks at batch 256 with bfloat16 autocast and channels-last, as
  ``ulproofs.deep.train`` runs them, 5 warm-up and 20 timed steps.

The epoch-time estimate of a preset is (training images) / (measured images/s of its network and
input size) on each device: 50,000 CIFAR images (fewer for the long-tailed and step presets, from
``ulproofs.deep.data.imbalanced_counts``), 126,689 ImageNet-100 training images (the first 100 ImageNet-1k
classes hold about 1,267 images each; assumed, the exact count depends on the copy), 1,347 digits. It
leaves out the evaluation pass (forward only on 10,000 / 5,000 / 450 test images, roughly a tenth of
an epoch) and data loading. Presets that differ only in the loss share a network and so an estimate.

Writes JSON (versions, device, threads, git commit, measurements, estimates) to ``--out`` and prints a table.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ulproofs.core import threads  # noqa: E402
from ulproofs.deep.data import imbalanced_counts  # noqa: E402
from ulproofs.deep.models import ARCHITECTURES  # noqa: E402
from ulproofs.deep.train import PRESETS, preset  # noqa: E402
from ulproofs.engine.registry import git_commit  # noqa: E402

TRAIN_IMAGES = {"cifar10": (10, 5000), "cifar100": (100, 500), "imagenet100": (100, 1267)}
DIGITS_TRAIN_IMAGES = 1347
# (arch, layout, image side, channels, classes) -> CPU batch
CPU_CASES = [("resnet18", "cifar", 32, 3, 10, 32), ("resnet34", "cifar", 32, 3, 100, 32),
             ("resnet50", "cifar", 32, 3, 100, 32), ("resnet50", "imagenet", 224, 3, 100, 8),
             ("resnet_digits", "cifar", 8, 1, 10, 64)]
GPU_BATCH = 256


def step_time(arch, layout, side, channels, classes, batch, device, iterations, warmup):
    """Median seconds of one training step."""
    torch.manual_seed(0)
    options = {"in_channels": channels} if arch == "resnet_digits" else {"layout": layout, "in_channels": channels}
    model = ARCHITECTURES[arch](classes, **options).to(device)
    cuda = device.type == "cuda"
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(batch, channels, side, side, device=device)
    if cuda:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, classes, (batch,), device=device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda else contextlib.nullcontext()
    times = []
    for i in range(warmup + iterations):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        with autocast:
            loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if cuda:
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def training_images(config):
    if config.dataset == "digits":
        return DIGITS_TRAIN_IMAGES
    classes, per_class = TRAIN_IMAGES[config.dataset]
    if config.imbalance_rho > 1:
        return sum(imbalanced_counts(per_class, classes, config.imbalance_rho, config.imbalance_profile))
    return classes * per_class


def network_key(config):
    config = config.resolved()
    side = {"digits": 8, "imagenet100": config.image_size}.get(config.dataset, 32)
    return config.arch, config.layout if config.arch != "resnet_digits" else "cifar", side


def estimates(throughput):
    """Epoch seconds per group of presets sharing network, input size and training-set size."""
    groups = {}
    for name in PRESETS:
        config = preset(name)
        key = (*network_key(config), training_images(config), config.epochs)
        groups.setdefault(key, []).append(name)
    rows = []
    for (arch, layout, side, images, epochs), names in groups.items():
        row = {"arch": arch, "layout": layout, "input": side, "train_images": images, "epochs": epochs,
               "presets": names}
        for device, measured in throughput.items():
            rate = measured.get(f"{arch}/{layout}/{side}")
            if rate:
                row[f"{device}_epoch_s"] = images / rate
                row[f"{device}_run_h"] = images / rate * epochs / 3600
        rows.append(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="results/bench_resnets.json")
    parser.add_argument("--iterations", type=int, default=2, help="timed CPU steps per network")
    parser.add_argument("--threads", default=None,
                        help="torch CPU threads (default: the training thread policy, $ULPROOFS_THREADS or "
                             f"{threads.DEFAULTS['training']}, as `ulproofs train` runs)")
    args = parser.parse_args(argv)
    threads.apply_thread_policy(args.threads, "training")
    started = time.perf_counter()
    measurements, throughput = [], {"cpu": {}}
    devices = [("cpu", torch.device("cpu"), args.iterations, 1)]
    if torch.cuda.is_available():
        devices.append(("cuda", torch.device("cuda"), 20, 5))
        throughput["cuda"] = {}
    for label, device, iterations, warmup in devices:
        for arch, layout, side, channels, classes, cpu_batch in CPU_CASES:
            batch = cpu_batch if label == "cpu" else GPU_BATCH
            seconds = step_time(arch, layout, side, channels, classes, batch, device, iterations, warmup)
            rate = batch / seconds
            throughput[label][f"{arch}/{layout}/{side}"] = rate
            measurements.append({"device": label, "arch": arch, "layout": layout, "input": side, "batch": batch,
                                 "step_s": seconds, "images_per_s": rate})
            print(f"{label:4s} {arch:13s} {layout:8s} {side:3d}px batch {batch:3d}: "
                  f"{seconds * 1e3:9.1f} ms/step {rate:9.1f} images/s", flush=True)
    rows = estimates(throughput)
    print("\nepoch-time estimates (training pass only):")
    for row in rows:
        times = "  ".join(f"{d}: {row[f'{d}_epoch_s']:8.1f} s/epoch ({row[f'{d}_run_h']:.2f} h)"
                          for d in throughput if f"{d}_epoch_s" in row)
        label = row["presets"][0] + (f" (+{len(row['presets']) - 1} more)" if len(row["presets"]) > 1 else "")
        print(f"  {label:48s} {row['train_images']:7d} images x {row['epochs']:3d} epochs  {times}")
    record = {
        "benchmark": "bench_resnets", "git_commit": git_commit(), "python": platform.python_version(),
        "versions": {"torch": str(torch.__version__), "numpy": np.__version__},
        "cpu": {"processor": platform.processor() or platform.machine(), "torch_threads": threads.current()},
        "threads": threads.current(),
        "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "assumptions": {"imagenet100_train_images": 100 * 1267, "cifar_train_images": 50000,
                        "digits_train_images": DIGITS_TRAIN_IMAGES, "excluded": "evaluation pass and data loading",
                        "cpu_dtype": "float32", "cuda_dtype": "bfloat16 autocast, channels-last"},
        "measurements": measurements, "estimates": rows, "seconds": time.perf_counter() - started,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1))
    print(f"\nwritten to {out} ({record['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
