"""Walk every URL of the product for every role and check the status each gets."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import ROLES, Case

ROOT = Path(__file__).resolve().parent.parent


def _collect() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(ROOT.glob("*/tests/matrix.py")):
        module = importlib.import_module(f"{path.parent.parent.name}.tests.matrix")
        cases.extend(module.CASES)
    return cases


CASES = _collect()


def _url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            names |= _url_names(p, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def test_every_url_of_the_product_is_in_the_matrix() -> None:
    covered = {c.url_name for c in CASES}
    missing = sorted(_url_names() - covered)
    assert not missing, f"URLs without a permission-matrix case: {missing}"


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    "case", CASES, ids=lambda c: f"{c.url_name}{'-' + c.note if c.note else ''}"
)
def test_role_gets_the_expected_status(case: Case, role: str, world: Any) -> None:
    client = world.client(ROLES[role])
    path = case.path(world)
    data = case.data(world) if case.data else None
    if case.method == "post":
        response = client.post(path, data or {})
    else:
        response = client.get(path, data or {})
    expected = case.status_for(role)
    assert response.status_code == expected, (
        f"{role} {case.method.upper()} {path}: got {response.status_code}, expected {expected}"
    )
    if role == "anonymous" and expected == 302 and not case.public:
        assert "/login/" in response["Location"]
