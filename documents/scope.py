"""Scope rule for background jobs: a job and its file belong to the person who started it."""

from __future__ import annotations

from django.db.models import Q

from organization.scope import NOTHING, Action, Actor, register_scope


def job_rule(actor: Actor, action: Action) -> Q:
    if actor.user_id is None:
        return NOTHING
    return Q(owner_id=actor.user_id)


def register_documents_rules() -> None:
    from documents.models import Job

    register_scope(Job, job_rule)
