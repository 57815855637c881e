"""Signal receivers of the compliance domain (connected in ComplianceConfig.ready).

Each receiver only works out which jurisdictions a change affects and hands them to
``jurisdictions_mark_stale``, which marks them in the same transaction and queues their
recompute after commit. Saves from the admin, the API and the shell all pass here; bulk paths
call the service (or send ``grants.services.awards_imported``) themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from grants.models import GrantAward, GrantProgram
from grants.selectors import award_jurisdiction_ids
from grants.services import awards_imported
from jurisdictions.models import Jurisdiction, PolicyStance

from .models import FederalAction, Statement
from .selectors.reach import jurisdiction_ids_reachable, jurisdiction_ids_reached_by_action
from .services.stale import jurisdictions_mark_stale

_OLD_JURISDICTION = "_risk_old_jurisdiction_id"
_OLD_REACH = "_risk_old_reach"
_REACHED = "_risk_reached_ids"


def _remember_old_jurisdiction(sender: type[models.Model], instance: Any) -> None:
    if instance.pk is None or getattr(instance, "_state", None) is None or instance._state.adding:
        return
    old = (
        sender._default_manager.filter(pk=instance.pk)
        .values_list("jurisdiction_id", flat=True)
        .first()
    )
    setattr(instance, _OLD_JURISDICTION, old)


def _mark_for(instance: Any) -> None:
    ids = {instance.jurisdiction_id, getattr(instance, _OLD_JURISDICTION, None)}
    jurisdictions_mark_stale(jurisdiction_ids=[i for i in ids if i is not None])


@receiver(pre_save, sender=Statement, dispatch_uid="remember_statement_jurisdiction")
@receiver(pre_save, sender=GrantAward, dispatch_uid="remember_award_jurisdiction")
@receiver(pre_save, sender=PolicyStance, dispatch_uid="remember_stance_jurisdiction")
def remember_old_jurisdiction(sender: type, instance: Any, **kwargs: Any) -> None:
    """Keep the jurisdiction a record belonged to, in case the save moves it elsewhere."""
    if kwargs.get("raw"):
        return
    _remember_old_jurisdiction(sender, instance)


@receiver(post_save, sender=Statement, dispatch_uid="mark_stale_on_statement_save")
@receiver(post_save, sender=GrantAward, dispatch_uid="mark_stale_on_award_save")
@receiver(post_save, sender=PolicyStance, dispatch_uid="mark_stale_on_stance_save")
def mark_stale_on_save(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _mark_for(instance)


@receiver(post_delete, sender=Statement, dispatch_uid="mark_stale_on_statement_delete")
@receiver(post_delete, sender=GrantAward, dispatch_uid="mark_stale_on_award_delete")
@receiver(post_delete, sender=PolicyStance, dispatch_uid="mark_stale_on_stance_delete")
def mark_stale_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    jurisdictions_mark_stale(jurisdiction_ids=[instance.jurisdiction_id])


@receiver(awards_imported, dispatch_uid="mark_stale_on_awards_imported")
def mark_stale_on_awards_imported(sender: Any, jurisdiction_ids: Any, **kwargs: Any) -> None:
    jurisdictions_mark_stale(jurisdiction_ids=jurisdiction_ids)


@receiver(pre_save, sender=FederalAction, dispatch_uid="remember_action_reach")
def remember_action_reach(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Keep how the action reached before this save (effect and all-sanctuary targeting)."""
    if kwargs.get("raw") or instance.pk is None or instance._state.adding:
        return
    old = (
        FederalAction.objects.filter(pk=instance.pk)
        .values_list("effect", "targets_all_sanctuary")
        .first()
    )
    setattr(instance, _OLD_REACH, old)


