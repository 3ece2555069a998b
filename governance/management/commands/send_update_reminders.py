"""Email each lead whose actions lack an update for the period the next board meeting reviews.

Run it daily (cron or a scheduler): it sends only in the N days up to that meeting's update
cut-off, and never the same reminder to the same person twice in a day.

    manage.py send_update_reminders [--plan SLUG] [--days-before N] [--site-url https://tracker.example.gov.uk]
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from governance.meetings import reminders_send
from plans.models import Plan


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


class Command(BaseCommand):
    help = "Email leads whose actions lack an update for the next board meeting, in the days before its cut-off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--plan", metavar="SLUG", help="Only this plan (default: every plan with a meeting planned)."
        )
        parser.add_argument(
            "--days-before",
            type=int,
            default=None,
            metavar="N",
            help=f"Send from N days before the cut-off until the cut-off (default {settings.REMINDER_DAYS_BEFORE}, "
            "from the REMINDER_DAYS_BEFORE setting).",
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The tracker's address, for links in the emails (e.g. https://tracker.example.gov.uk).",
        )

    def handle(self, *args, plan=None, days_before=None, site_url="", **options):
        days_before = settings.REMINDER_DAYS_BEFORE if days_before is None else days_before
        if days_before < 0:
            raise CommandError("--days-before must be 0 or more.")
        plan_obj = None
        if plan:
            plan_obj = Plan.objects.filter(slug=plan).first()
            if plan_obj is None:
                raise CommandError(f"No plan with the slug '{plan}'.")
        today = timezone.localdate()
        runs = reminders_send(plan=plan_obj, days_before=days_before, today=today, site_url=site_url)
        if not runs:
            self.stdout.write("No plan has a meeting planned: no reminders sent.")
        total = 0
        for run in runs:
            if run.skipped:
                self.stdout.write(f"{run.plan.title}: no reminders sent ({run.skipped}).")
                continue
            heading = (
                f"{run.plan.title}: {run.period:%B %Y} updates for the meeting of "
                f"{run.meeting.date.day} {run.meeting.date:%B %Y} (cut-off {run.meeting.cutoff.day} "
                f"{run.meeting.cutoff:%B %Y})"
            )
            self.stdout.write(heading)
            for user, actions in run.sent:
                references = ", ".join(action.reference for action in actions)
                self.stdout.write(self.style.SUCCESS(f"  Sent to {_name(user)} <{user.email}>: {references}"))
            for user in run.already:
                self.stdout.write(f"  Not sent to {_name(user)}: reminded today already.")
            for user in run.no_email:
                self.stdout.write(self.style.WARNING(f"  Not sent to {_name(user)}: no email address."))
            for user, error in run.failed:
                self.stderr.write(self.style.ERROR(f"  Could not send to {_name(user)}: {error}"))
            if not (run.sent or run.already or run.no_email or run.failed):
                self.stdout.write("  Every action has its update: no reminders needed.")
            elif not run.sent and run.already:
                self.stdout.write("  Nothing sent: everyone due a reminder was reminded today already.")
            total += len(run.sent)
        self.stdout.write(f"{total} reminder{'s' if total != 1 else ''} sent.")
        if any(run.failed for run in runs):
            raise CommandError("Some reminders could not be sent; run the command again to retry them.")
