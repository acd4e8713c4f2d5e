"""Similar findings of earlier inspections, so that a relapse across rounds (反弹回潮) is seen.

Chinese has no spaces, so texts are compared by their character bigrams: "组织生活会" gives
组织 织生 生活 活会. The score is the cosine of the two bigram sets (|A∩B| / √(|A|·|B|)), from
0 (nothing shared) to 1 (the same bigrams). It runs in Python over a bounded set: the latest
MAX_CANDIDATES findings of the organization's earlier inspections that the person may see. An
inverted index of bigrams picks a shortlist first, by the rarer bigrams a candidate shares with
the query (common ones such as 整改 or 党支 say little), and only the shortlist is scored.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from core.numbering import normalize_width
from ledger.models import Finding, Inspection

MAX_CANDIDATES = 5000
SHORTLIST = 200
TOP = 3
MIN_SCORE = 0.2
# A bigram found in more than this share of the candidates does not pick the shortlist.
_COMMON_SHARE = 0.05
_COMMON_MIN = 50


def normalized(text: str) -> str:
    """Letters, digits and CJK characters only, half-width and lower-case."""
    return "".join(
        ch
        for ch in normalize_width(text or "").lower()
        if ch.isalnum() or unicodedata.category(ch) == "Lo"
    )


def bigrams(text: str) -> frozenset[str]:
    norm = normalized(text)
    if len(norm) == 1:
        return frozenset({norm})
    return frozenset(norm[i : i + 2] for i in range(len(norm) - 1))


def similarity(a: str, b: str) -> float:
    """Cosine similarity of the bigram sets of two texts."""
    return _cosine(bigrams(a), bigrams(b))


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


@dataclass(frozen=True)
class SimilarFinding:
    finding_id: int
    inspection: str
    number: str
    text: str
    score: float

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def to_dict(self) -> dict[str, Any]:
        return {
            "finding_id": self.finding_id,
            "inspection": self.inspection,
            "number": self.number,
            "text": self.text,
            "score": round(self.score, 3),
        }


class SimilarityIndex:
    """Candidate findings with their bigrams and an inverted index, built once per request."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str]]) -> None:
        self._rows: list[tuple[int, str, str, str]] = []
        self._grams: list[frozenset[str]] = []
        self._index: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            grams = bigrams(row[3])
            if not grams:
                continue
            position = len(self._rows)
            self._rows.append(row)
            self._grams.append(grams)
            for gram in grams:
                self._index[gram].append(position)
        self._common = max(_COMMON_MIN, int(len(self._rows) * _COMMON_SHARE))

    def __len__(self) -> int:
        return len(self._rows)

    def top(self, text: str, *, k: int = TOP, min_score: float = MIN_SCORE) -> list[SimilarFinding]:
        query = bigrams(text)
        if not query or not self._rows:
            return []
        shared: Counter[int] = Counter()
        for gram in query:
            posting = self._index.get(gram)
            if posting and len(posting) <= self._common:
                shared.update(posting)
        if not shared:
            # Only common bigrams in common: score the candidates sharing the most of them.
            for gram in query:
                shared.update(self._index.get(gram, ()))
        scored = []
        for position, _count in shared.most_common(SHORTLIST):
            score = _cosine(query, self._grams[position])
            if score >= min_score:
                scored.append((score, position))
        scored.sort(key=lambda item: (-item[0], item[1]))
        result = []
        for score, position in scored[:k]:
            finding_id, inspection, number, finding_text = self._rows[position]
            result.append(SimilarFinding(finding_id, inspection, number, finding_text, score))
        return result


def earlier_findings(user: Any, inspection: Inspection) -> QuerySet[Finding]:
    """Findings of the organization's inspections before this one that the user may see."""
    earlier = Q(inspection__feedback_date__lt=inspection.feedback_date) | Q(
        inspection__feedback_date=inspection.feedback_date, inspection_id__lt=inspection.pk or 0
    )
    return (
        Finding.objects.visible_to(user)
        .filter(inspection__organization_id=inspection.organization_id)
        .exclude(inspection_id=inspection.pk)
        .filter(earlier)
    )


def index_for(user: Any, inspection: Inspection) -> SimilarityIndex:
    rows = (
        earlier_findings(user, inspection)
        .order_by("-inspection__feedback_date", "-id")
        .values_list("id", "inspection__name", "number", "text")[:MAX_CANDIDATES]
    )
    return SimilarityIndex(rows)


def similar_findings(user: Any, finding: Finding, *, k: int = TOP) -> list[SimilarFinding]:
    """The findings of earlier inspections most like this one, best first."""
    return index_for(user, finding.inspection).top(finding.text, k=k)
