"""指标推荐: indicators and value ranges for a sheet being filled, taken from similar subjects of earlier
fiscal years (docs/decisions/0013).

Sources: the current, approved target sheets of earlier fiscal years (``fiscal_year`` below the sheet's) of
OTHER subjects in the same sector — the subject's 项目类型 (``category`` of 附件1); the same 项目子类型 ranks
higher. A subject's own history is not a source: a continuing subject already starts from last year's
indicators (``targets.actions.create_sheet``).

Similarity: character-bigram TF-IDF with cosine similarity, in pure Python (no model, no download, no
word segmentation — Chinese names of similar projects share character pairs: “校舍维修” / “教学楼维修”).
A subject's text is its name (counted twice), 立项依据, 必要性 and the sheet's 年度目标.

What is shown: the aggregate over the region — the indicator, the source subject's name and fiscal year,
its target value and its actual (``actual_of``), and the min–max of the target values of the same
indicator name and unit over the similar subjects. No link to a source is shown: the user may not be
allowed to open it (the recommendation deliberately looks beyond the user's own reach, as a finance
bureau's indicator handbook would).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Max

from targets import actions
from targets.choices import COST_LEVEL2, Comparator, Horizon, Level1, Level2, Standard
from targets.models import TargetIndicator, TargetSheet, parse_number
from workflow.models import ReviewStatus

SIMILAR_SUBJECTS = 10  # how many similar subjects the suggestions come from
MIN_SIMILARITY = 0.05  # below this cosine similarity a subject is not "similar"
SUB_CATEGORY_BONUS = 0.2  # the same 项目子类型 (附件1: 新建/维修（护）/奖励补贴 …) ranks 20 % higher
MAX_SUGGESTIONS = 20
NAME_WEIGHT = 2
NEEDS_GOAL = "请先填写并保存“年度目标”，再采纳推荐指标（年度目标也用于查找相似项目）"  # the subject's name counts twice in its text
_KEEP = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9]+")


# --- text similarity ----------------------------------------------------------------------------------------


def terms(text: str) -> Counter:
    """Character bigrams of the Chinese (and alphanumeric) runs of ``text``; a one-character run counts
    as itself."""
    counts: Counter = Counter()
    for run in _KEEP.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if len(run) == 1:
            counts[run] += 1
        for i in range(len(run) - 1):
            counts[run[i : i + 2]] += 1
    return counts


def subject_text(name: str, basis: str = "", necessity: str = "", goal: str = "") -> str:
    return " ".join([name] * NAME_WEIGHT + [basis or "", necessity or "", goal or ""])


@dataclass
class Index:
    """TF-IDF vectors (unit length) of one sector's candidate sheets."""

    idf: dict[str, float]
    vectors: list[tuple[dict, dict[str, float]]]  # (row, vector)

    @classmethod
    def build(cls, rows: list[dict]) -> Index:
        counted = [(row, terms(row["text"])) for row in rows]
        df: Counter = Counter()
        for _, counts in counted:
            df.update(counts.keys())
        n = len(counted)
        idf = {t: math.log((n + 1) / (d + 1)) + 1 for t, d in df.items()}
        return cls(idf, [(row, _unit({t: c * idf[t] for t, c in counts.items()})) for row, counts in counted])

    def query(self, text: str) -> dict[str, float]:
        default = math.log(len(self.vectors) + 1) + 1  # a term no candidate has
        return _unit({t: c * self.idf.get(t, default) for t, c in terms(text).items()})

    def rank(self, text: str) -> list[tuple[float, dict]]:
        query = self.query(text)
        scored = []
        for row, vector in self.vectors:
            small, large = (query, vector) if len(query) < len(vector) else (vector, query)
            score = sum(w * large.get(t, 0.0) for t, w in small.items())
            if score > 0:
                scored.append((score, row))
        return scored


