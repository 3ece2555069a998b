from django.core.management.base import BaseCommand, CommandError

from plans.backup import MAX_MEMBER_BYTES, BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into a new, empty (migrated) database: checks every "
        "SHA-256 first, loads the data in one transaction, then writes the files."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar.gz or .zip written by `manage.py backup`.")
        parser.add_argument(
            "--max-member-bytes",
            type=int,
            default=MAX_MEMBER_BYTES,
            help=f"Refuse any member larger than this (default {MAX_MEMBER_BYTES:,} bytes).",
        )

    def handle(self, *args, archive, max_member_bytes, **options):
        try:
            result = restore(archive, max_member_bytes=max_member_bytes)
        except BackupError as error:
            raise CommandError(f"Nothing was restored. {error}") from error
        self.stdout.write(
            f"Restored {sum(result.counts.values()):,} rows and {result.files_written:,} files "
            f"({result.files_present:,} already in place) from the backup made {result.created}."
        )
