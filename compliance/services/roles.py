"""The ``editor`` and ``analyst`` roles: Django groups with model permissions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

# Models an editor maintains (add, change, delete); an analyst may only view them.
EDITED_MODELS = (
    "compliance.statement",
    "compliance.federalaction",
    "jurisdictions.policystance",
    "jurisdictions.official",
    "grants.grantaward",
)
# Models both roles may view.
VIEWED_MODELS = (
    *EDITED_MODELS,
    "jurisdictions.jurisdiction",
    "grants.grantprogram",
    "compliance.riskassessment",
    "grants.usaspendingfile",
    "grants.usaspendingtransaction",
)


@transaction.atomic
def roles_ensure() -> dict[str, int]:
    """Create or refresh the ``editor`` and ``analyst`` groups; returns permissions per group."""

    def perms(models: tuple[str, ...], actions: tuple[str, ...]) -> list[Permission]:
        wanted = []
        for label in models:
            app_label, model = label.split(".")
            wanted += [(app_label, f"{action}_{model}") for action in actions]
        found = {
            (p.content_type.app_label, p.codename): p
            for p in Permission.objects.select_related("content_type").filter(
                codename__in=[codename for _, codename in wanted]
            )
        }
        missing = [w for w in wanted if w not in found]
        if missing:
            raise LookupError(f"Permissions not found (run migrate first): {missing}")
        return [found[w] for w in wanted]

    editor_perms = (
        perms(EDITED_MODELS, ("add", "change", "delete", "view"))
        + perms(tuple(m for m in VIEWED_MODELS if m not in EDITED_MODELS), ("view",))
        + perms(("compliance.riskassessment",), ("recompute",))
    )
    analyst_perms = perms(VIEWED_MODELS, ("view",))
    editor, _ = Group.objects.get_or_create(name="editor")
    editor.permissions.set(editor_perms)
    analyst, _ = Group.objects.get_or_create(name="analyst")
    analyst.permissions.set(analyst_perms)
    return {"editor": len(editor_perms), "analyst": len(analyst_perms)}


@transaction.atomic
def user_with_role_create(*, username: str, role: str, email: str = "") -> tuple[Any, str]:
    """Create a staff user in ``role`` (``editor`` or ``analyst``; the roles are refreshed
    first) with a new API token; a user of that name gets the role and a new token. The
    password is left unusable: ``manage.py changepassword <name>`` sets one for the admin.
    Returns the user and the token's key."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    if role not in ("editor", "analyst"):
        raise ValueError(f"Unknown role {role!r}; use editor or analyst.")
    roles_ensure()
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        **{user_model.USERNAME_FIELD: username}, defaults={"email": email, "is_staff": True}
    )
    if created:
        user.set_unusable_password()
    user.is_staff = True
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    Token.objects.filter(user=user).delete()
    return user, Token.objects.create(user=user).key
