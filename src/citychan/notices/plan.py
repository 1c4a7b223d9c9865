"""From config and message to the list of targets: which channels get the message, in which
languages, rendered how, and what the rules say about each. No network, no store writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from citychan.channels.base import (
    Capabilities,
    Channel,
    Dialect,
    LangPart,
)
from citychan.config import ChannelConfig, Config
from citychan.delivery.clients import capabilities_of
from citychan.errors import ConfigError, UsageError, did_you_mean
from citychan.findings import Finding, error, warning
from citychan.i18n import N_
from citychan.kinds import Kind
from citychan.links import clean_url
from citychan.notices.message import Message
from citychan.notices.rules import (
    image_target_findings,
    length_findings,
    message_findings,
    policy_findings,
)
from citychan.notices.target import Plan, Skip, Target
from citychan.notices.templates import blank_findings
from citychan.render.notice import render, render_summary


def select(
    config: Config, message: Message, only: Sequence[str] = ()
) -> list[ChannelConfig]:
    """The enabled channels this post goes to: --channel names, else the message's, else all."""
    wanted = list(dict.fromkeys(only or message.channels))  # a name given twice posts once
    for name in wanted:
        if name not in config.channels:
            raise UsageError(
                N_("unknown channel '{name}'.").format(
                    name=name) + did_you_mean(name, list(config.channels)),
                hint=N_("configured: {value}").format(value=', '.join(config.channels) or 'none'),
            )
    chosen = [config.channels[n] for n in wanted] if wanted else config.enabled_channels()
    chosen = [c for c in chosen if c.enabled or c.name in only]
    if not chosen:
        raise ConfigError(
            N_("{source}: no enabled channel to post to").format(source=config.source),
            hint=N_("add a [channels.NAME] table, or enable one"),
        )
    return chosen


def channel_langs(cc: ChannelConfig, message: Message) -> tuple[str, ...]:
    wanted = cc.languages or message.langs
    return tuple(lang for lang in wanted if lang in message.langs)


def plan(
    config: Config,
    message: Message,
    channels: Mapping[str, Channel],
    chosen: list[ChannelConfig],
    *,
    now: datetime | None,
    sent_today: int = 0,
    force: bool = False,
) -> Plan:
    """Render the message for each chosen channel, measure it once and collect every
    finding. Without `now` (a check of the file alone) the hour-bound rules, quiet hours and
    daily cap, are left out."""
    result = Plan(message, findings=message_findings(message, config.city)
                  + blank_findings(message))
    if now is not None:
        result.findings += policy_findings(
            message.kind, now, config.info_rules, sent_today, force)

    def url_map(url: str) -> str:
        return clean_url(url)[0]

    result.parts = _parts(message, url_map)

    for cc in chosen:
        if message.kind not in cc.kinds:
            result.skipped.append(Skip(cc.name, f"takes only {', '.join(cc.kinds)} messages"))
            continue
        langs = channel_langs(cc, message)
        if not langs:
            result.skipped.append(
                Skip(cc.name, f"no text in its languages ({', '.join(cc.languages or ())})")
            )
            continue
        caps = capabilities_of(channels, cc)  # type: ignore[arg-type]
        target, findings = _fit(cc, caps, message, langs, url_map)
        result.targets.append(target)
        result.findings += findings + _language_findings(cc.name, caps, target.langs[0])
    if message.image is not None and message.image.is_file():
        result.findings += image_target_findings(
            message.image, [(t.name, t.capabilities) for t in result.targets])
    if chosen and not result.targets:  # "sent" to nobody must not look like success
        result.findings.append(error(
            "CC104", "no channel takes this message: "
            + "; ".join(f"{s.name}: {s.reason}" for s in result.skipped),
            hint="check the channels' languages and kinds, or the message's lang"))
    return result


def _parts(message: Message, url_map: Callable[[str], str]) -> tuple[LangPart, ...]:
    """Each language on its own: text and HTML as the feed renders them (without the title)."""
    parts = []
    for doc in message.docs:
        one = render(message, Dialect.FEED, (doc.lang,), url_map=url_map)
        parts.append(LangPart(doc.lang, doc.title, one.text, one.html or "", doc.summary))
    return tuple(parts)


def _language_findings(channel: str, caps: Capabilities, lang: str) -> list[Finding]:
    """A post whose first language the channel cannot tag goes out without a language."""
    if caps.post_language(lang) is not None:
        return []
    return [warning(
        "CC105", f"this channel has no language code for '{lang}': the post goes out without "
        "one, and the server files it under the account's default language", channel=channel,
        hint="set the account's default posting language on the server, or put a language "
             "the server knows first in this channel's 'languages'")]


def _fit(cc: ChannelConfig, caps: Capabilities, message: Message, langs: tuple[str, ...],
         url_map: Callable[[str], str]) -> tuple[Target, list[Finding]]:
    """The whole text for one channel, measured once; when it is too long and the message
    has a summary, the summary (a warning's short text: complete without a link, and for a
    warning in one language if both do not fit). A warning is never held back because one
    channel is small."""
    with_image = message.image is not None
    rendered = render(message, Dialect(caps.dialect), langs, url_map=url_map)
    length = caps.length_of(rendered, with_image=with_image)
    problems = length_findings(cc.name, length)
    is_warning = message.kind == Kind.WARNING
    if problems and any(d.summary for d in message.docs) and (message.link or is_warning):
        tries = [(langs, "sends the summary and the link")]
        if is_warning and len(langs) > 1:
            tries.append((langs[:1], f"sends the {langs[0]} short text only: both "
                          "languages do not fit"))
        for try_langs, what in tries:
            short = render_summary(message, Dialect(caps.dialect), try_langs, url_map=url_map)
            short_length = caps.length_of(short, with_image=with_image)
            if not short_length.over:
                fitted = Target(cc.name, cc.type, caps, try_langs, short, True, short_length)
                return fitted, [warning("CC102", f"too long for this channel: {what}",
                                        channel=cc.name)]
    return Target(cc.name, cc.type, caps, langs, rendered, False, length), problems
