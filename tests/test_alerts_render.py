"""Rendering without servers: Slack's limits met by splitting, escaping of any text
(Hypothesis), and the email built from any text keeps one subject line and its recipients."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.channels import email_channel, slack_channel
from alerts.channels.slack_channel import MAX_BLOCKS, MAX_SECTION_CHARS, escape, render_payloads
from alerts.digest import AlertItem, build_digest, make_article, make_item

WHEN = datetime(2025, 3, 1, tzinfo=UTC)


def item(n: int, *, name: str | None = None, title: str = "Title", sentence: str = "",
         url: str = "https://news.example.org/a", kind: str = "actor") -> AlertItem:
    label = name if name is not None else f"Name {n:04d}"
    return make_item(
        alert_id=f"al{n:04d}", entity_id=f"e{n:04d}", kind=kind, subtype="person",
        name=label, article=make_article("a1", title, url, "RFI", WHEN),
        surface=label, sentence=sentence, article_count=1, source_count=1,
    )


def test_short_items_are_split_at_50_blocks_in_order_and_none_dropped() -> None:
    items = [item(n, kind="town" if n % 4 == 0 else "actor") for n in range(130)]
    digest = build_digest("slack", items)
    payloads = render_payloads(digest)
    assert len(payloads) >= 3
    assert max(len(p["blocks"]) for p in payloads) == MAX_BLOCKS  # the block limit binds
    shown = [
        m.group(1)
        for p in payloads
        for b in p["blocks"]
        if b["type"] == "section" and (m := re.match(r"\*(Name \d{4})\*", b["text"]["text"]))
    ]
    assert shown == [i.name for i in digest.items]
    parts = slack_channel.split_digest(digest)
    assert sum(len(p.items) for p in parts) == 130
    assert len({p.digest_id for p in parts}) == len(parts)
    assert [p.part for p in parts] == list(range(1, len(parts) + 1))


def test_a_hostile_item_is_shortened_visibly_to_fit_a_section() -> None:
    bad = item(1, name="&" * 500, title="<" * 500, sentence="<" * 2000,
               url="https://x.example/" + "&" * 1900)
    text = slack_channel.item_text(bad)
    assert len(text) <= MAX_SECTION_CHARS and "…" in text
    assert "<" not in text.replace("<https://", "")  # only our own link, if any
    payloads = render_payloads(build_digest("slack", [bad] * 1))
    assert slack_channel.limit_problems(payloads[0]) == []


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_escaped_slack_text_holds_no_control_or_formatting_character(text: str) -> None:
    out = escape(text)
    assert not set(out) & set("<>*_~`")
    assert re.sub(r"&(amp|lt|gt);", "", out).count("&") == 0


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            assert name in ("href", "charset", "style"), name
            if name == "href":
                assert value and value.startswith("https://")


OUR_TAGS = {"html", "head", "meta", "title", "body", "p", "h2", "ul", "li", "strong", "em",
            "br", "a", "blockquote", "mark", "small"}


@given(name=st.text(min_size=1), title=st.text(), sentence=st.text())
@settings(max_examples=150, deadline=None)
def test_any_text_gives_an_email_with_our_markup_only_and_one_subject_line(
    name: str, title: str, sentence: str
) -> None:
    digest = build_digest("email", [item(1, name=name, title=title, sentence=sentence)])
    message = email_channel.build_message(
        digest, sender="monitor@example.org", recipients=["analyst@example.org"]
    )
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["To"] == "analyst@example.org" and message["Bcc"] is None
    parser = _Tags()
    parser.feed(email_channel.html_text(digest))
    assert parser.tags <= OUR_TAGS
    article = digest.items[0].article
    assert article is not None and article.title in email_channel.plain_text(digest)
