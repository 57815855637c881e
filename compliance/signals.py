"""Signal receivers of the compliance domain (connected in ComplianceConfig.ready).

Each receiver only works out which jurisdictions a change affects, and from which date on,
and hands them to ``jurisdictions_mark_stale``, which marks them in the same transaction and
queues their recompute (figures and timeline from that date) after commit. Saves from the
admin, the API and the shell all pass here; bulk paths call the service (or send
``grants.services.awards_imported``) themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from grants.models import GrantAward, GrantAwardShare, GrantProgram
from grants.selectors import award_jurisdiction_ids
from grants.services import awards_imported
from jurisdictions.models import Jurisdiction, PolicyStance

from .models import ActionBlock, FederalAction, FederalActionStatus, Statement
from .risk.timeline import figure_usable_on
from .selectors.reach import jurisdiction_ids_reachable, jurisdiction_ids_reached_by_action
from .services.alerts import alerts_written
from .services.stale import jurisdictions_mark_stale
from .tasks import alerts_dispatch_enqueue

_OLD = "_risk_old"  # what a record was before its save: (jurisdiction ids, date)
_REACHED = "_risk_reached"  # who an action reached before its rows go: (ids, date)


def _earliest(*days: date | None) -> date | None:
    known = [day for day in days if day is not None]
    return min(known) if known else None


# --- Records of one jurisdiction: statements, stance periods, awards and their shares -------


def _record_reach(instance: Any) -> tuple[set[int], date | None]:
    """The jurisdictions a record bears on and the first date it counts."""
    if isinstance(instance, Statement):
        return {instance.jurisdiction_id}, instance.said_on
    if isinstance(instance, PolicyStance):
        return {instance.jurisdiction_id}, instance.effective_from
    if isinstance(instance, GrantAward):
        members = (
            set(instance.shares.values_list("jurisdiction_id", flat=True)) if instance.pk else set()
        )
        day = figure_usable_on(fiscal_year=instance.fiscal_year, published_on=instance.published_on)
        return {instance.jurisdiction_id, *members}, day
    if isinstance(instance, GrantAwardShare):
        award = instance.award
        day = figure_usable_on(fiscal_year=award.fiscal_year, published_on=award.published_on)
        return {instance.jurisdiction_id, award.jurisdiction_id}, day
    raise TypeError(type(instance))


_RECORDS = (Statement, PolicyStance, GrantAward, GrantAwardShare)


def _remember(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Keep where and when a record counted before this save (a move marks both)."""
    if kwargs.get("raw") or instance.pk is None or instance._state.adding:
        return
    stored = sender._default_manager.filter(pk=instance.pk).first()
    if stored is not None:
        setattr(instance, _OLD, _record_reach(stored))


