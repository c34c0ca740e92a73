"""The web pages' texts and dates: every text has its Danish translation, dates are written out in Copenhagen time."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.messages.pofile import read_po

from functions.webui import i18n


def test_every_text_on_the_pages_has_a_danish_translation() -> None:
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as source:
        template = {message.id for message in read_po(source) if message.id}
    with (i18n.LOCALE_DIR / "da" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        danish = {message.id: message.string for message in read_po(source, locale="da") if message.id}

    assert template - danish.keys() == set(), "run make messages"
    assert [text for text, translated in danish.items() if not translated] == []
    with (i18n.LOCALE_DIR / "da" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        guessed = [message.id for message in read_po(source, locale="da") if message.id and message.fuzzy]
    assert guessed == [], "a fuzzy translation is not shown: translate it and remove the flag"


def test_a_deadline_is_written_out_in_copenhagen_wall_clock_time() -> None:
    winter = datetime(2026, 12, 12, 11, 0, tzinfo=UTC)  # 12.00 in Copenhagen (CET)
    summer = datetime(2026, 6, 12, 10, 0, tzinfo=UTC)  # 12.00 in Copenhagen (CEST)

    assert i18n.written_out(winter, "da") == "lørdag den 12. december 2026 kl. 12.00"
    assert i18n.written_out(summer, "da") == "fredag den 12. juni 2026 kl. 12.00"
    assert i18n.written_out(winter, "en") == "Saturday 12 December 2026 at 12:00"


def test_the_danish_catalogue_is_used_and_english_shows_the_source_texts() -> None:
    assert i18n.translations("da").gettext("Deadline") == "Høringsfrist"
    assert i18n.translations("en").gettext("Deadline") == "Deadline"
    assert i18n.language_of("fr") == "da"
