"""Password rules beyond Django's own: no password made of the service's own words."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

# Words anyone guessing at this service would try first: its purpose, and the words of a plan.
CONTEXT_WORDS = (
    "improvement",
    "tracker",
    "council",
    "ofsted",
    "ilacs",
    "children",
    "plan",
    "board",
    "action",
    "password",
)


class ServiceWordsValidator:
    """Refuses a password that is little more than the service's name or the words of its work.

    What is left after taking out those words (case-insensitive), digits and punctuation must be at
    least `min_remaining` characters, so "Improvement-Plan-2019!" is refused but a passphrase that
    happens to contain "plan" among other words is not.
    """

    def __init__(self, min_remaining: int = 8):
        self.min_remaining = min_remaining

    def words(self) -> list[str]:
        name_words = re.findall(r"[a-z]{3,}", settings.SERVICE_NAME.lower())
        return sorted(set(CONTEXT_WORDS) | set(name_words), key=len, reverse=True)

    def validate(self, password: str, user=None) -> None:
        rest = password.lower()
        found = False
        for word in self.words():
            if word in rest:
                found = True
                rest = rest.replace(word, "")
        rest = re.sub(r"[\W\d_]+", "", rest)
        if found and len(rest) < self.min_remaining:
            raise ValidationError(
                "Your password is too like the name of this service. Use words that have nothing to do with it.",
                code="password_service_words",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be made of the name of this service or the words of its work."
