"""Danish first, English by choice: the message catalogues (``locale/*/LC_MESSAGES/messages.po``) and dates.

The ``.po`` files are the source; they are compiled in memory the first time a language is used, so no
generated ``.mo`` file can be stale. Texts are marked with ``_()`` in Python and ``{{ _("...") }}`` in
the templates; ``pybabel extract -F functions/webui/babel.cfg`` finds them (see ``make messages``).
"""

from __future__ import annotations

import functools
import gettext
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# "fredag den 12. december 2026 kl. 12.00" / "Friday 12 December 2026 at 12:00"
_WRITTEN_OUT = {"da": "EEEE 'den' d. MMMM y 'kl.' HH.mm", "en": "EEEE d MMMM y 'at' HH:mm"}
_DATE_ONLY = {"da": "EEEE 'den' d. MMMM y", "en": "EEEE d MMMM y"}


def language_of(wanted: str | None) -> str:
    return wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def written_out(instant: datetime, language: str) -> str:
    """An instant in Copenhagen wall-clock time, written out with the time of day."""
    from babel.dates import format_datetime

    return format_datetime(instant, _WRITTEN_OUT[language], tzinfo=COPENHAGEN, locale=language)


def date_written_out(instant: datetime, language: str) -> str:
    from babel.dates import format_datetime

    return format_datetime(instant, _DATE_ONLY[language], tzinfo=COPENHAGEN, locale=language)


def machine_time(instant: datetime) -> str:
    """For ``<time datetime=...>``: the instant with its Copenhagen offset."""
    return instant.astimezone(COPENHAGEN).isoformat(timespec="minutes")


def time_of_day(instant: datetime, language: str) -> str:
    """The Copenhagen time of day alone, as ``written_out`` writes it: "21.00" / "21:00"."""
    from babel.dates import format_datetime

    return format_datetime(instant, "HH.mm" if language == "da" else "HH:mm", tzinfo=COPENHAGEN, locale=language)
