from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from plans import formats
from plans.models import Plan
from plans.services import plan_export


class Command(BaseCommand):
    help = "Export a plan as JSON, CSV or XLSX, to a file or to standard output."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="The plan's slug or id.")
        parser.add_argument("--format", choices=formats.FORMATS, required=True)
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args, plan, format, output, **options):
        found = Plan.objects.filter(slug=plan).first()
        if found is None and plan.isdigit():
            found = Plan.objects.filter(pk=int(plan)).first()
        if found is None:
            raise CommandError(f"No plan has the slug or id '{plan}'.")
        content = plan_export(plan=found, fmt=format)
        if output:
            Path(output).write_bytes(content)
            self.stderr.write(f"Wrote {len(content)} bytes to {output}.")
            return
        stream = self.stdout._out
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            stream.flush()
            buffer.write(content)
            buffer.flush()
        elif format == "xlsx":
            raise CommandError("An XLSX workbook is binary: give --output.")
        else:
            stream.write(content.decode("utf-8"))
