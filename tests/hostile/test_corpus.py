"""Every field of every form and every query parameter of every list, fed every payload class
as every role that reaches it: never a 5xx; when refused, a message in the UI language and
nothing stored; what was accepted renders escaped."""

from __future__ import annotations

from typing import Any

from tests.hostile.corpus import Corpus, Report, seed


def _fail_with(report: Report) -> None:
    found = report.five_hundreds + report.problems
    lines = [report.summary(), *(str(f) for f in found[:60])]
    assert not found, "\n".join(lines)


def test_no_form_field_breaks_on_hostile_input(world: Any, capsys: Any) -> None:
    report = Report(seed=seed())
    corpus = Corpus(world, report)
    targets, _lists = corpus.targets()
    for target in targets:
        corpus.run_form(target)
    with capsys.disabled():
        print(f"\n{report.summary()}  (HOSTILE_SEED={report.seed} reproduces)")
    _fail_with(report)


def test_no_list_parameter_breaks_on_hostile_input(world: Any, capsys: Any) -> None:
    report = Report(seed=seed())
    corpus = Corpus(world, report)
    _targets, lists = corpus.targets()
    for (role, path), params in lists.items():
        corpus.run_list(role, path, params)
    with capsys.disabled():
        print(f"\n{report.summary()}  (HOSTILE_SEED={report.seed} reproduces)")
    _fail_with(report)
