"""Training runs on scikit-learn's digits: seeded runs repeat bit for bit at a given thread count; nothing is
overwritten silently; --resume without a checkpoint stops; Ctrl-C leaves a checkpoint and prints how to resume;
one line per epoch on the terminal and in train.log."""
import json
from pathlib import Path

import pytest

from ulproofs.core import threads
from ulproofs.deep import evaluation
from ulproofs.deep.train import TrainingInterrupted, default_out_dir, main, preset, train


def tiny(out, **options):
    return preset("digits-ul-pal", epochs=2, width=0.5, progress=False, out_dir=str(out), **options)


def without_timing(record):
    return [{k: v for k, v in entry.items() if k != "seconds"} for entry in record["epochs"]]


@pytest.fixture(autouse=True)
def one_thread():
    with threads.thread_policy(1):
        yield


def test_seeded_run_repeats_exactly_at_one_thread(tmp_path):
    first = train(tiny(tmp_path / "a"))
    second = train(tiny(tmp_path / "b"))
    assert first["threads"] == second["threads"] == 1
    assert without_timing(first) == without_timing(second)          # every metric, bit for bit
    written = json.loads((tmp_path / "a" / "metrics.json").read_text())
    assert written["threads"] == 1 and written["finished"]


def test_finished_run_is_not_overwritten_without_force(tmp_path):
    train(tiny(tmp_path, max_epochs=1))
    with pytest.raises(FileExistsError, match="--resume to continue it, --force to replace it"):
        train(tiny(tmp_path))
    record = train(tiny(tmp_path), force=True)
    assert record["finished"] and record["resumed_at_epochs"] == []


def test_epoch_lines_and_log_file(tmp_path, capsys):
    assert main(["--preset", "digits-ul-pal", "--set", "epochs=2", "--set", "width=0.5", "--out", str(tmp_path)]) == 0
    log = (tmp_path / "train.log").read_text().splitlines()
    assert [line.split(",")[0] for line in log] == ["epoch 1/2", "epoch 2/2"]
    assert "test acc" in log[0] and log[0] in capsys.readouterr().out


def test_resume_without_checkpoint_stops_unless_fresh(tmp_path, capsys):
    argv = ["--set", "epochs=1", "--set", "width=0.5", "--set", "progress=false", "--out", str(tmp_path), "--resume"]
    assert main(argv) == 2
    assert "no checkpoint at" in capsys.readouterr().err and not (tmp_path / "metrics.json").exists()
    assert main([*argv, "--fresh"]) == 0 and (tmp_path / "checkpoint.pt").exists()


def test_ctrl_c_leaves_a_checkpoint_and_prints_the_resume_command(tmp_path, monkeypatch, capsys):
    calls = []

    def interrupt_in_epoch_2(logits, labels):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(logits, labels)

    original = evaluation.accuracy
    monkeypatch.setattr(evaluation, "accuracy", interrupt_in_epoch_2)
    with pytest.raises(TrainingInterrupted) as stop:
        train(tiny(tmp_path / "run"))
    assert stop.value.epoch == 1 and Path(stop.value.checkpoint).is_file()
    calls.clear()
    argv = ["--set", "epochs=2", "--set", "width=0.5", "--set", "progress=false", "--out", str(tmp_path / "cli")]
    assert main(argv) == 130
    assert capsys.readouterr().err.strip().endswith("python -m ulproofs train " + " ".join(argv) + " --resume")
    monkeypatch.setattr(evaluation, "accuracy", original)
    resumed = train(tiny(tmp_path / "run", resume=True))
    assert resumed["finished"] and resumed["resumed_at_epochs"] == [1]


def test_output_folder_follows_the_overrides():
    assert default_out_dir(preset("digits-ul-pal", seed=2)).name == "digits-ul-pal-seed2"
    changed = default_out_dir(preset("digits-ul-pal", loss="ce"))
    assert changed.name.startswith("digits-ul-pal-") and changed != default_out_dir(preset("digits-ul-pal"))
    assert default_out_dir(preset("digits-ul-pal", max_epochs=3, progress=False)) == default_out_dir(
        preset("digits-ul-pal"))


def test_processes_checking_one_output_folder_at_once_do_not_collide(tmp_path):
    """The ranks of a DDP run check the same --out folder at once: each write probe is its own file."""
    from concurrent.futures import ThreadPoolExecutor

    from ulproofs.core.validation import writable_folder

    def check_many(_):
        for _ in range(300):
            writable_folder("out_dir", tmp_path / "shared")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(check_many, range(4)))
    assert list((tmp_path / "shared").iterdir()) == []
