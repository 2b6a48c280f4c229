"""Settings shared by every claim check: precision, seed, scale and device."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from ..core.errors import AssumptionError


@dataclass(frozen=True)
class CheckContext:
    """What a check may use.

    ``dps``: mpmath significant digits for high-precision ground truth (>= 40 by policy).
    ``seed``: the seed of every random initialisation a check draws.
    ``paper_scale``: also run the checks at p=512, C=100, N=10 (slower).
    ``device``: torch device for gradient-descent iterates (None: CUDA when present, else CPU).
    """

    dps: int = 50
    seed: int = 0
    paper_scale: bool = False
    device: str | None = None

    def __post_init__(self):
        if self.dps < 40:
            raise AssumptionError(f"dps must be at least 40 digits by the precision policy (got {self.dps})")

    def as_dict(self):
        return asdict(self)


PAPER_SCALE = {"p": 512, "C": 100, "N": 10}
