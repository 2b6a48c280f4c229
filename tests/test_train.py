"""The training loop of ulproofs.deep.train on tiny files in the exact CIFAR and SVHN formats (CPU, seconds)."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ulproofs.core.errors import AssumptionError
from ulproofs.core.precision import float_tolerance
from ulproofs.deep.data import ImageDataset, write_cifar_batches, write_svhn_mat
from ulproofs.deep.train import PRESETS, TrainConfig, main, parse_overrides, preset, train

REPOSITORY = Path(__file__).resolve().parents[1]


def tiny_dataset(n, seed, classes=10):
    """Random 32x32 RGB images whose red channel carries the class, so a step can learn something."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    images[..., 0] = (images[..., 0] // 4 + (200 // classes) * labels[:, None, None]).astype(np.uint8)
    return ImageDataset(images, labels, [f"class{c}" for c in range(classes)], "tiny")


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_cifar_batches(root, tiny_dataset(48, 0), tiny_dataset(20, 1), name="cifar10")
    write_cifar_batches(root, tiny_dataset(200, 2, 100), tiny_dataset(100, 3, 100), name="cifar100")
    write_svhn_mat(root / "svhn" / "test_32x32.mat", tiny_dataset(12, 4))
    return root


@pytest.fixture(autouse=True)
def one_thread():
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def tiny_config(data_root, out, **options):
    settings = {"dataset": "cifar10", "data_root": str(data_root), "arch": "resnet_digits", "epochs": 1,
                "batch_size": 16, "out_dir": str(out), "progress": False, **options}
    return TrainConfig(**settings)


def model_state(out):
    return torch.load(Path(out) / "checkpoint.pt", weights_only=True)["model"]


def without_timing(epochs):
    return [{k: v for k, v in entry.items() if k != "seconds"} for entry in epochs]


def test_presets_cover_the_papers_runs():
    expected = ["cifar10-resnet18-ce", "cifar10-resnet18-ul-pal", "cifar10-resnet18-ul-fnpal",
                "cifar10-resnet18-ul-fnpal-rlr", "cifar10-resnet18-ce-efr1e-05", "cifar10-resnet18-ul-pal-efr5e-07",
                "cifar100-resnet34-ul-pal", "imagenet100-resnet50-ce", "imagenet100-resnet50-ul-fnpal-rlr",
                "fig19-cifar10-resnet18-ul-plain", "cifar10-lt100-resnet18-ce-efr5e-05",
                "cifar100-lt10-resnet34-ul-pal-efr1e-07", "cifar10-step50-resnet18-ce-efr1e-05",
                "cifar10-resnet18-ce-efr1e-06", "digits-ce", "digits-ul-pal", "digits-ul-fnpal-rlr", "digits-ul-plain"]
    assert set(expected) <= set(PRESETS)
    configs = {name: preset(name).resolved() for name in PRESETS}    # every preset is a valid config
    assert configs["cifar10-resnet18-ul-pal"].relu_before_head is False
    assert configs["cifar10-resnet18-ce"].relu_before_head is True
    assert configs["imagenet100-resnet50-ce"].layout == "imagenet" and configs["imagenet100-resnet50-ce"].epochs == 100
    assert configs["cifar10-lt100-resnet18-ce"].imbalance_rho == 100
    assert configs["cifar10-step10-resnet18-ce"].imbalance_profile == "step"
    assert configs["fig19-cifar10-resnet18-ul-plain"].loss == "unhinged"
    paper = configs["cifar100-resnet34-ce"]
    assert (paper.epochs, paper.batch_size, paper.lr, paper.momentum, paper.weight_decay) == (200, 256, 0.1, 0.9, 5e-4)


