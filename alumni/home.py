"""What each app contributes to the home page, in order. A plain list: an app
that offers a section is imported here, so a broken import fails loudly."""

from events.queries import home_section as events_section
from mentorship.queries import home_section as mentorship_section
from recovery.queries import home_section as recovery_section

SECTIONS = [events_section, mentorship_section, recovery_section]


def sections(user) -> list[dict]:
    return [section(user) for section in SECTIONS]
