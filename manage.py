#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "improvement_tracker.settings")
    # A shell with no SECRET_KEY is a developer's checkout (a deployment always sets one): run
    # management commands there in development mode rather than stopping at the missing key.
    # The WSGI server does not come through here, so it still refuses to start without a key.
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