def _unit(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def cosine(a: str, b: str) -> float:
    """The cosine similarity of two texts' bigram TF vectors (no IDF): for tests and quick checks."""
    va, vb = _unit(dict(terms(a))), _unit(dict(terms(b)))
    return sum(w * vb.get(t, 0.0) for t, w in va.items())


# The candidates of a sector change only when a sheet does: the index is kept per (sector, year) and
# rebuilt when the candidates' count or latest change moves.
_INDEXES: dict[tuple, tuple[tuple, Index]] = {}
_MAX_INDEXES = 16


def candidates(sheet: TargetSheet):
    """The sector's current approved sheets of earlier years (the sheet's own subject is skipped later, so
    one index serves every subject of the sector and year)."""
    subject = sheet.subject
    return TargetSheet.objects.filter(
        fiscal_year__lt=sheet.fiscal_year,
        status=ReviewStatus.APPROVED,
        is_current=True,
        subject__category=subject.category,
    )


def index_for(sheet: TargetSheet) -> Index:
    queryset = candidates(sheet)
    key = (sheet.subject.category, sheet.fiscal_year)
    stamp = tuple(queryset.aggregate(n=Count("pk"), changed=Max("updated_at")).values())
    cached = _INDEXES.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    rows = []
    for row in queryset.values(
        "pk",
        "fiscal_year",
        "subject_id",
        "subject__name",
        "subject__sub_category",
        "subject__basis",
        "subject__necessity",
        "annual_goal",
    ):
        row["text"] = subject_text(
            row["subject__name"], row["subject__basis"], row["subject__necessity"], row["annual_goal"]
        )
        rows.append(row)
    index = Index.build(rows)
    if len(_INDEXES) >= _MAX_INDEXES:
        _INDEXES.pop(next(iter(_INDEXES)))
    _INDEXES[key] = (stamp, index)
    return index


@dataclass
class Source:
    sheet_id: int
    subject_id: int
    name: str
    fiscal_year: int
    similarity: float


def similar_subjects(sheet: TargetSheet, limit: int = SIMILAR_SUBJECTS) -> list[Source]:
    """The most similar other subjects of the sector, each with its latest earlier sheet, best first."""
    subject = sheet.subject
    text = subject_text(subject.name, subject.basis, subject.necessity, sheet.annual_goal)
    best: dict[int, Source] = {}
    for score, row in index_for(sheet).rank(text):
        if row["subject_id"] == subject.pk:
            continue  # the subject's own history is not a source
        if row["subject__sub_category"] == subject.sub_category:
            score *= 1 + SUB_CATEGORY_BONUS
        if score < MIN_SIMILARITY:
            continue
        known = best.get(row["subject_id"])
        if known is None or row["fiscal_year"] > known.fiscal_year:
            best[row["subject_id"]] = Source(
                row["pk"], row["subject_id"], row["subject__name"], row["fiscal_year"], round(score, 4)
            )
    return sorted(best.values(), key=lambda s: (-s.similarity, s.name))[:limit]


# --- actuals ------------------------------------------------------------------------------------------------

# A provider maps indicators to their actual values ({indicator pk: text}); later apps (运行监控, 绩效评价)
# register theirs with ``register_actual_source`` — the first provider that knows an indicator wins, the
# built-in rule (the next year's sheet) is the last resort.
ActualSource = Callable[[list[TargetIndicator]], dict[int, str]]
_ACTUAL_SOURCES: list[ActualSource] = []


def register_actual_source(provider: ActualSource) -> ActualSource:
    if provider not in _ACTUAL_SOURCES:
        _ACTUAL_SOURCES.append(provider)
    return provider


def _key(indicator) -> tuple:
    return (indicator.horizon, indicator.level1, indicator.level2, indicator.name.strip())


def _from_next_year(indicators: list[TargetIndicator]) -> dict[int, str]:
    """The actual of an indicator is what the same subject's next-year sheet recorded as 上年实际值 for the
    same indicator (same horizon, level 1, level 2 and name)."""
    wanted = defaultdict(list)
    for indicator in indicators:
        wanted[(indicator.sheet.subject_id, indicator.sheet.fiscal_year + 1)].append(indicator)
    if not wanted:
        return {}
    later = (
        TargetIndicator.objects.filter(
            sheet__subject_id__in={s for s, _ in wanted}, sheet__fiscal_year__in={y for _, y in wanted}
        )
        .exclude(last_year_actual="")
        .values_list(
            "sheet__subject_id",
            "sheet__fiscal_year",
            "sheet__revision",
            "horizon",
            "level1",
            "level2",
            "name",
            "last_year_actual",
        )
        .order_by("sheet__revision")
    )
    found = {}
    for subject_id, year, _revision, *key, actual in later:  # the latest revision wins
        key[-1] = key[-1].strip()
        found[(subject_id, year, *key)] = actual
    result = {}
    for (subject_id, year), rows in wanted.items():
        for indicator in rows:
            actual = found.get((subject_id, year, *_key(indicator)))
            if actual:
                result[indicator.pk] = actual
    return result


def actuals_of(indicators: Iterable[TargetIndicator]) -> dict[int, str]:
    """The actual values of ``indicators`` (pk → text) that are known; see ``actual_of``."""
    indicators = list(indicators)
    result: dict[int, str] = {}
    for provider in [*_ACTUAL_SOURCES, _from_next_year]:
        missing = [i for i in indicators if i.pk not in result]
        if not missing:
            break
        for pk, value in provider(missing).items():
            if value not in (None, ""):
                result.setdefault(pk, str(value))
    return result


def actual_of(indicator: TargetIndicator) -> str:
    """What ``indicator`` actually achieved, or "" when unknown. Until the monitoring and evaluation apps
    exist, the answer is the next year's sheet of the same subject: its 上年实际值 for the same indicator.
    Those apps extend this with ``register_actual_source`` (their figures take precedence)."""
    return actuals_of([indicator]).get(indicator.pk, "")


# --- suggestions --------------------------------------------------------------------------------------------


@dataclass
class Use:
    subject: str
    fiscal_year: int
    similarity: float
    comparator: str
    target_value: str
    unit: str
    data_source: str
    actual: str

    @property
    def display_value(self) -> str:
        sign = "" if self.comparator == Comparator.QUALITATIVE else Comparator(self.comparator).label
        return f"{sign}{self.target_value}{self.unit if self.comparator != Comparator.QUALITATIVE else ''}"


@dataclass
class Suggestion:
    horizon: str
    level1: str
    level2: str
    name: str
    unit: str
    score: float = 0.0
    uses: list[Use] = field(default_factory=list)
    low: Decimal | None = None
    high: Decimal | None = None
    # Set when a cost indicator's suggested value exceeds this sheet's requested amount (issue 12 §1).
    over_budget: str = ""

    @property
    def best(self) -> Use:
        return self.uses[0]

    @property
    def label(self) -> str:
        return f"{Level1(self.level1).label}/{Level2(self.level2).label}/{self.name}"

    @property
    def horizon_label(self) -> str:
        return Horizon(self.horizon).label

    @property
    def value_range(self) -> str:
        if self.low is None:
            return ""
        if self.low == self.high:
            return f"{_plain(self.low)}{self.unit}"
        return f"{_plain(self.low)}–{_plain(self.high)}{self.unit}"

    def as_indicator(self) -> dict:
        """The row the one-click add puts on the sheet: the most similar subject's value, 历史标准."""
        best = self.best
        return {
            "horizon": self.horizon,
            "level1": self.level1,
            "level2": self.level2,
            "name": self.name,
            "comparator": best.comparator,
            "target_value": best.target_value,
            "unit": self.unit,
            "weight": Decimal("0"),
            "data_source": best.data_source,
            "standard": Standard.HISTORY,
            "last_year_actual": "",
        }

    @property
    def fill_values(self) -> str:
        """``as_indicator`` as JSON for the edit page's in-place add (static/jixiao/targets.js)."""
        import json

        return json.dumps({k: str(v) for k, v in self.as_indicator().items()}, ensure_ascii=False)

    def as_dict(self) -> dict:
        return {
            "horizon": self.horizon,
            "level1": self.level1,
            "level2": self.level2,
            "name": self.name,
            "unit": self.unit,
            "label": self.label,
            "score": round(self.score, 4),
            "value_range": self.value_range,
            "low": self.low,
            "high": self.high,
            "subjects": len(self.uses),
            "over_budget": self.over_budget,
            "sources": [
                {
                    "subject": u.subject,
                    "fiscal_year": u.fiscal_year,
                    "similarity": u.similarity,
                    "target": u.display_value,
                    "actual": u.actual,
                }
                for u in self.uses
            ],
        }


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def suggest(sheet: TargetSheet, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Indicators the similar subjects used that ``sheet`` does not have yet, the most used (weighted by
    similarity) first, each with its uses (most similar subject first) and the range of its values."""
    sources = similar_subjects(sheet)
    if not sources:
        return []
    by_sheet = {s.sheet_id: s for s in sources}
    rows = list(TargetIndicator.objects.filter(sheet_id__in=by_sheet).select_related("sheet"))
    actual = actuals_of(rows)
    have = {_key(i) for i in sheet.indicators.all()}
    groups: dict[tuple, Suggestion] = {}
    seen: set[tuple] = set()
    for indicator in rows:
        key = _key(indicator)
        if key in have:
            continue
        source = by_sheet[indicator.sheet_id]
        group_key = (*key, indicator.unit.strip())
        if (group_key, source.subject_id) in seen:
            continue  # one use per subject
        seen.add((group_key, source.subject_id))
        group = groups.setdefault(group_key, Suggestion(*key, indicator.unit.strip()))
        group.score += source.similarity
        group.uses.append(
            Use(
                source.name,
                source.fiscal_year,
                source.similarity,
                indicator.comparator,
                indicator.target_value,
                indicator.unit,
                indicator.data_source,
                actual.get(indicator.pk, ""),
            )
        )
        number = parse_number(indicator.target_value) if indicator.comparator != Comparator.QUALITATIVE else None
        if number is not None:
            group.low = number if group.low is None else min(group.low, number)
            group.high = number if group.high is None else max(group.high, number)
    result = sorted(groups.values(), key=lambda g: (-g.score, g.horizon != Horizon.ANNUAL, g.name))[:limit]
    requested = _requested_amount(sheet)
    for group in result:
        group.uses.sort(key=lambda u: (-u.similarity, u.subject))
        group.over_budget = _over_budget(group, requested)
    return result


def _requested_amount(sheet: TargetSheet) -> Decimal | None:
    from subjects.models import SubjectYearAmount

    row = SubjectYearAmount.objects.filter(subject_id=sheet.subject_id, fiscal_year=sheet.fiscal_year).first()
    return row.requested_amount if row else None


def _over_budget(suggestion: Suggestion, requested: Decimal | None) -> str:
    """适当性 (seed 003 第十三条（三）): a suggested cost value above what this subject asks for this year would be
    refused by the automatic review once added; say so in the list, before the click."""
    from targets.quality import MONEY_UNITS

    factor = MONEY_UNITS.get(suggestion.unit)
    is_cost = suggestion.level1 == Level1.COST or suggestion.level2 in COST_LEVEL2
    number = (
        parse_number(suggestion.best.target_value) if suggestion.best.comparator != Comparator.QUALITATIVE else None
    )
    if requested is None or factor is None or not is_cost or number is None or number * factor <= requested:
        return ""
    return f"参考值 {suggestion.best.display_value} 高于本项目本年度申请金额 {requested:,.2f} 元，请按本项目测算后填写"


def find(sheet: TargetSheet, horizon: str, level1: str, level2: str, name: str, unit: str) -> Suggestion | None:
    wanted = (horizon, level1, level2, name.strip(), unit.strip())
    return next(
        (s for s in suggest(sheet, limit=10_000) if (s.horizon, s.level1, s.level2, s.name, s.unit) == wanted), None
    )


def add(sheet: TargetSheet, user, version: int, suggestion: Suggestion) -> TargetSheet:
    """The one-click add: the suggestion becomes the sheet's last indicator (weight 0, to be set by the
    preparer) through ``targets.actions.save_sheet`` — the edit guard, the audit row and the automatic
    review are those of a save."""
    rows = [
        {**{k: getattr(i, k) for k in actions.INDICATOR_FIELDS}, "library_indicator": i.library_indicator_id}
        for i in sheet.indicators.all()
    ]
    if not (sheet.annual_goal or "").strip():
        raise ValidationError(NEEDS_GOAL)
    new = suggestion.as_indicator()
    if any(_key(i) == (new["horizon"], new["level1"], new["level2"], new["name"]) for i in sheet.indicators.all()):
        raise ValidationError(f"“{suggestion.name}”已在申报表中")
    return actions.save_sheet(
        sheet,
        user,
        version,
        indicators=[*rows, new],
        reason=f"采纳指标推荐：{suggestion.label}（参考{suggestion.best.subject}）",
    )
