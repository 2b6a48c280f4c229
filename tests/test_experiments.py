"""Reproduction commands (ulproofs.deep.experiments): table builders on fake runs, dry runs, a smoke run, errors."""
import json
import math

import numpy as np
import pytest
import torch

from ulproofs.core.errors import AssumptionError
from ulproofs.deep.data import ImageDataset, write_cifar_batches, write_svhn_mat
from ulproofs.deep.experiments import (
    ARTEFACTS,
    PAPER,
    build_table,
    cell_value,
    curve_data,
    main,
    plot_curves,
    reproduce,
    run_directory,
)
from ulproofs.deep.train import PRESETS


def fake_record(accuracy, ood=None, diverged_at=None, epochs=3):
    entries = [{"epoch": e, "test_accuracy": accuracy * e / epochs, "train_accuracy": 0.5,
                "train_feature_norm": 10.0 ** e,
                "prototypes": {"norm_ratio": 1.0 + e, "min_norm": 1.0, "max_norm": 1.0 + e, "min_angle_degrees": 90}}
               for e in range(1, epochs + 1)]
    diverged = {"diverged_at_epoch": diverged_at, "step": 1, "reason": "non-finite loss"} if diverged_at else None
    return {"epochs": entries, "diverged": diverged, "finished": diverged is None, "ood": ood}


def fake_ood(value):
    return {score: {"fpr95": value, "auroc": 1 - value, "aupr": 0.5} for score in ("softmax", "energy", "feature_norm")}


def test_every_artefact_uses_existing_presets_and_every_paper_number():
    for name, make in ARTEFACTS.items():
        artefact = make()
        assert set(artefact.presets()) <= set(PRESETS), name
    table2 = ARTEFACTS["table2"]()
    assert len(table2.cells) == 2 * 9 * 5
    assert {c.paper for c in table2.cells} >= {67.81, 95.28, 77.20, 75.51}
    assert len(ARTEFACTS["table4"]().cells) == len(ARTEFACTS["table5"]().cells) == 4 * 8
    assert len(ARTEFACTS["table6"]().cells) == 2 * 4 * 3 * 3
    cell = next(c for c in ARTEFACTS["table2"]().cells if c.row == "UL (λ=5e-7)" and c.column == "ρ=50"
                and "cifar100" in c.preset)
    assert (cell.preset, cell.paper) == ("cifar100-lt50-resnet34-ul-pal-efr5e-07", 47.58)
    step = next(c for c in ARTEFACTS["table5"]().cells if c.row == "λ=1e-5" and c.column == "step ρ=20")
    assert (step.preset, step.paper) == ("cifar100-step20-resnet34-ce-efr1e-05", 49.64)
    assert PAPER["fig19"]["nan_epoch"] == 22


def test_accuracy_table_from_fake_runs():
    artefact = ARTEFACTS["table2"]()
    results = {"cifar10-lt100-resnet18-ce": [fake_record(0.70), fake_record(0.72)],
               "cifar10-resnet18-ul-pal": [fake_record(0.95)],
               "cifar10-lt10-resnet18-ul-pal": [fake_record(0.9, diverged_at=4)]}
    table = build_table(artefact, results)
    cells = {(c["preset"], c["column"]): c for c in table["json"]}
    first = cells[("cifar10-lt100-resnet18-ce", "ρ=100")]
    assert first["measured"]["n"] == 2 and math.isclose(first["measured"]["mean"], 71.0)
    assert first["text"] == "71.00 ± 1.41" and first["paper"] == 67.81
    assert cells[("cifar10-resnet18-ul-pal", "ρ=1")]["text"] == "95.00"
    assert cells[("cifar10-lt10-resnet18-ul-pal", "ρ=10")]["text"] == "diverged"
    assert cells[("cifar10-lt50-resnet18-ce", "ρ=50")]["text"] == "—"
    markdown = table["markdown"]
    assert "| Vanilla CE | 71.00 ± 1.41 | — |" in markdown
    assert "| *Vanilla CE (paper)* | *67.81* | *72.93* | *83.97* | *88.37* | *95.28* |" in markdown
    assert "Long-tailed CIFAR-100" in markdown


def test_ood_table_joins_the_three_scores():
    table = build_table(ARTEFACTS["table3"](), {"cifar10-resnet18-ce": [fake_record(0.9, ood=fake_ood(0.25))]})
    markdown = table["markdown"]
    assert "| CIFAR-10 (softmax / energy / feature_norm) | FPR95 ↓ | AUROC ↑ | AUPR ↑ |" in markdown
    assert "| CE | 25.00 / 25.00 / 25.00 | 75.00 / 75.00 / 75.00 | 50.00 / 50.00 / 50.00 |" in markdown
    assert "| *CE (paper)* | *52.09 / 43.04 / 52.1* | *91.67 / 91.94 / 89.54* | *84.11 / 82.8 / 77.06* |" in markdown
    assert cell_value(fake_record(0.9), "ood.energy.fpr95") is None