def test_overrides_and_bad_settings():
    assert parse_overrides(["epochs=3", "gamma=none", "max_feature_norm=inf", "flip=false", "loss=ce"]) == {
        "epochs": 3, "gamma": None, "max_feature_norm": float("inf"), "flip": False, "loss": "ce"}
    with pytest.raises(AssumptionError, match="key=value"):
        parse_overrides(["learning_rate=0.1"])
    with pytest.raises(AssumptionError, match="must be an integer"):
        parse_overrides(["epochs=ten"])
    with pytest.raises(AssumptionError, match="loss must be one of"):
        TrainConfig(loss="hinge")
    with pytest.raises(AssumptionError, match="unknown preset"):
        preset("cifar10-resnet19-ce")
    assert main(["--preset", "no-such-preset"]) == 2


def test_one_step_on_cifar_files_with_svhn_ood(data_root, tmp_path):
    config = tiny_config(data_root, tmp_path, arch="resnet18", width=0.125, batch_size=48,
                         ood_path="svhn/test_32x32.mat")
    record = train(config)
    assert record == json.loads((tmp_path / "metrics.json").read_text())
    assert record["finished"] and record["diverged"] is None
    assert record["seed"] == 0 and record["git_commit"] and record["torch"] == str(torch.__version__)
    assert record["config"]["arch"] == "resnet18" and record["config"]["relu_before_head"] is True
    assert record["data"]["train_size"] == 48 and record["data"]["test_size"] == 20
    (epoch,) = record["epochs"]
    assert set(epoch) >= {"epoch", "lr", "train_loss", "train_accuracy", "train_feature_norm", "test_accuracy",
                          "test_ece", "test_feature_norm", "prototypes", "seconds"}
    assert epoch["lr"] == 0.1 and 0 <= epoch["test_ece"] <= 1
    assert set(epoch["prototypes"]) == {"norm_ratio", "min_norm", "max_norm", "min_angle_degrees"}
    assert set(record["ood"]) == {"softmax", "energy", "feature_norm"}
    assert all(0 <= value <= 1 for metrics in record["ood"].values() for value in metrics.values())
    predictions = np.load(tmp_path / "predictions.npz")
    assert predictions["test_logits"].shape == (20, 10) and predictions["ood_feature_norms"].shape == (12,)
    checkpoint = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert checkpoint["epoch"] == 1 and {"model", "optimizer", "scheduler", "rng", "record"} <= set(checkpoint)


def test_cifar100_fnpal_with_rlr_and_feature_regularisation(data_root, tmp_path):
    record = train(tiny_config(data_root, tmp_path, dataset="cifar100", loss="ul-fnpal", rlr=True,
                               feature_reg=1e-4, batch_size=64, etf_scale=2.0))
    assert record["finished"] and record["config"]["relu_before_head"] is False
    prototypes = record["epochs"][0]["prototypes"]      # the fixed simplex ETF: equal norms, arccos(-1/99)
    assert prototypes["norm_ratio"] == pytest.approx(1, abs=1e-5)
    assert prototypes["min_norm"] == pytest.approx(2.0, rel=1e-5)
    assert prototypes["min_angle_degrees"] == pytest.approx(np.degrees(np.arccos(-1 / 99)), abs=1e-3)
    with pytest.raises(AssumptionError, match="p >= C-1"):    # width 1/8 ResNet-18: p = 64 < 99
        train(tiny_config(data_root, tmp_path / "narrow", dataset="cifar100", loss="ul-pal", arch="resnet18",
                          width=0.125))


def test_imbalance_changes_the_training_set_only(data_root, tmp_path):
    record = train(tiny_config(data_root, tmp_path, imbalance_rho=2.0, imbalance_profile="step"))
    counts = record["data"]["train_class_counts"]
    assert counts == [4] * 5 + [2] * 5 and record["data"]["test_size"] == 20


