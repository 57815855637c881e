"""The alert outbox: events for the subscriptions a change matches, with one pending delivery
per channel, written in the transaction of the change (so an event is never lost, and never
written for a change that rolled back). ``compliance.services.delivery`` drains them.

Two sources: a record saved (a new statement or federal action: the jurisdictions it reaches
and the saved searches it matches) and a recompute that changed a jurisdiction's figures
(its stance, level or funding at risk past the subscriber's threshold; the ranking levels it
entered or left). After commit, ``alerts_written`` is sent so a dispatch job is queued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from compliance.filters import FederalActionFilterSet, StatementFilterSet
from compliance.models import AlertDelivery, AlertEvent, FederalAction, Statement, Subscription
from compliance.selectors.reach import jurisdiction_ids_reached_by_action
from jurisdictions.models import Jurisdiction

# Sent (no arguments) after the commit of a transaction that wrote alert deliveries.
alerts_written = Signal()

FILTERSETS = {
    Subscription.RecordType.STATEMENTS: StatementFilterSet,
    Subscription.RecordType.FEDERAL_ACTIONS: FederalActionFilterSet,
}


def _announce() -> None:
    transaction.on_commit(lambda: alerts_written.send_robust(sender=None))


def deliveries_for(
    events: Sequence[AlertEvent], subscriptions: dict[int, Subscription], *, now: datetime
) -> list[AlertDelivery]:
    """The pending deliveries of saved events: a webhook when one is set and active, an email
    unless it is off (for the daily digest when the subscription asks for one)."""
    rows = []
    for event in events:
        sub = subscriptions[event.subscription_id]
        if sub.webhook_url and sub.webhook_active:
            rows.append(AlertDelivery(
                event=event, subscription_id=sub.pk, channel=AlertDelivery.Channel.WEBHOOK,
                next_attempt_at=now, created_at=now,
            ))  # fmt: skip
        if sub.email != Subscription.Email.OFF:
            rows.append(AlertDelivery(
                event=event, subscription_id=sub.pk, channel=AlertDelivery.Channel.EMAIL,
                digest=sub.email == Subscription.Email.DAILY, next_attempt_at=now,
                created_at=now,
            ))  # fmt: skip
    return rows


def events_write(events: Sequence[AlertEvent], subscriptions: dict[int, Subscription]) -> int:
    """Save events and their deliveries; announce them after commit. Returns the events."""
    if not events:
        return 0
    now = events[0].created_at
    with transaction.atomic():
        AlertEvent.objects.bulk_create(events, batch_size=1_000)
        AlertDelivery.objects.bulk_create(
            deliveries_for(events, subscriptions, now=now), batch_size=1_000
        )
        _announce()
    return len(events)


# --- New records ----------------------------------------------------------------------------


def _record_summary(record: Statement | FederalAction) -> dict[str, Any]:
    if isinstance(record, Statement):
        return {
            "type": Subscription.RecordType.STATEMENTS.value, "id": record.pk,
            "title": f"{record.speaker}: {record.quote[:200]}",
            "date": record.said_on.isoformat() if isinstance(record.said_on, date) else
            str(record.said_on), "position": record.position, "source_url": record.source_url,
            "jurisdiction": record.jurisdiction.slug,
        }  # fmt: skip
    return {
        "type": Subscription.RecordType.FEDERAL_ACTIONS.value, "id": record.pk,
        "title": record.title,
        "date": record.issued_on.isoformat() if isinstance(record.issued_on, date) else
        str(record.issued_on), "kind": record.kind, "effect": record.effect,
        "source_url": record.source_url,
    }  # fmt: skip


def search_matches(
    *, record_type: str, record_ids: Sequence[int]
) -> list[tuple[Subscription, list[int]]]:
    """The saved searches over ``record_type`` and which of the records each matches (one
    query per saved search, over the new records only)."""
    filterset_class = FILTERSETS[Subscription.RecordType(record_type)]
    model = filterset_class._meta.model
    found = []
    searches = Subscription.objects.filter(kind=Subscription.Kind.SEARCH, record_type=record_type)
    for sub in searches.order_by("pk"):
        filterset = filterset_class(
            data=dict(sub.query), queryset=model._default_manager.filter(pk__in=list(record_ids))
        )
        if not filterset.is_valid():  # a query that no longer validates matches nothing
            continue
        ids = sorted(set(filterset.qs.values_list("pk", flat=True)))
        if ids:
            found.append((sub, ids))
    return found


def record_events_write(
    *, records: Sequence[Statement | FederalAction], reached: dict[int, Iterable[int]]
) -> int:
    """Events for new records of one type: each subscription to a jurisdiction a record
    reaches (``reached``: record id -> jurisdiction ids) and each saved search it matches.
    Returns the events written."""
    if not records:
        return 0
    record_type = (
        Subscription.RecordType.STATEMENTS
        if isinstance(records[0], Statement)
        else Subscription.RecordType.FEDERAL_ACTIONS
    )
    by_id = {r.pk: r for r in records}
    wanted: dict[int, set[int]] = {}  # jurisdiction id -> record ids
    for record_id, ids in reached.items():
        for jurisdiction_id in ids:
            wanted.setdefault(jurisdiction_id, set()).add(record_id)
    now = timezone.now()
    subscriptions: dict[int, Subscription] = {}
    events: list[AlertEvent] = []
    followers = Subscription.objects.filter(
        kind=Subscription.Kind.JURISDICTION, jurisdiction_id__in=sorted(wanted)
    ).select_related("jurisdiction")
    for sub in followers.order_by("pk"):
        subscriptions[sub.pk] = sub
        for record_id in sorted(wanted[sub.jurisdiction_id]):  # type: ignore[index]
            payload = {"record": _record_summary(by_id[record_id]),
                       "jurisdiction": sub.jurisdiction.slug}  # type: ignore[union-attr]  # fmt: skip
            events.append(AlertEvent(
                subscription=sub, kind=AlertEvent.Kind.RECORD, record_type=record_type,
                record_id=record_id, jurisdiction_id=sub.jurisdiction_id, payload=payload,
                created_at=now,
            ))  # fmt: skip
    for sub, ids in search_matches(record_type=record_type, record_ids=sorted(by_id)):
        subscriptions[sub.pk] = sub
        for record_id in ids:
            events.append(AlertEvent(
                subscription=sub, kind=AlertEvent.Kind.RECORD, record_type=record_type,
                record_id=record_id, payload={"record": _record_summary(by_id[record_id]),
                                              "query": sub.query},
                created_at=now,
            ))  # fmt: skip
    return events_write(events, subscriptions)


def statements_events_write(*, statements: Sequence[Statement]) -> int:
    """Events for newly saved statements."""
    return record_events_write(
        records=statements, reached={s.pk: (s.jurisdiction_id,) for s in statements}
    )


def federal_action_events_write(*, action: FederalAction) -> int:
    """Events for a newly saved federal action (its targets and programs set)."""
    return record_events_write(
        records=[action], reached={action.pk: jurisdiction_ids_reached_by_action(action=action)}
    )


# --- Changed figures ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FiguresChange:
    """A jurisdiction's stored figures before and after a recompute wrote them."""

    jurisdiction_id: int
    old_funding_usd: int
    new_funding_usd: int
    old_level: str
    new_level: str
    old_stance: str
    new_stance: str
    old_computed_at: datetime | None


