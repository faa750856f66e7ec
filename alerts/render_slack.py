"""A digest as Slack Block Kit messages (incoming webhook payloads), with a text fallback.

Slack's limits are met by splitting, never by dropping: a message holds at most 50 blocks
(`MAX_BLOCKS`), a section's text at most 3000 characters, a header at most 150. Slack also
refuses a message whose blocks hold too much text in all (`msg_blocks_too_long`, observed
from about 12,000 characters and not documented: slackapi/bolt-js#2509, #2867), so a message
carries at most `MAX_MESSAGE_CHARS` of block text. `split_digest` cuts a digest
into as many parts as needed, each a Digest of its own (own id, "part 2 of 3"), and delivery
sends and marks each part on its own.

Escaping untrusted text (names, titles, sentences, sources) for mrkdwn:
- `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` as Slack's formatting reference asks, so
  `<!channel>`, `<!here>`, `<@U123>`, `<#C1>` and `<url|fake link>` stay inert text;
- Slack has no escape for `*`, `_`, `~` and `` ` ``: they are replaced by look-alike
  characters (∗ ˍ ∼ ˋ) so a title cannot open bold, italics, strike-through or code;
- every mrkdwn text object is `verbatim`, so Slack does not turn bare URLs, `@channel` or
  `#channel` into links or mentions;
- text is a single line (alerts.digest), so it can never start a `>` quote of its own.
An item whose escaped text would still pass 3000 characters (a hostile page) is shortened
with a visible '…', never cut silently.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from alerts.digest import (
    KIND_TITLES,
    AlertItem,
    Digest,
    date_text,
    describe_subtype,
    find_highlights,
    single_line,
)

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_MESSAGE_CHARS = 10_000
MAX_FALLBACK_CHARS = 300

_LOOK_ALIKES = str.maketrans(
    {
        "*": "\u2217",  # asterisk operator
        "\uff0a": "\ufe61",  # fullwidth asterisk -> small asterisk
        "_": "\u02cd",  # modifier letter low macron
        "\uff3f": "\u2e0f",  # fullwidth low line -> paragraphos
        "~": "\u223c",  # tilde operator
        "`": "\u02cb",  # modifier letter grave accent
        "\uff40": "\u02cb",
    }
)


def escape(text: str) -> str:
    """Untrusted text made inert in mrkdwn (see the module docstring)."""
    text = text.translate(_LOOK_ALIKES)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_url(url: str) -> str:
    """A URL for `<url|text>`: `|` would end the URL, so it is percent-encoded."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def link(url: str | None, text: str) -> str:
    return f"<{escape_url(url)}|{escape(text)}>" if url else escape(text)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


# --- one item ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Budget:
    name: int | None = None
    title: int | None = None
    sentence: int | None = None
    links: bool = True


# From generous to terse: the first that fits 3000 characters once escaped is used.
_BUDGETS = (
    _Budget(),
    _Budget(sentence=400),
    _Budget(title=150, sentence=150, links=False),
    _Budget(name=80, title=80, sentence=0, links=False),
)


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None else single_line(text, max(limit, 1))


def item_text(item: AlertItem) -> str:
    for budget in _BUDGETS:
        text = _item_text(item, budget)
        if len(text) <= MAX_SECTION_CHARS:
            return text
    return text[: MAX_SECTION_CHARS - 1] + "…"  # unreachable with the budgets above


def _item_text(item: AlertItem, budget: _Budget) -> str:
    lines = [f"*{escape(_clip(item.name, budget.name))}*  ·  {escape(describe_subtype(item))}"]
    if item.kind == "town":
        where = escape(item.region or "region unknown")
        if item.coordinates:
            where += "  ·  " + link(item.map_url if budget.links else None, item.coordinates)
        else:
            where += "  ·  coordinates unknown"
        lines.append(":round_pushpin: " + where)
    if item.article:
        art = item.article
        title = _clip(art.title, budget.title)
        lines.append(
            f":newspaper: {link(art.url if budget.links else None, title)}  ·  "
            f"{escape(art.source)}, {date_text(art.published_at)}"
        )
    if item.sentence and budget.sentence != 0:
        shown = item
        if budget.sentence is not None and len(item.sentence) > budget.sentence:
            shown = _shortened(item, budget.sentence)
        quoted = "".join(
            f"*{escape(t)}*" if hit and t.strip() else escape(t)
            for t, hit in shown.sentence_parts()
        )
        lines.append(f">\u201c{quoted}\u201d")
    a, s = item.article_count, item.source_count
    lines.append(
        f"_{a} article{'s' if a != 1 else ''} · {s} source{'s' if s != 1 else ''} in this run_"
    )
    return "\n".join(lines)


