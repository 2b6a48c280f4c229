"""Every bad input is a clear error: the message names the parameter, the value and the assumption; on the
command line exit status 2 and one line on stderr, no traceback. One case per row of the bad-input table."""
import math
import re

import numpy as np
import pytest
import torch

from ulproofs.claims.theorem_2 import UnconstrainedDynamics
from ulproofs.core.anchored import AnchoredDynamics
from ulproofs.core.descent import NonFiniteIterates, gradient_descent
from ulproofs.core.errors import AssumptionError
from ulproofs.core.rates import Constant, RatePair
from ulproofs.core.setting import LayerPeeledProblem
from ulproofs.core.validation import ClosedFormOverflow
from ulproofs.core.weight_decay import WeightDecayDynamics
from ulproofs.deep import evaluation
from ulproofs.deep.models import make_head
from ulproofs.deep.train import TrainConfig
from ulproofs.reports.cli import main

PROBLEM = LayerPeeledProblem(3, 4, 2, 0.1)
_rng = np.random.default_rng(0)
H0, W0, b0 = _rng.standard_normal((3, 8)), _rng.standard_normal((3, 4)), _rng.standard_normal(4)
RATES = RatePair.proportional(Constant(0.1))


def theorem_2():
    return UnconstrainedDynamics(PROBLEM, H0, W0, b0, RATES)


def theorem_4(decay=(0.01, 0.01)):
    return WeightDecayDynamics(PROBLEM, H0, W0, b0, RATES, decay)


def theorem_6():
    return AnchoredDynamics(PROBLEM, H0, W0, Constant(0.1), 0.1)


API_CASES = {
    "TrainConfig lr=nan": (lambda: TrainConfig(lr=math.nan), "lr must be finite"),
    "TrainConfig lr=inf": (lambda: TrainConfig(lr=math.inf), "lr must be finite"),
    "TrainConfig weight_decay=nan": (lambda: TrainConfig(weight_decay=math.nan), "weight_decay must be finite"),
    "TrainConfig gamma=nan": (lambda: TrainConfig(gamma=math.nan), "gamma must be finite"),
    "TrainConfig imbalance_rho=nan": (lambda: TrainConfig(imbalance_rho=math.nan), "imbalance_rho must be finite"),
    "TrainConfig max_epochs=0": (lambda: TrainConfig(max_epochs=0), "max_epochs must be a positive integer"),
    "TrainConfig feature_reg=nan": (lambda: TrainConfig(feature_reg=math.nan), "feature_reg must be finite"),
    "TrainConfig gamma='abc'": (lambda: TrainConfig(gamma="abc"), "gamma must be a real number"),
    "TrainConfig epochs=2.5": (lambda: TrainConfig(epochs=2.5), "epochs must be an integer"),
    "TrainConfig batch_size='64'": (lambda: TrainConfig(batch_size="64"), "batch_size must be an integer"),
    "problem gamma='abc'": (lambda: LayerPeeledProblem(3, 4, 2, "abc"), "gamma must be a real number"),
    "problem gamma=None": (lambda: LayerPeeledProblem(3, 4, 2, None), "gamma must be a real number"),
    "Constant('abc')": (lambda: Constant("abc"), "rate must be a real number"),
    "H0 a list": (lambda: UnconstrainedDynamics(PROBLEM, H0.tolist(), W0, b0, RATES), "H must be a NumPy array"),
    "RatePair of floats": (lambda: RatePair(0.1, 0.1), "eta1 must be a learning-rate schedule"),
    "float for a schedule": (lambda: RatePair.proportional(0.1), "eta2 must be a learning-rate schedule"),
    "scalar weight decay (Theorem 4)": (lambda: theorem_4(0.1), r"weight_decay must be a pair \(lambda1, lambda2\)"),
    "scalar weight decay (descent)": (lambda: gradient_descent(PROBLEM, H0, W0, b0, RATES, 5, weight_decay=0.1),
                                      "weight_decay must be a pair"),
    "float for a schedule (Theorem 6)": (lambda: AnchoredDynamics(PROBLEM, H0, W0, 0.1, 0.0),
                                         "eta must be a learning-rate schedule"),
    "Theorem 2 state(t=nan)": (lambda: theorem_2().state(math.nan), "t must be >= 0 and not NaN"),
    "Theorem 2 state(t=-5)": (lambda: theorem_2().state(-5.0), "t must be >= 0"),
    "Theorem 4 state(t=nan)": (lambda: theorem_4().state(math.nan), "t must be >= 0 and not NaN"),
    "Theorem 4 state(t=-5)": (lambda: theorem_4().state(-5.0), "t must be >= 0"),
    "Theorem 6 state(t=nan)": (lambda: theorem_6().state(math.nan), "t must be >= 0 and not NaN"),
    "Theorem 6 state(t=-5)": (lambda: theorem_6().state(-5.0), "t must be >= 0"),
    "descent with a huge rate": (lambda: gradient_descent(PROBLEM, H0, W0, b0, RatePair.proportional(Constant(1e6)),
                                                          200), "non-finite iterates .* at step 59"),
    "ECE label out of range": (lambda: evaluation.expected_calibration_error([[0.9, 0.1], [0.2, 0.8]], [0, 5]),
                               r"labels must be class indices in 0..1 .*got 5"),
    "ECE negative label": (lambda: evaluation.expected_calibration_error([[0.9, 0.1], [0.2, 0.8]], [0, -1]),
                           "got -1"),
    "head gamma=nan": (lambda: make_head("ul-pal", 8, 4, gamma=math.nan), "gamma must be finite"),
}