def jurisdiction_change_matches(sub: Subscription, change: FiguresChange) -> bool:
    """Whether a figures change is an event for a jurisdiction subscription: a new stance or
    level, or a funding change of at least the threshold (dollars or percent of the old
    figure; any change when no threshold is set). The same rule as ``_FIGURES_EVENTS_SQL``."""
    if change.old_stance != change.new_stance or change.old_level != change.new_level:
        return True
    delta = abs(change.new_funding_usd - change.old_funding_usd)
    if delta == 0:
        return False
    if sub.threshold_usd is None and sub.threshold_percent is None:
        return True
    if sub.threshold_usd is not None and delta >= max(sub.threshold_usd, 1):
        return True
    if sub.threshold_percent is not None:
        old = change.old_funding_usd
        return old == 0 or delta * 100 >= sub.threshold_percent * old
    return False


def ranking_change_matches(sub: Subscription, change: FiguresChange) -> bool:
    """Whether a jurisdiction entered or left the level a ranking subscription watches."""
    return change.old_level != change.new_level and sub.level in (
        change.old_level,
        change.new_level,
    )


def _figures_payload(change: FiguresChange, slug: str, name: str, at: datetime) -> dict:
    return {
        "jurisdiction": slug,
        "name": name,
        "before": {
            "funding_at_risk_usd": change.old_funding_usd, "risk_level": change.old_level,
            "stance": change.old_stance,
            "computed_at": change.old_computed_at.isoformat() if change.old_computed_at else None,
        },
        "after": {
            "funding_at_risk_usd": change.new_funding_usd, "risk_level": change.new_level,
            "stance": change.new_stance, "computed_at": at.isoformat(),
        },
    }  # fmt: skip


