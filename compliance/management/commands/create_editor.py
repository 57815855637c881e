"""``manage.py create_editor <username> [--analyst] [--email ...]``: a user who may write
records (or, with ``--analyst``, only read them), and their API token, printed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.services.roles import user_with_role_create


class Command(BaseCommand):
    help = (
        "Create an editor (or with --analyst, a read-only analyst) and print their API token; "
        "an existing user gets the role and a new token. Set a password for the admin with "
        "'manage.py changepassword <username>'."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--analyst", action="store_true", help="Read-only: view records, change none."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role = "analyst" if options["analyst"] else "editor"
        try:
            user, token = user_with_role_create(
                username=options["username"], role=role, email=options["email"]
            )
        except (ValidationError, ValueError, LookupError) as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"{user.get_username()} is an {role}. API token (send as 'Authorization: Token <key>'):"
        )
        self.stdout.write(token)