@pytest.mark.parametrize("case", API_CASES)
def test_bad_input_in_the_library(case):
    build, message = API_CASES[case]
    with pytest.raises(AssumptionError, match=message):
        build()


def test_descent_error_is_also_an_arithmetic_error():
    assert issubclass(NonFiniteIterates, ArithmeticError) and issubclass(NonFiniteIterates, AssumptionError)


@pytest.mark.parametrize("dynamics", [theorem_2, lambda: theorem_4((0.0, 0.0))], ids=["theorem_2", "theorem_4"])
def test_overflowing_closed_form_is_inf_with_a_warning(dynamics):
    with pytest.warns(ClosedFormOverflow):
        H, W = dynamics().state(1e6)
    assert np.isinf(H).all() and np.isinf(W).all() and not np.isnan(H).any()


@pytest.fixture
def checkpoints(tmp_path):
    """Output folders holding an empty, a truncated and a random-bytes checkpoint.pt."""
    folders = {}
    for name in ("empty", "truncated", "random"):
        folders[name] = tmp_path / name
        folders[name].mkdir()
    (folders["empty"] / "checkpoint.pt").write_bytes(b"")
    torch.save({"epoch": 1, "x": torch.zeros(1000)}, folders["truncated"] / "checkpoint.pt")
    whole = (folders["truncated"] / "checkpoint.pt").read_bytes()
    (folders["truncated"] / "checkpoint.pt").write_bytes(whole[:len(whole) // 2])
    (folders["random"] / "checkpoint.pt").write_bytes(np.random.default_rng(0).bytes(4096))
    (tmp_path / "study.md").write_text("a committed study\n")
    return folders


TRAIN = ["train", "--set", "epochs=1", "--set", "progress=false"]
CLI_CASES = {
    "train --set lr=nan": (TRAIN + ["--set", "lr=nan"], "lr must be finite"),
    "train --set lr=inf": (TRAIN + ["--set", "lr=inf"], "lr must be finite"),
    "train --set weight_decay=nan": (TRAIN + ["--set", "weight_decay=nan"], "weight_decay must be finite"),
    "train --set gamma=nan": (TRAIN + ["--set", "gamma=nan"], "gamma must be finite"),
    "train --set imbalance_rho=nan": (TRAIN + ["--set", "imbalance_rho=nan"], "imbalance_rho must be finite"),
    "train --set max_epochs=0": (TRAIN + ["--set", "max_epochs=0"], "max_epochs must be a positive integer"),
    "train --set epochs=abc": (["train", "--set", "epochs=abc"], "epochs must be an integer"),
    "train --set foo=1": (["train", "--set", "foo=1"], "key one of .*'amp'"),
    "train --preset nope": (["train", "--preset", "nope"], "unknown preset 'nope'"),
    "train --resume, no checkpoint": (TRAIN + ["--resume", "--out", "{tmp}/none"], "no checkpoint at .*--fresh"),
    "train --resume, empty checkpoint": (TRAIN + ["--resume", "--out", "{empty}"],
                                         "checkpoint .*empty.* cannot be read"),
    "train --resume, truncated checkpoint": (TRAIN + ["--resume", "--out", "{truncated}"],
                                             "checkpoint .*truncated.* cannot be read"),
    "train --resume, random bytes": (TRAIN + ["--resume", "--out", "{random}"], "checkpoint .*random.* cannot be read"),
    "train --out unwritable": (TRAIN + ["--out", "/proc/ulproofs-out"], "out_dir /proc/ulproofs-out: cannot write"),
    "figures unknown name": (["figures", "3"], "unknown figure '3'; known: 1, 4, 5, 6, 7, 8, 9, instability"),
    "figures --out unwritable": (["figures", "1", "--out", "/proc/ulproofs-figures"], "--out /proc/ulproofs-figures"),
    "figures --scale unknown": (["figures", "--scale", "huge"], "invalid choice: 'huge'"),
    "latex --out unwritable": (["latex", "--out", "/proc/ulproofs-latex"], "--out /proc/ulproofs-latex"),
    "show --dps 10": (["show", "lemma-1", "--dps", "10"], "--dps must be >= 40"),
    "--threads 0": (["--threads", "0", "list"], "threads must be a positive integer"),
    "--threads abc after the command": (["list", "--threads", "abc"], "threads must be a positive integer"),
    "reproduce fig2 --datasets mnist": (["reproduce", "fig2", "--datasets", "mnist", "--dry-run", "--out", "{tmp}/r"],
                                        "unknown data set 'mnist'.*known: digits, cifar10"),
    "reproduce unknown artefact": (["reproduce", "nope"], "invalid choice: 'nope'"),
    "reproduce digits over a committed study": (["reproduce", "digits", "--doc", "{tmp}/study.md"],
                                                "study.md exists .*--force"),
    "reproduce digits-theory over a committed study": (["reproduce", "digits-theory", "--doc", "{tmp}/study.md"],
                                                       "study.md exists .*--force"),
}
if not torch.cuda.is_available():
    CLI_CASES["check --device cuda without CUDA"] = (["check", "--device", "cuda"], "CUDA is not available")
    CLI_CASES["train --set device=cuda without CUDA"] = (TRAIN + ["--set", "device=cuda"], "CUDA is not available")


@pytest.mark.parametrize("case", CLI_CASES)
def test_bad_input_on_the_command_line(case, checkpoints, tmp_path, capsys, monkeypatch):
    argv, message = CLI_CASES[case]
    monkeypatch.delenv("ULPROOFS_THREADS", raising=False)
    argv = [a.format(tmp=tmp_path, **checkpoints) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    assert re.search(message, lines[0]), lines[0]