# One statement: events for every jurisdiction and ranking subscription the changes match,
# then a pending delivery per wanted channel. The predicates are those of
# ``jurisdiction_change_matches`` and ``ranking_change_matches``.
_FIGURES_EVENTS_SQL = """
WITH c AS (
    SELECT c.*, j.slug, j.name
    FROM unnest(%(ids)s::bigint[], %(old_funding)s::bigint[], %(new_funding)s::bigint[],
                %(old_level)s::varchar[], %(new_level)s::varchar[], %(old_stance)s::varchar[],
                %(new_stance)s::varchar[], %(old_at)s::timestamptz[])
         AS c(id, old_funding, new_funding, old_level, new_level, old_stance, new_stance,
              old_at)
    JOIN jurisdictions_jurisdiction j ON j.id = c.id
), matched AS (
    SELECT s.id AS sub_id, 'figures' AS kind, c.*
    FROM c JOIN compliance_subscription s
      ON s.kind = 'jurisdiction' AND s.jurisdiction_id = c.id
    WHERE c.old_stance <> c.new_stance OR c.old_level <> c.new_level
       OR (c.new_funding <> c.old_funding AND (
              (s.threshold_usd IS NULL AND s.threshold_percent IS NULL)
           OR (s.threshold_usd IS NOT NULL
               AND abs(c.new_funding - c.old_funding) >= greatest(s.threshold_usd, 1))
           OR (s.threshold_percent IS NOT NULL
               AND (c.old_funding = 0
                    OR abs(c.new_funding - c.old_funding) * 100
                       >= s.threshold_percent * c.old_funding))))
    UNION ALL
    SELECT s.id AS sub_id, 'ranking' AS kind, c.*
    FROM c JOIN compliance_subscription s
      ON s.kind = 'ranking' AND c.old_level <> c.new_level
     AND s.level IN (c.old_level, c.new_level)
), events AS (
    INSERT INTO compliance_alertevent
        (subscription_id, kind, jurisdiction_id, record_type, record_id, payload, created_at)
    SELECT sub_id, kind, id, '', NULL, jsonb_build_object(
        'jurisdiction', slug, 'name', name,
        'before', jsonb_build_object('funding_at_risk_usd', old_funding,
                                     'risk_level', old_level, 'stance', old_stance,
                                     'computed_at', to_jsonb(old_at)),
        'after', jsonb_build_object('funding_at_risk_usd', new_funding,
                                    'risk_level', new_level, 'stance', new_stance,
                                    'computed_at', to_jsonb(%(at)s::timestamptz))),
        %(at)s
    FROM matched
    RETURNING id, subscription_id
)
INSERT INTO compliance_alertdelivery
    (event_id, subscription_id, channel, digest, uuid, status, attempts, next_attempt_at,
     created_at, last_error)
SELECT e.id, e.subscription_id, ch.channel, ch.digest, gen_random_uuid(), 'pending', 0,
       %(at)s, %(at)s, ''
FROM events e
JOIN compliance_subscription s ON s.id = e.subscription_id
CROSS JOIN LATERAL (VALUES
    ('webhook', false, s.webhook_url <> '' AND s.webhook_active),
    ('email', s.email = 'daily', s.email <> 'off')
) AS ch(channel, digest, wanted)
WHERE ch.wanted
"""


