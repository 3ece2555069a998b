from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

from plans.models import Membership, Plan, RoleHolder

# Demo accounts, listed in the README. Never for a live service: refused when DEBUG is off.
DEMO_PASSWORD = "demo-password-2019"
SEED_SLUG = "barking-dagenham-ilacs-2019"
DEMO_LEAD_ROLES = ["Director of Operations (CC&S)", "Head of Quality Assurance (CC&S)"]
DEMO_USERS = [
    {"username": "admin", "first_name": "Alex", "last_name": "Admin", "is_staff": True, "is_superuser": True},
    {"username": "manager", "first_name": "Mina", "last_name": "Manager"},
    {"username": "board", "first_name": "Bola", "last_name": "Board-Member"},
    {"username": "lead", "first_name": "Lee", "last_name": "Lead"},
]


class Command(BaseCommand):
    help = "Create demo users (and, with later features, demo data) for trying the tracker. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo is for trying the tracker locally and is refused when DEBUG is off.")
        User = get_user_model()
        for spec in DEMO_USERS:
            fields = {key: value for key, value in spec.items() if key != "username"}
            user, created = User.objects.update_or_create(
                username=spec["username"], defaults=fields | {"email": f"{spec['username']}@example.org"}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.stdout.write(f"{'Created' if created else 'Updated'} demo user '{user.username}'.")
        # The demo lead holds two of the seed plan's roles, when the seed plan is loaded.
        lead = User.objects.get(username="lead")
        seed = Plan.objects.filter(slug=SEED_SLUG).first()
        if seed is not None:
            Membership.objects.update_or_create(
                user=User.objects.get(username="manager"), plan=seed, defaults={"kind": Membership.Kind.PLAN_MANAGER}
            )
            Membership.objects.update_or_create(
                user=User.objects.get(username="board"),
                plan=seed,
                defaults={
                    "kind": Membership.Kind.BOARD_MEMBER,
                    "organisation": "North East London NHS Foundation Trust",
                },
            )
            for title in DEMO_LEAD_ROLES:
                role = seed.roles.filter(title=title).first()
                if role is not None:
                    RoleHolder.objects.get_or_create(role=role, user=lead, defaults={"since": seed.published})
            self.stdout.write(f"Demo lead holds: {', '.join(DEMO_LEAD_ROLES)}.")
        # Until per-plan access arrives, the admin may import plans through the web page.
        admin = User.objects.get(username="admin")
        admin.user_permissions.add(Permission.objects.get(codename="add_plan", content_type__app_label="plans"))
        self.stdout.write(self.style.SUCCESS(f"Demo users ready; password for each: {DEMO_PASSWORD}"))