def test_fig19_curves_and_plot(tmp_path):
    artefact = ARTEFACTS["fig19"]()
    results = {"fig19-cifar10-resnet18-ul-plain": [fake_record(0.3, diverged_at=3, epochs=2)]}
    table = build_table(artefact, results)
    assert table["json"][0]["measured"]["values"] == [3] and table["json"][0]["paper"] == 22
    stable = build_table(artefact, {"fig19-cifar10-resnet18-ul-plain": [fake_record(0.3)]})
    assert stable["json"][0]["text"] == "no NaN in 1 run(s)"
    curves = curve_data(artefact, results)
    curve = curves["CIFAR-10"]["plain UL"]
    assert curve["epoch"] == [1, 2] and curve["train_feature_norm"] == [10.0, 100.0]
    assert curve["diverged_at_epoch"] == [3]
    assert plot_curves(artefact, curves, tmp_path / "fig19.png").stat().st_size > 0


def test_dry_run_lists_runs_and_sees_finished_ones(tmp_path, capsys):
    out = tmp_path / "out"
    listing = reproduce("table3", data_root=tmp_path, out=out, seeds=(0, 1), dry_run=True, log=print)
    assert len(listing["runs"]) == 16 and {r["status"] for r in listing["runs"]} == {"todo"}
    done = run_directory(out, "cifar10-resnet18-ce", 1)
    done.mkdir(parents=True)
    (done / "metrics.json").write_text(json.dumps(fake_record(0.9, ood=fake_ood(0.2))))
    assert main(["reproduce", "table3", "--data-root", str(tmp_path), "--out", str(out), "--seeds", "0", "1",
                 "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert f"done     cifar10-resnet18-ce seed 1 -> {done}" in printed and "15 of 16 runs to do" in printed
    assert not (out / "table3.md").exists()


def test_missing_data_gives_the_loaders_error(tmp_path, capsys):
    code = main(["reproduce", "table4", "--data-root", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"),
                 "--epochs", "1", "--set", "progress=false"])
    assert code == 2
    assert "cifar-10-batches-py" in capsys.readouterr().err
    with pytest.raises(AssumptionError, match="unknown artefact"):
        reproduce("table7", dry_run=True)


def tiny_dataset(n, seed, classes=10):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    return ImageDataset(images, labels, [f"class{c}" for c in range(classes)], "tiny")


def test_table3_smoke_run_on_tiny_files_and_resume(tmp_path):
    write_cifar_batches(tmp_path, tiny_dataset(40, 0), tiny_dataset(20, 1), name="cifar10")
    write_cifar_batches(tmp_path, tiny_dataset(100, 2, 100), tiny_dataset(100, 3, 100), name="cifar100")
    write_svhn_mat(tmp_path / "svhn" / "test_32x32.mat", tiny_dataset(12, 4))
    out = tmp_path / "out"
    overrides = {"arch": "resnet_digits", "batch_size": 20, "progress": False, "eval_batch_size": 128}
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        record = reproduce("table3", data_root=tmp_path, out=out, epochs=1, overrides=overrides, log=lambda _: None)
        logged = []
        again = reproduce("table3", data_root=tmp_path, out=out, epochs=1, overrides=overrides, log=logged.append,
                          force=True)
    finally:
        torch.set_num_threads(saved)
    assert {r["status"] for r in record["runs"]} == {"done"} and len(record["runs"]) == 8
    assert all(c["measured"]["n"] == 1 and 0 <= c["measured"]["mean"] <= 100 for c in record["cells"])
    assert sum("done, skipped" in line for line in logged) == 8
    assert again["cells"] == record["cells"]
    assert "*CE + EFL (paper)*" in (out / "table3.md").read_text()
    written = json.loads((out / "table3.json").read_text())
    assert written["epochs_override"] == 1 and written["ood_path"].endswith("test_32x32.mat")


def test_fig2_curves_average_seeds_and_plot(tmp_path):
    artefact = ARTEFACTS["fig2"]()
    results = {"cifar10-resnet18-ce": [fake_record(0.9, epochs=12), fake_record(0.7, epochs=12)],
               "cifar100-resnet34-ul-fnpal-rlr": [fake_record(0.6, epochs=12)]}
    curves = curve_data(artefact, results)
    assert sorted(curves) == ["CIFAR-10", "CIFAR-100"]
    assert math.isclose(curves["CIFAR-10"]["CE"]["test_accuracy"][-1], 0.8)
    assert plot_curves(artefact, curves, tmp_path / "fig2.png").stat().st_size > 0
    assert "imagenet100-resnet50-ce-efr1e-05" not in artefact.presets()     # no such preset: skipped


def test_relative_data_root_finds_the_svhn_file(tmp_path, monkeypatch):
    """--data-root data (relative, the default): the OOD file is data/svhn/test_32x32.mat, not data/data/svhn/..."""
    from ulproofs.deep.experiments import _ood_file, plan_runs, run_config
    from ulproofs.deep.train import ood_file

    monkeypatch.chdir(tmp_path)
    write_svhn_mat(tmp_path / "data" / "svhn" / "test_32x32.mat", tiny_dataset(12, 4))
    run = plan_runs(ARTEFACTS["table3"](), "out", (0,))[0]
    config = run_config(run, "data", ood_path=_ood_file("data", "svhn/test_32x32.mat"))
    assert ood_file(config) == tmp_path / "data" / "svhn" / "test_32x32.mat" and ood_file(config).is_file()


def test_unknown_or_empty_dataset_selection_is_refused(tmp_path):
    with pytest.raises(AssumptionError, match="unknown data set 'mnist'.*known: digits, cifar10"):
        reproduce("fig2", out=tmp_path, datasets=["mnist"], dry_run=True)
    with pytest.raises(AssumptionError, match="no runs on digits"):
        reproduce("fig2", out=tmp_path, datasets=["digits"], dry_run=True)