def figures_events_write(*, changes: Sequence[FiguresChange], at: datetime) -> int:
    """Events for jurisdictions whose stored figures a recompute changed, in the caller's
    transaction. A first computation (nothing stored before) is no event. Returns the
    deliveries written (PostgreSQL) or the events (elsewhere)."""
    changes = [
        c for c in changes
        if c.old_computed_at is not None
        and (c.old_funding_usd, c.old_level, c.old_stance)
        != (c.new_funding_usd, c.new_level, c.new_stance)
    ]  # fmt: skip
    if (
        not changes
        or not Subscription.objects.filter(
            kind__in=(Subscription.Kind.JURISDICTION, Subscription.Kind.RANKING)
        ).exists()
    ):
        return 0
    if connection.vendor == "postgresql":
        params: dict[str, Any] = {
            "ids": [c.jurisdiction_id for c in changes],
            "old_funding": [c.old_funding_usd for c in changes],
            "new_funding": [c.new_funding_usd for c in changes],
            "old_level": [c.old_level for c in changes],
            "new_level": [c.new_level for c in changes],
            "old_stance": [c.old_stance for c in changes],
            "new_stance": [c.new_stance for c in changes],
            "old_at": [c.old_computed_at for c in changes],
            "at": at,
        }
        with connection.cursor() as cursor:
            cursor.execute(_FIGURES_EVENTS_SQL, params)
            written = cursor.rowcount
        if written:
            _announce()
        return written
    by_id = {c.jurisdiction_id: c for c in changes}
    names = dict(
        (pk, (slug, name))
        for pk, slug, name in Jurisdiction.objects.filter(pk__in=list(by_id)).values_list(
            "pk", "slug", "name"
        )
    )
    subscriptions: dict[int, Subscription] = {}
    events: list[AlertEvent] = []

    def add(sub: Subscription, kind: str, change: FiguresChange) -> None:
        subscriptions[sub.pk] = sub
        slug, name = names[change.jurisdiction_id]
        events.append(AlertEvent(
            subscription=sub, kind=kind, jurisdiction_id=change.jurisdiction_id,
            payload=_figures_payload(change, slug, name, at), created_at=at,
        ))  # fmt: skip

    for sub in Subscription.objects.filter(
        kind=Subscription.Kind.JURISDICTION, jurisdiction_id__in=list(by_id)
    ).order_by("pk"):
        change = by_id[sub.jurisdiction_id]  # type: ignore[index]
        if jurisdiction_change_matches(sub, change):
            add(sub, AlertEvent.Kind.FIGURES, change)
    moved = [c for c in changes if c.old_level != c.new_level]
    if moved:
        for sub in Subscription.objects.filter(kind=Subscription.Kind.RANKING).order_by("pk"):
            for change in moved:
                if ranking_change_matches(sub, change):
                    add(sub, AlertEvent.Kind.RANKING, change)
    return events_write(events, subscriptions)


def sample_event_write(*, subscription: Subscription) -> AlertEvent:
    """A test event for a subscription, delivered on its channels like any other."""
    now = timezone.now()
    event = AlertEvent(
        subscription=subscription, kind=AlertEvent.Kind.TEST,
        jurisdiction_id=subscription.jurisdiction_id,
        payload={"test": True, "message": "A test event: your subscription's delivery works."},
        created_at=now,
    )  # fmt: skip
    events_write([event], {subscription.pk: subscription})
    return event
