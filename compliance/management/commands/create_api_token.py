"""Issue (or revoke) a user's API token: ``create_api_token <username> [--revoke]``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Print a new API token for a user, revoking the one they had. "
        "With --revoke, only revoke it. Send the token as 'Authorization: Token <key>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--revoke", action="store_true", help="Revoke the user's token without a new one."
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        revoked, _ = Token.objects.filter(user=user).delete()
        if options["revoke"]:
            state = "revoked" if revoked else "had no token to revoke"
            self.stderr.write(f"{username}: {state}.")
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive; activate the account first.")
        token = Token.objects.create(user=user)
        self.stdout.write(token.key)
