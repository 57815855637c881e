"""Create or refresh the ``editor`` and ``analyst`` groups."""

from django.core.management.base import BaseCommand

from compliance.services.roles import roles_ensure


class Command(BaseCommand):
    help = "Create or refresh the editor (add/change records) and analyst (view) groups."

    def handle(self, *args: object, **options: object) -> None:
        counts = roles_ensure()
        for group, count in counts.items():
            self.stdout.write(f"{group}: {count} permissions")
