"""Every field of every form and every query parameter of every list, fed every payload class
as every role that reaches it: never a 5xx; when refused, a message in the UI language and
nothing stored; what was accepted renders escaped.

`make fuzz` (HOSTILE_FULL=1) tries every class on every field; `make test` samples a few
classes per field with a printed seed (HOSTILE_SEED=n reproduces a run).
"""

from __future__ import annotations

import time
from typing import Any

from tests.hostile.corpus import Corpus, Report, seed


def test_no_form_field_or_list_parameter_breaks_on_hostile_input(world: Any, capsys: Any) -> None:
    report = Report(seed=seed())
    corpus = Corpus(world, report)
    started = time.monotonic()
    targets, lists = corpus.targets()
    form_trials = [t for target in targets for t in corpus.form_trials(target)]
    list_trials = [t for key, params in lists.items() for t in corpus.list_trials(*key, params)]
    for trial in corpus.sample(form_trials) + corpus.sample(list_trials):
        corpus.run(trial)
    with capsys.disabled():
        print(
            f"\n{report.summary()} in {time.monotonic() - started:.0f}s"
            f"  (HOSTILE_SEED={report.seed} reproduces)"
        )
    found = report.five_hundreds + report.problems
    assert not found, "\n".join([report.summary(), *(str(f) for f in found[:60])])