def test_resume_continues_exactly_where_the_run_stopped(data_root, tmp_path):
    options = {"epochs": 2, "loss": "ul-pal", "feature_reg": 1e-4}
    whole = train(tiny_config(data_root, tmp_path / "whole", **options))
    first = train(tiny_config(data_root, tmp_path / "split", max_epochs=1, **options))
    assert len(first["epochs"]) == 1 and not first["finished"]
    resumed = train(tiny_config(data_root, tmp_path / "split", resume=True, **options))
    assert resumed["finished"] and resumed["resumed_at_epochs"] == [1]
    assert without_timing(resumed["epochs"]) == without_timing(whole["epochs"])
    split_state, whole_state = model_state(tmp_path / "split"), model_state(tmp_path / "whole")
    assert all(torch.equal(split_state[k], whole_state[k]) for k in whole_state)
    with pytest.raises(AssumptionError, match="these differ: \\['lr'\\]"):
        train(tiny_config(data_root, tmp_path / "split", resume=True, lr=0.05, **options))


def test_nan_loss_stops_the_run_cleanly(data_root, tmp_path):
    record = train(tiny_config(data_root, tmp_path, loss="unhinged", lr=1e20, epochs=3,
                               max_feature_norm=float("inf")))
    assert record["diverged"] == {"diverged_at_epoch": 1, "step": 2, "reason": "non-finite loss"}
    assert not record["finished"] and record["epochs"] == []
    assert json.loads((tmp_path / "metrics.json").read_text())["diverged"]["diverged_at_epoch"] == 1


def test_exploding_feature_norm_is_reported_with_its_epoch(data_root, tmp_path):
    record = train(tiny_config(data_root, tmp_path, loss="unhinged", lr=10.0, epochs=6, max_feature_norm=1e3))
    assert record["diverged"]["diverged_at_epoch"] == 3
    assert record["diverged"]["reason"].startswith("feature norm above max_feature_norm=1000")
    assert [e["epoch"] for e in record["epochs"]] == [1, 2]
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["epoch"] == 2


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process(data_root, tmp_path):
    # 15 images per global batch: the two processes hold unequal shares (7 and 8), the feature
    # penalty is summed over the batch and the batch norms are synchronised. float64, because in
    # float32 a ReLU input within rounding of 0 can flip and move a gradient entry by far more
    # than the rounding (seen here: one of 376,832 entries, 1e-3 of a bias gradient)
    settings = ["dataset=cifar10", "epochs=2", "batch_size=15", "feature_reg=1e-3", "progress=false",
                "loss=ul-pal", "dtype=float64"]
    arguments = ["--preset", "digits-ce", "--data-root", str(data_root)]
    for setting in settings:
        arguments += ["--set", setting]
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPOSITORY)}
    # the port free_port() found can be taken by another process before torchrun binds it: a second
    # attempt gets a fresh port (the comparison below is as strict either way)
    for attempt in range(2):
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
                   "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", "ulproofs.deep.train",
                   *arguments, "--out", str(tmp_path / f"ddp{attempt}")]
        finished = subprocess.run(command, cwd=REPOSITORY, env=environment, capture_output=True, text=True,
                                  timeout=300)
        if finished.returncode == 0:
            break
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert main([*arguments, "--out", str(tmp_path / "single")]) == 0
    ddp = json.loads((tmp_path / f"ddp{attempt}" / "metrics.json").read_text())
    single = json.loads((tmp_path / "single" / "metrics.json").read_text())
    assert ddp["world_size"] == 2 and single["world_size"] == 1
    tolerance = float_tolerance("float64", operations=1000)   # six SGD steps through a ResNet, summed differently
    for a, b in zip(ddp["epochs"], single["epochs"]):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=tolerance)
        assert a["test_accuracy"] == b["test_accuracy"]
    a, b = model_state(tmp_path / f"ddp{attempt}"), model_state(tmp_path / "single")
    flat = [(a[k].flatten(), b[k].flatten()) for k in b if b[k].is_floating_point()]
    difference = torch.cat([x - y for x, y in flat]).norm() / torch.cat([y for _, y in flat]).norm()
    assert difference < tolerance
