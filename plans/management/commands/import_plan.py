from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans import formats
from plans.services import PlanExists, plan_import_file


class Command(BaseCommand):
    help = "Import a plan from a JSON, CSV or XLSX file. Nothing is written unless the whole file is good."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--format", choices=formats.FORMATS, help="Default: from the file's extension.")
        parser.add_argument("--slug", help="The plan's slug (overrides the file's).")
        parser.add_argument("--title", help="The plan's title (required for CSV unless the file has one).")
        parser.add_argument("--organisation", help="The plan's organisation (required for CSV).")
        parser.add_argument("--replace", action="store_true", help="Replace a plan with the same slug.")

    def handle(self, *args, path, format, slug, title, organisation, replace, **options):
        file = Path(path)
        fmt = format or formats.guess_format(file.name)
        if fmt is None:
            raise CommandError(f"Cannot tell the format of '{file.name}': give --format json, csv or xlsx.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read '{path}': {error.strerror}.") from None
        overrides = {"slug": slug, "title": title, "organisation": organisation}
        try:
            plan, result = plan_import_file(content=content, fmt=fmt, overrides=overrides, replace=replace)
        except PlanExists as error:
            raise CommandError(str(error)) from None
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")
        if plan is None:
            for error in result.errors:
                self.stderr.write(f"Error: {error}")
            raise CommandError(f"Nothing was imported: {len(result.errors)} error(s) in '{file.name}'.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported '{plan.title}' as '{plan.slug}': {plan.recommendations.count()} recommendations, "
                f"{plan.actions.count()} actions."
            )
        )
