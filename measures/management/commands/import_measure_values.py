from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from measures import services
from plans.models import Plan


class Command(BaseCommand):
    help = (
        "Import measure values from a CSV or XLSX file with the columns measure_code, period, value, "
        "numerator, denominator, note. Nothing is written unless every row is good."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--plan", required=True, help="The plan's slug.")
        parser.add_argument("--format", choices=services.IMPORT_FORMATS, help="Default: from the file's extension.")
        parser.add_argument("--user", help="Username to record as having entered the values (default: none).")

    def handle(self, *args, path, plan, format, user, **options):
        file = Path(path)
        fmt = format or services.guess_format(file.name)
        if fmt is None:
            raise CommandError(f"Cannot tell the format of '{file.name}': give --format csv or xlsx.")
        try:
            the_plan = Plan.objects.get(slug=plan)
        except Plan.DoesNotExist:
            raise CommandError(f"There is no plan with the slug '{plan}'.") from None
        by = None
        if user:
            try:
                by = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"There is no user '{user}'.") from None
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read '{path}': {error.strerror}.") from None
        # The command line may enter any measure's values: whoever runs it has the server.
        result, _ = services.measure_values_import_file(
            plan=the_plan, content=content, fmt=fmt, by=by, check_permissions=False
        )
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"Error: {error}")
            raise CommandError(f"Nothing was imported: {len(result.errors)} error(s) in '{file.name}'.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported '{file.name}' into '{the_plan.slug}': {result.count('add')} new, "
                f"{result.count('change')} changed, {result.count('same')} unchanged."
            )
        )
