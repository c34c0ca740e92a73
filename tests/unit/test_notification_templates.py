"""Notification texts in Danish and English: escaped HTML, written-out Copenhagen times, links to the web front end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.domain.errors import NotFound
from shared.services.notification_templates import (
    TEMPLATES,
    Digest,
    HearingRef,
    NewHearing,
    ResponseReceipt,
    preview,
    render,
    when,
)

WEB = "https://hoeringer.kommune.example/"
HOSTILE = HearingRef(id="h-1", title="<script>alert('x')</script> & Ørestad")


def test_times_are_copenhagen_wall_clock_with_the_date_written_out() -> None:
    winter = datetime(2026, 12, 11, 11, 0, tzinfo=UTC)  # a Friday, UTC+1
    summer = datetime(2026, 6, 5, 10, 30, tzinfo=UTC)  # a Friday, UTC+2

    assert when(winter, "da") == "fredag den 11. december 2026 kl. 12.00"
    assert when(winter, "en") == "Friday 11 December 2026 at 12:00"
    assert when(summer, "da") == "fredag den 5. juni 2026 kl. 12.30"


def test_a_title_with_markup_is_escaped_in_html_and_left_alone_in_text() -> None:
    context = NewHearing(hearing=HOSTILE, summary="<b>planen</b>", deadline="2026-12-11T12:00")

    rendered = render(context, language="da", web_base_url=WEB)

    assert "<script>" not in rendered.html and "<b>planen</b>" not in rendered.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Ørestad" in rendered.html
    assert rendered.subject == "Ny høring: <script>alert('x')</script> & Ørestad"
    assert "<b>planen</b>" in rendered.text and "&lt;" not in rendered.text
    assert "Høringsfrist: fredag den 11. december 2026 kl. 12.00" in rendered.text


def test_links_lead_to_the_web_front_end_and_followers_can_stop() -> None:
    context = NewHearing(hearing=HOSTILE, deadline="2026-12-11T12:00", unsubscribe_url=f"{WEB}afmeld?token=t")

    rendered = render(context, language="en", web_base_url=WEB)

    assert "Read the hearing and respond: https://hoeringer.kommune.example/hoeringer/h-1" in rendered.text
    assert 'href="https://hoeringer.kommune.example/hoeringer/h-1"' in rendered.html
    assert "Stop following: https://hoeringer.kommune.example/afmeld?token=t" in rendered.text
    assert "Deadline: Friday 11 December 2026 at 12:00" in rendered.text
    assert '<html lang="en">' in rendered.html


def test_a_receipt_shows_its_verification_code_and_no_unsubscribe_link() -> None:
    receipt = ResponseReceipt(
        hearing=HearingRef(id="h-1", title="Lokalplan"), received_at="2026-12-01T09:41", verification_code="7F3K-Q9XD"
    )

    rendered = render(receipt, language="da", web_base_url=WEB)

    assert "Kontrolkode: 7F3K-Q9XD" in rendered.text
    assert "<strong>7F3K-Q9XD</strong>" in rendered.html
    assert "tirsdag den 1. december 2026 kl. 09.41" in rendered.text
    assert "Stop med at følge" not in rendered.text and "Stop med at følge" not in rendered.html


def test_the_digest_groups_by_hearing_newest_first() -> None:
    old, new = HearingRef(id="old", title="Trafikplan"), HearingRef(id="new", title="<i>Skoleplan</i>")
    digest = Digest.model_validate(
        {
            "period": "weekly",
            "items": [
                {"hearing": old.model_dump(), "happenedAt": "2026-12-01T08:00", "summary": "første svar"},
                {"hearing": new.model_dump(), "happenedAt": "2026-12-02T08:00", "summary": "nyt svar"},
                {"hearing": old.model_dump(), "happenedAt": "2026-12-03T08:00", "summary": "seneste svar"},
            ],
        }
    )

    rendered = render(digest, language="da", web_base_url=WEB)

    assert [group.hearing.id for group in digest.groups] == ["old", "new"]
    assert [item.summary for item in digest.groups[0].items] == ["seneste svar", "første svar"]
    assert rendered.subject == "Ugens nyt fra dine høringer"
    assert rendered.text.index("seneste svar") < rendered.text.index("første svar") < rendered.text.index("nyt svar")
    assert "&lt;i&gt;Skoleplan&lt;/i&gt;" in rendered.html


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_previews_in_both_languages(template: str, language: str) -> None:
    rendered = preview(template, language=language, web_base_url=WEB)  # type: ignore[arg-type]

    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.html.startswith("<!doctype html>") and f'<html lang="{language}">' in rendered.html
    assert rendered.subject.split(":")[0] in rendered.html
    assert "{{" not in rendered.text and "{%" not in rendered.html
    if template != "cancelled":  # a cancelled hearing is hidden again: nothing to link to
        assert "https://hoeringer.kommune.example/hoeringer/" in rendered.text
    assert "https://hoeringer.kommune.example/afmeld?token=" in rendered.text  # the page that stops it
    assert "/api/" not in rendered.text + rendered.html  # every link is a web page


def test_the_templates_cover_every_message_of_the_portal() -> None:
    assert set(TEMPLATES) == {
        "new_hearing",
        "changed_hearing",
        "deadline_soon",
        "concluded",
        "cancelled",
        "receipt",
        "declined",
        "published",
        "redacted",
        "invitee_opened",
        "reviewer_added",
        "review_waiting",
        "meeting_invitation",
        "meeting_reminder",
        "meeting_changed",
        "meeting_cancelled",
        "digest",
    }


def test_an_unknown_template_is_not_found_naming_the_field() -> None:
    with pytest.raises(NotFound) as caught:
        preview("nope", language="da", web_base_url=WEB)

    assert caught.value.problems[0].field == "template"
