from django.core.management.base import BaseCommand, CommandError

from plans.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the data (every row, history included, users by name) and every stored file it refers to "
        "into one .tar.gz or .zip with a manifest of SHA-256s. Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The archive to write: PATH.tar.gz or PATH.zip.")

    def handle(self, *args, output, **options):
        try:
            result = backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(result.counts.values())
        models = sum(1 for count in result.counts.values() if count)
        self.stdout.write(
            f"Backed up {rows:,} rows of {models} models and {result.files:,} files to {result.path} "
            f"({result.size / 1024 / 1024:.1f} MB)."
        )
        if result.missing_files:
            shown = ", ".join(result.missing_files[:5])
            self.stderr.write(
                f"Warning: {len(result.missing_files)} files the data refers to were not in storage "
                f"and are not in the archive: {shown}"
            )
