"""Drawing the spot re-check sample (抽查复核, seed 001 第二十一条: 区财政部门对部门单位绩效自评结果实施抽查复核): pure
functions, no database. The same candidates, parameters and seed always give the same sample, so a recorded draw can
be reproduced by anyone (the seed is stored on the sample and in its audit row).

Two methods (the share, the minimum and the risk weights are *practice*, configurable per draw):
* **stratified** — in each department, ``share`` of its self-evaluated subjects and at least ``minimum`` (all of them
  when it has fewer): its largest subject by budget always, the rest drawn from amount strata (the department's
  subjects sorted by budget and cut into ``strata`` bands of equal size), each band in proportion to its size;
* **risk** — the same count per department, drawn with weights that favour subjects whose self-score is high while
  their execution is low, and departments that inflated before (their inflation index: mean self − re-check score):
  weight = 1 + ``gap_weight`` × max(0, indicator share − execution share) + ``history_weight`` × max(0, inflation) ÷ 10.
  Weighted sampling without replacement (Efraimidis–Spirakis: the largest u^(1/w)).

Each department draws from its own generator seeded with (seed, department), so adding a department does not change
another department's draw.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

STRATIFIED = "stratified"
RISK = "risk"


@dataclass(frozen=True)
class Candidate:
    form_id: int
    department_id: int
    budget: Decimal
    indicator_share: Decimal | None = None  # indicator score ÷ indicator points (0–1)
    execution_share: Decimal | None = None  # execution score ÷ execution points (0–1)


@dataclass(frozen=True)
class Params:
    method: str = STRATIFIED
    share: Decimal = Decimal("0.20")  # of each department's subjects
    minimum: int = 2  # per department (all of them when fewer)
    strata: int = 3
    gap_weight: Decimal = Decimal("4")
    history_weight: Decimal = Decimal("2")


@dataclass(frozen=True)
class Drawn:
    form_id: int
    reason: str  # "largest" / "stratum N" / "risk"


def count_for(size: int, params: Params) -> int:
    """How many of a department's ``size`` subjects are drawn."""
    wanted = max(params.minimum, math.ceil(Decimal(size) * params.share))
    return min(size, wanted)


def _generator(seed: int, department_id: int) -> random.Random:
    return random.Random(f"{seed}:{department_id}")


def _largest(candidates: Sequence[Candidate]) -> Candidate:
    return max(candidates, key=lambda c: (c.budget, -c.form_id))


def stratified(candidates: Sequence[Candidate], n: int, rng: random.Random, strata: int) -> list[Drawn]:
    if n <= 0 or not candidates:
        return []
    largest = _largest(candidates)
    drawn = [Drawn(largest.form_id, "largest")]
    rest = sorted((c for c in candidates if c.form_id != largest.form_id), key=lambda c: (c.budget, c.form_id))
    need = n - 1
    if need <= 0 or not rest:
        return drawn
    bands = [rest[i * len(rest) // strata : (i + 1) * len(rest) // strata] for i in range(strata)]
    bands = [b for b in bands if b]
    # Largest remainder: each band's share of ``need`` in proportion to its size.
    quotas = [need * len(b) / len(rest) for b in bands]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(bands)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: need - sum(counts)]:
        counts[i] += 1
    for number, (band, count) in enumerate(zip(bands, counts, strict=True), start=1):
        for c in rng.sample(band, min(count, len(band))):
            drawn.append(Drawn(c.form_id, f"stratum {number}"))
    return drawn


def risk_weight(candidate: Candidate, inflation: Decimal | None, params: Params) -> Decimal:
    gap = Decimal("0")
    if candidate.indicator_share is not None and candidate.execution_share is not None:
        gap = max(Decimal("0"), candidate.indicator_share - candidate.execution_share)
    history = max(Decimal("0"), inflation or Decimal("0")) / Decimal("10")
    return Decimal("1") + params.gap_weight * gap + params.history_weight * history


def by_risk(
    candidates: Sequence[Candidate], n: int, rng: random.Random, inflation: Decimal | None, params: Params
) -> list[Drawn]:
    keyed = []
    for c in sorted(candidates, key=lambda c: c.form_id):
        weight = float(risk_weight(c, inflation, params))
        keyed.append((rng.random() ** (1.0 / weight), c.form_id))
    keyed.sort(reverse=True)
    return [Drawn(form_id, "risk") for _, form_id in keyed[:n]]


def draw(
    candidates: Iterable[Candidate],
    params: Params,
    seed: int,
    inflation: dict[int, Decimal] | None = None,
) -> list[Drawn]:
    """The sample: per department (in id order), ``count_for`` of its candidates by the method."""
    inflation = inflation or {}
    by_department: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_department.setdefault(c.department_id, []).append(c)
    result: list[Drawn] = []
    for department_id in sorted(by_department):
        group = sorted(by_department[department_id], key=lambda c: c.form_id)
        n = count_for(len(group), params)
        rng = _generator(seed, department_id)
        if params.method == RISK:
            result += by_risk(group, n, rng, inflation.get(department_id), params)
        else:
            result += stratified(group, n, rng, params.strata)
    return result