@receiver(post_save, sender=FederalAction, dispatch_uid="mark_stale_on_action_save")
def mark_stale_on_action_save(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Whoever the action reaches now, or reached before the save, goes stale."""
    if kwargs.get("raw"):
        return
    ids = set(jurisdiction_ids_reached_by_action(action=instance))
    old = getattr(instance, _OLD_REACH, None)
    if old is not None and old != (instance.effect, instance.targets_all_sanctuary):
        effect, all_sanctuary = old
        ids.update(
            jurisdiction_ids_reachable(
                effect=effect, targets_all_sanctuary=all_sanctuary, target_ids=()
            )
        )
    jurisdictions_mark_stale(jurisdiction_ids=ids)


@receiver(pre_delete, sender=FederalAction, dispatch_uid="collect_reach_on_action_delete")
def collect_reach_on_action_delete(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Collect the targets now: their M2M rows are gone by ``post_delete``."""
    setattr(instance, _REACHED, jurisdiction_ids_reached_by_action(action=instance))


@receiver(post_delete, sender=FederalAction, dispatch_uid="mark_stale_on_action_delete")
def mark_stale_on_action_delete(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    jurisdictions_mark_stale(jurisdiction_ids=getattr(instance, _REACHED, ()))


@receiver(
    m2m_changed, sender=FederalAction.targets.through, dispatch_uid="mark_stale_on_targets_change"
)
def mark_stale_on_targets_change(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Targets added or removed go stale; ``pre_clear`` collects the targets a clear drops."""
    if reverse:
        # jurisdiction.federal_actions.add(...): only that jurisdiction changes.
        if action in {"post_add", "post_remove", "post_clear"}:
            jurisdictions_mark_stale(jurisdiction_ids=[instance.pk])
        return
    if action == "pre_clear":
        setattr(instance, _REACHED, list(instance.targets.values_list("pk", flat=True)))
    elif action == "post_clear":
        jurisdictions_mark_stale(jurisdiction_ids=getattr(instance, _REACHED, ()))
    elif action in {"post_add", "post_remove"}:
        jurisdictions_mark_stale(jurisdiction_ids=pk_set or ())


@receiver(
    m2m_changed, sender=FederalAction.programs.through, dispatch_uid="mark_stale_on_programs_change"
)
def mark_stale_on_programs_change(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """A change of covered programs affects everyone the action (or actions) reach."""
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if action == "pre_clear" and reverse:
        setattr(instance, _REACHED, list(instance.federal_actions.values_list("pk", flat=True)))
        return
    if action == "pre_clear":
        return
    if not reverse:
        if action != "post_clear" and not pk_set:
            return
        jurisdictions_mark_stale(
            jurisdiction_ids=jurisdiction_ids_reached_by_action(action=instance)
        )
        return
    action_ids = pk_set if action != "post_clear" else getattr(instance, _REACHED, ())
    ids: set[int] = set()
    for federal_action in FederalAction.objects.filter(pk__in=list(action_ids or ())):
        ids.update(jurisdiction_ids_reached_by_action(action=federal_action))
    jurisdictions_mark_stale(jurisdiction_ids=ids)


@receiver(post_save, sender=GrantProgram, dispatch_uid="mark_stale_on_program_save")
def mark_stale_on_program_save(sender: type, instance: GrantProgram, **kwargs: Any) -> None:
    """A program's name or conditions show in every assessment with money under it."""
    if kwargs.get("raw") or kwargs.get("created"):
        return
    jurisdictions_mark_stale(jurisdiction_ids=award_jurisdiction_ids(program_id=instance.pk))


@receiver(post_save, sender=Jurisdiction, dispatch_uid="mark_stale_on_jurisdiction_save")
def mark_stale_on_jurisdiction_save(sender: type, instance: Jurisdiction, **kwargs: Any) -> None:
    """An edited jurisdiction (a form save or a history revert) is recomputed: its page and
    figures are rebuilt from the records, never from values a revert brought back. The
    recompute writes with UPDATE, so this never loops."""
    if kwargs.get("raw") or kwargs.get("created"):
        return
    jurisdictions_mark_stale(jurisdiction_ids=[instance.pk])