def _mark(sender: type, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    ids, day = _record_reach(instance)
    old_ids, old_day = getattr(instance, _OLD, (set(), None))
    jurisdictions_mark_stale(jurisdiction_ids=ids | old_ids, since=_earliest(day, old_day))


def _collect_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    setattr(instance, _OLD, _record_reach(instance))


def _mark_on_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    ids, day = getattr(instance, _OLD, (set(), None))
    jurisdictions_mark_stale(jurisdiction_ids=ids, since=day)


for _model in _RECORDS:
    _name = _model.__name__.lower()
    pre_save.connect(_remember, sender=_model, dispatch_uid=f"remember_{_name}")
    post_save.connect(_mark, sender=_model, dispatch_uid=f"mark_stale_on_{_name}_save")
    pre_delete.connect(_collect_on_delete, sender=_model, dispatch_uid=f"collect_{_name}_delete")
    post_delete.connect(
        _mark_on_delete, sender=_model, dispatch_uid=f"mark_stale_on_{_name}_delete"
    )


@receiver(awards_imported, dispatch_uid="mark_stale_on_awards_imported")
def mark_stale_on_awards_imported(sender: Any, jurisdiction_ids: Any, **kwargs: Any) -> None:
    jurisdictions_mark_stale(jurisdiction_ids=jurisdiction_ids, since=kwargs.get("since"))


# --- Federal actions, their status changes and their blocks ----------------------------------


@receiver(pre_save, sender=FederalAction, dispatch_uid="remember_action_reach")
def remember_action_reach(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Keep how and from when the action reached before this save."""
    if kwargs.get("raw") or instance.pk is None or instance._state.adding:
        return
    old = (
        FederalAction.objects.filter(pk=instance.pk)
        .values_list("effect", "targets_all_sanctuary", "issued_on")
        .first()
    )
    setattr(instance, _OLD, old)


@receiver(post_save, sender=FederalAction, dispatch_uid="mark_stale_on_action_save")
def mark_stale_on_action_save(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Whoever the action reaches now, or reached before the save, goes stale from the
    earlier of its old and new dates."""
    if kwargs.get("raw"):
        return
    ids = set(jurisdiction_ids_reached_by_action(action=instance))
    since: date | None = instance.issued_on
    old = getattr(instance, _OLD, None)
    if old is not None:
        effect, all_sanctuary, issued_on = old
        since = _earliest(since, issued_on)
        if (effect, all_sanctuary) != (instance.effect, instance.targets_all_sanctuary):
            ids.update(
                jurisdiction_ids_reachable(
                    effect=effect, targets_all_sanctuary=all_sanctuary, target_ids=()
                )
            )
    jurisdictions_mark_stale(jurisdiction_ids=ids, since=since)
    # Status changes this action caused take its date: their actions' reach goes stale too.
    for change in FederalActionStatus.objects.filter(caused_by=instance).select_related("action"):
        jurisdictions_mark_stale(
            jurisdiction_ids=jurisdiction_ids_reached_by_action(action=change.action),
            since=_earliest(since, change.action.issued_on),
        )


@receiver(pre_delete, sender=FederalAction, dispatch_uid="collect_reach_on_action_delete")
def collect_reach_on_action_delete(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    """Collect the targets now: their M2M rows are gone by ``post_delete``."""
    setattr(
        instance,
        _REACHED,
        (jurisdiction_ids_reached_by_action(action=instance), instance.issued_on),
    )


@receiver(post_delete, sender=FederalAction, dispatch_uid="mark_stale_on_action_delete")
def mark_stale_on_action_delete(sender: type, instance: FederalAction, **kwargs: Any) -> None:
    ids, since = getattr(instance, _REACHED, ((), None))
    jurisdictions_mark_stale(jurisdiction_ids=ids, since=since)


@receiver(post_save, sender=FederalActionStatus, dispatch_uid="mark_stale_on_status_save")
@receiver(post_delete, sender=FederalActionStatus, dispatch_uid="mark_stale_on_status_delete")
def mark_stale_on_status_change(sender: type, instance: FederalActionStatus, **kwargs: Any) -> None:
    """A status change affects whoever its action reaches, from its date (or the action's, for
    a change whose old date is not known here)."""
    if kwargs.get("raw"):
        return
    action = FederalAction.objects.filter(pk=instance.action_id).first()
    if action is None:  # deleted together with its action: the action's receivers mark
        return
    since = _earliest(instance.on, getattr(instance, _OLD, None)) if instance.pk else None
    jurisdictions_mark_stale(
        jurisdiction_ids=jurisdiction_ids_reached_by_action(action=action),
        since=since or action.issued_on,
    )


@receiver(pre_save, sender=FederalActionStatus, dispatch_uid="remember_status_date")
def remember_status_date(sender: type, instance: FederalActionStatus, **kwargs: Any) -> None:
    if kwargs.get("raw") or instance.pk is None or instance._state.adding:
        return
    stored = FederalActionStatus.objects.filter(pk=instance.pk).first()
    if stored is not None:
        setattr(instance, _OLD, stored.on)


@receiver(post_save, sender=ActionBlock, dispatch_uid="mark_stale_on_block_save")
@receiver(post_delete, sender=ActionBlock, dispatch_uid="mark_stale_on_block_delete")
def mark_stale_on_block_change(sender: type, instance: ActionBlock, **kwargs: Any) -> None:
    """A protective action's scope affects whoever it protects, from its date."""
    if kwargs.get("raw"):
        return
    protector = FederalAction.objects.filter(pk=instance.protector_id).first()
    if protector is None:
        return
    jurisdictions_mark_stale(
        jurisdiction_ids=jurisdiction_ids_reached_by_action(action=protector),
        since=protector.issued_on,
    )


@receiver(
    m2m_changed, sender=ActionBlock.programs.through, dispatch_uid="mark_stale_on_block_programs"
)
def mark_stale_on_block_programs(
    sender: type, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and not reverse:
        mark_stale_on_block_change(ActionBlock, instance)


@receiver(
    m2m_changed, sender=FederalAction.targets.through, dispatch_uid="mark_stale_on_targets_change"
)
def mark_stale_on_targets_change(
    sender: type, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Targets added or removed go stale from the action's date; ``pre_clear`` collects the
    targets a clear drops."""
    if reverse:
        # jurisdiction.federal_actions.add(...): only that jurisdiction changes.
        if action in {"post_add", "post_remove", "post_clear"}:
            jurisdictions_mark_stale(jurisdiction_ids=[instance.pk])
        return
    if action == "pre_clear":
        setattr(instance, _REACHED, list(instance.targets.values_list("pk", flat=True)))
    elif action == "post_clear":
        jurisdictions_mark_stale(
            jurisdiction_ids=getattr(instance, _REACHED, ()), since=instance.issued_on
        )
    elif action in {"post_add", "post_remove"}:
        jurisdictions_mark_stale(jurisdiction_ids=pk_set or (), since=instance.issued_on)


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
            jurisdiction_ids=jurisdiction_ids_reached_by_action(action=instance),
            since=instance.issued_on,
        )
        return
    action_ids = pk_set if action != "post_clear" else getattr(instance, _REACHED, ())
    for federal_action in FederalAction.objects.filter(pk__in=list(action_ids or ())):
        jurisdictions_mark_stale(
            jurisdiction_ids=jurisdiction_ids_reached_by_action(action=federal_action),
            since=federal_action.issued_on,
        )


# --- Reference records every figure reads -------------------------------------------------------


@receiver(post_save, sender=GrantProgram, dispatch_uid="mark_stale_on_program_save")
def mark_stale_on_program_save(sender: type, instance: GrantProgram, **kwargs: Any) -> None:
    """A program's name or conditions show in every assessment with money under it."""
    if kwargs.get("raw") or kwargs.get("created"):
        return
    jurisdictions_mark_stale(jurisdiction_ids=award_jurisdiction_ids(program_id=instance.pk))


@receiver(post_save, sender=Jurisdiction, dispatch_uid="mark_stale_on_jurisdiction_save")
def mark_stale_on_jurisdiction_save(sender: type, instance: Jurisdiction, **kwargs: Any) -> None:
    """An edited jurisdiction (a form save or a history revert) is recomputed, its whole
    timeline too (its state and kind place it in the national totals): its page and figures
    are rebuilt from the records, never from values a revert brought back. The recompute writes
    with UPDATE, so this never loops."""
    if kwargs.get("raw") or kwargs.get("created"):
        return
    jurisdictions_mark_stale(jurisdiction_ids=[instance.pk])


# --- Alerts ---------------------------------------------------------------------------------


@receiver(alerts_written)
def alerts_dispatch_after_commit(sender: Any, **kwargs: Any) -> None:
    """Deliveries were written and committed: queue a dispatch."""
    alerts_dispatch_enqueue()
