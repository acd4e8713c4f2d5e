"""Match the names written in a ledger to the organization's units, people and themes.

Ledgers name units loosely: "航空运输系" for "航空运输系党支部", "人事" for "人事处", full-width
brackets for half-width ones. Those variants match silently. A name that only resembles one
of the organization's names is never taken for it (a measure given to the wrong unit is worse
than an error): the import reports it with the close matches as suggestions. Themes are the
exception the office asked for: a theme heading ("党的政治建设方面") is matched to the closest
theme, with a warning, because there are only a handful and the headings never repeat them
word for word.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from core.numbering import match_number, normalize_width
from documents import wording
from organization.models import Organization, Person, Theme, Unit

T = TypeVar("T")

_SPACE_RE = re.compile(r"\s+")
_PAREN_RE = re.compile(r"\([^()]*\)")
_OPEN = "(["
_CLOSE = ")]"


def normalize_name(text: str) -> str:
    """Half-width brackets and digits, no whitespace: the form names are compared in."""
    return _SPACE_RE.sub("", normalize_width(text or "")).replace("【", "[").replace("】", "]")


def _without_brackets(norm: str) -> str:
    return _PAREN_RE.sub("", norm)


def _stem(norm: str) -> str:
    for suffix in wording.UNIT_SUFFIXES:
        if norm.endswith(suffix) and len(norm) - len(suffix) >= 2:
            return norm[: -len(suffix)]
    return norm


def split_names(text: str) -> list[str]:
    """Split "党委办公室、人事处" or "张三，李四" into names, never inside brackets."""
    norm = normalize_width(text or "")
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in norm:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in wording.NAME_SEPARATORS:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def is_collective(name: str) -> bool:
    """ "各党支部", "相关职能部门": a group of units, not one."""
    return normalize_name(name).startswith(wording.COLLECTIVE_PREFIXES)


@dataclass
class Found(Generic[T]):
    """The result of looking a name up: the object, or why not and what resembles it."""

    text: str
    obj: T | None = None
    candidates: list[T] = field(default_factory=list)  # several objects fit equally
    suggestions: list[str] = field(default_factory=list)  # names that merely resemble it
    approximate: bool = False  # matched, but not word for word (themes only)

    @property
    def ok(self) -> bool:
        return self.obj is not None


@dataclass
class Group:
    """A phrase naming several units ("各党支部", "航空运输系等单位") and the units it covers."""

    text: str
    phrase: str
    units: list[Unit]
    named: Unit | None = None  # the unit written before 等 ("X系等单位")


_ETC_RE = re.compile(r"^(.+?)等(?:单位|部门|支部|党支部)?$")


class Directory:
    """The organization's units, people and themes, indexed once for a whole import."""

    def __init__(self, organization: Organization) -> None:
        self.organization = organization
        self.units = list(
            Unit.objects.unscoped("names of the importing organization")
            .filter(organization=organization)
            .order_by("sort_order")
        )
        self.people = list(
            Person.objects.unscoped("names of the importing organization")
            .filter(organization=organization, user__is_active=True)
            .select_related("unit")
            .order_by("id")
        )
        self.themes = list(
            Theme.objects.unscoped("names of the importing organization")
            .filter(organization=organization, is_active=True)
            .order_by("sort_order", "id")
        )
        self._unit_exact = {normalize_name(u.name): u for u in self.units}
        self._unit_loose: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.units:
            for key in self._loose_keys(normalize_name(unit.name)):
                if unit not in self._unit_loose[key]:
                    self._unit_loose[key].append(unit)
        self._people: dict[str, list[Person]] = defaultdict(list)
        for person in self.people:
            self._people[normalize_name(person.name)].append(person)
        self._themes = {normalize_name(t.name): t for t in self.themes}

    @staticmethod
    def _loose_keys(norm: str) -> set[str]:
        bare = _without_brackets(norm)
        return {k for k in (norm, _stem(norm), bare, _stem(bare)) if len(k) >= 2}

    # --- units -----------------------------------------------------------------------------

    def unit(self, text: str) -> Found[Unit]:
        norm = normalize_name(text)
        found: Found[Unit] = Found(text=text.strip())
        if not norm:
            return found
        exact = self._unit_exact.get(norm)
        if exact is not None:
            found.obj = exact
            return found
        candidates: list[Unit] = []
        for key in self._loose_keys(norm):
            for unit in self._unit_loose.get(key, []):
                if unit not in candidates:
                    candidates.append(unit)
        active = [u for u in candidates if u.is_active] or candidates
        if len(active) == 1:
            found.obj = active[0]
        elif active:
            found.candidates = active
        else:
            found.suggestions = self._close(norm, [u.name for u in self.units])
        return found

    def group(self, text: str) -> Group | None:
        """The units a group phrase names, from the organization's own phrase list.

        "X等单位" names X and the units of X's kind; a phrase the organization lists covers the
        active units of its kinds (and, when given, whose names hold one of its words).
        """
        norm = normalize_name(text)
        if not norm:
            return None
        for entry in self.organization.unit_group_phrases or []:
            phrase = str(entry.get("phrase", ""))
            if not phrase or normalize_name(phrase) != norm:
                continue
            kinds = {str(k) for k in entry.get("kinds", [])}
            words = [str(w) for w in entry.get("name_contains", []) or []]
            units = [
                u
                for u in self.units
                if u.is_active
                and u.kind in kinds
                and (not words or any(w in u.name for w in words))
            ]
            return Group(text=text.strip(), phrase=phrase, units=units)
        m = _ETC_RE.match(norm)
        if m:
            named = self.unit(m.group(1))
            if named.obj is not None:
                units = [named.obj] + [
                    u
                    for u in self.units
                    if u.is_active and u.kind == named.obj.kind and u.pk != named.obj.pk
                ]
                return Group(text=text.strip(), phrase=norm, units=units, named=named.obj)
        return None

    # --- people ----------------------------------------------------------------------------

    def person(self, text: str) -> Found[Person]:
        # "王建国（副校长）": the bracket holds a title, not part of the name.
        norm = _without_brackets(normalize_name(text))
        found: Found[Person] = Found(text=text.strip())
        if not norm:
            return found
        people = self._people.get(norm, [])
        if len(people) == 1:
            found.obj = people[0]
        elif people:
            found.candidates = people
        else:
            found.suggestions = self._close(norm, [p.name for p in self.people], cutoff=0.5)
        return found

    # --- themes ----------------------------------------------------------------------------

    @staticmethod
    def theme_key(text: str) -> str:
        """A theme heading without its number, "关于" and "……方面存在的问题"."""
        numbered = match_number(text or "")
        if numbered is not None and numbered.rest:
            text = numbered.rest
        norm = normalize_name(text).rstrip("。.:：")
        for prefix in wording.THEME_PREFIXES:
            if norm.startswith(prefix) and len(norm) > len(prefix) + 1:
                norm = norm[len(prefix) :]
        for suffix in wording.THEME_SUFFIXES:
            if norm.endswith(suffix) and len(norm) > len(suffix) + 1:
                norm = norm[: -len(suffix)]
                break
        return norm

    def theme(self, text: str) -> Found[Theme]:
        found: Found[Theme] = Found(text=text.strip())
        norm = normalize_name(text)
        if not norm:
            return found
        exact = self._themes.get(norm)
        if exact is not None:
            found.obj = exact
            return found
        key = self.theme_key(text)
        exact = self._themes.get(key)
        if exact is not None:
            found.obj = exact
            return found
        containing = [t for name, t in self._themes.items() if name in key or key in name]
        if len(containing) == 1:
            found.obj, found.approximate = containing[0], True
            return found
        if len(containing) > 1:
            # "党的建设和党风廉政建设方面": a heading naming two themes is asked, not guessed.
            found.candidates = containing
            return found
        scored = sorted(
            (
                (difflib.SequenceMatcher(None, key, normalize_name(t.name)).ratio(), i, t)
                for i, t in enumerate(self.themes)
            ),
            key=lambda item: (-item[0], item[1]),
        )
        if scored and scored[0][0] >= 0.5:
            top = scored[0][0]
            equal = [t for ratio, _i, t in scored if ratio >= top - 0.05]
            if len(equal) > 1:
                found.candidates = equal  # two themes fit about equally: asked, not guessed
            else:
                found.obj, found.approximate = equal[0], True  # applied with a warning
        else:
            found.suggestions = [t.name for t in self.themes]
        return found

    @staticmethod
    def _close(norm: str, names: Iterable[str], *, cutoff: float = 0.6) -> list[str]:
        by_norm = {normalize_name(n): n for n in names}
        return [by_norm[n] for n in difflib.get_close_matches(norm, list(by_norm), 3, cutoff)]