def _shortened(item: AlertItem, limit: int) -> AlertItem:
    """The sentence cut around the first highlight, with visible ellipses."""
    start = item.highlights[0][0] if item.highlights else 0
    lo = max(0, start - limit // 3)
    piece = item.sentence[lo : lo + limit]
    text = ("…" if lo > 0 else "") + piece + ("…" if lo + limit < len(item.sentence) else "")
    return replace(item, sentence=text, highlights=find_highlights(text, [item.name]))


# --- messages ----------------------------------------------------------------------------


def _header_text(digest: Digest) -> str:
    if digest.test:
        return "mali-monitor: test alert"
    return f"mali-monitor: {digest.counts_text()}{digest.part_suffix()}"[:MAX_HEADER_CHARS]


def fallback_text(digest: Digest) -> str:
    """The notification text (shown where blocks are not): counts and the first names."""
    names = ", ".join(item.name for item in digest.items[:5])
    more = len(digest.items) - min(len(digest.items), 5)
    raw = f"{_header_text(digest)}: {names}" + (f" and {more} more" if more else "")
    return escape(single_line(raw, MAX_FALLBACK_CHARS))


def _context_text(digest: Digest) -> str:
    bits = ["test alert: the entity below is an example" if digest.test else "new since the "
            "seed corpus and every earlier run"]
    if digest.run_id:
        bits.append(f"run {escape(digest.run_id)}")
    bits.append(f"digest {digest.digest_id}")
    return "  ·  ".join(bits)


def _frame_blocks(digest: Digest) -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": _header_text(digest)}},
        {"type": "context", "elements": [_mrkdwn(_context_text(digest))]},
    ]


def _group_block(kind: str, count: int) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(f"*{KIND_TITLES[kind]}* ({count})")}


def render_payload(digest: Digest) -> dict[str, Any]:
    """One webhook payload for a digest that fits one message (see `split_digest`)."""
    blocks = _frame_blocks(digest)
    for n, (kind, items) in enumerate(digest.groups()):
        if n:
            blocks.append({"type": "divider"})
        blocks.append(_group_block(kind, len(items)))
        blocks += [{"type": "section", "text": _mrkdwn(item_text(item))} for item in items]
    payload = {
        "text": fallback_text(digest),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    problems = limit_problems(payload)
    if problems:  # split_digest guarantees this never happens
        raise ValueError("Slack message over its limits: " + "; ".join(problems))
    return payload


def limit_problems(payload: dict[str, Any]) -> list[str]:
    """What in a payload breaks Slack's documented limits (empty: it fits)."""
    problems = []
    blocks = payload.get("blocks", [])
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    total = block_text_chars(blocks)
    if total > MAX_MESSAGE_CHARS:
        problems.append(f"{total} characters of block text > {MAX_MESSAGE_CHARS}")
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        if block["type"] == "header" and len(text) > MAX_HEADER_CHARS:
            problems.append(f"header of {len(text)} characters > {MAX_HEADER_CHARS}")
        if block["type"] == "section" and len(text) > MAX_SECTION_CHARS:
            problems.append(f"section of {len(text)} characters > {MAX_SECTION_CHARS}")
    return problems


def block_text_chars(blocks: list[dict[str, Any]]) -> int:
    """All the text a message's blocks carry."""
    total = 0
    for block in blocks:
        total += len(block.get("text", {}).get("text", ""))
        total += sum(len(e.get("text", "")) for e in block.get("elements", []))
    return total


def plan(digest: Digest) -> list[int]:
    """How many items go in each message, in order, so every message fits the limits."""
    frame = _frame_blocks(digest)
    # the frame as it will be once numbered "(part 10 of 10)"
    frame_chars = block_text_chars(frame) + len(" (part 10 of 10)")
    group_chars = len(_group_block("actor", 999)["text"]["text"]) + 2
    sizes: list[int] = []
    count = blocks = chars = 0
    kind: str | None = None
    for item in digest.items:
        new_group = item.kind != kind
        # the item's section, plus a title when the kind changes (and a divider before it
        # unless it opens the message)
        extra = 1 if not new_group else (3 if kind is not None else 2)
        cost = len(item_text(item)) + (group_chars if new_group else 0)
        if count and (
            len(frame) + blocks + extra > MAX_BLOCKS
            or frame_chars + chars + cost > MAX_MESSAGE_CHARS
        ):
            sizes.append(count)
            count = blocks = chars = 0
            extra, cost = 2, len(item_text(item)) + group_chars
        blocks += extra
        chars += cost
        count += 1
        kind = item.kind
    if count or not sizes:
        sizes.append(count)
    return sizes


def split_digest(digest: Digest) -> list[Digest]:
    """The digest as parts that each fit one Slack message (itself when it fits)."""
    sizes = plan(digest)
    return [digest] if len(sizes) == 1 else digest.split(sizes)


def render_payloads(digest: Digest) -> list[dict[str, Any]]:
    return [render_payload(part) for part in split_digest(digest)]
