"""The poster's words per language. German and English are final; every Upper Sorbian
string is marked REVIEW: it needs a native speaker's check before the first print run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PosterText:
    city: str  # "{name}" is the city's name in this language
    title: str
    steps: tuple[str, str, str]
    others: str  # heading above the row of codes for other channels
    note: str  # under the steps, only for a WhatsApp Channel: followers' numbers are hidden
    # from the channel's admins and other followers (WhatsApp's own statement)


# "{channel}" becomes "WhatsApp-Kanal" etc.; "{follow}" the button's label in the app.
TEXTS: dict[str, PosterText] = {
    "de": PosterText(
        city="Stadt {name}",
        title="Aktuelles und Warnungen aufs Handy",
        steps=("Handykamera auf den QR-Code richten.",
               "Link antippen: Der {channel} öffnet sich.",
               "„{follow}“ tippen – fertig."),
        others="Kein WhatsApp? Dieselben Nachrichten gibt es auch hier:",
        note="Kostenlos. Die Stadt und andere Abonnenten sehen Ihre Telefonnummer nicht.",
    ),
    # REVIEW (native speaker): all Upper Sorbian wording below.
    "hsb": PosterText(
        city="Město {name}",
        title="Aktualnosće a warnowanja na šmóratko",
        steps=("Kameru šmóratka na QR-kod změrić.",
               "Na wotkaz tłóčić: {channel} so wočini.",
               "Na „{follow}“ tłóčić – hotowe."),
        others="Žadyn WhatsApp? Samsne powěsće tež tu:",
        note="Darmotne. Město a druzy abonenća Waše telefonowe čisło njewidźa.",
    ),
    "en": PosterText(
        city="City of {name}",
        title="News and warnings on your phone",
        steps=("Point your phone camera at the QR code.",
               "Tap the link: the {channel} opens.",
               "Tap “{follow}” – done."),
        others="No WhatsApp? The same news is here too:",
        note="Free of charge. The city and other followers cannot see your phone number.",
    ),
}

# Words that depend on whether the main URL is a WhatsApp Channel. WhatsApp has no Sorbian
# interface, so Sorbian readers see the German button label.
CHANNEL_WORDS = {
    "de": {"whatsapp": ("WhatsApp-Kanal", "Abonnieren"), "other": ("Kanal", "Abonnieren")},
    "hsb": {"whatsapp": ("WhatsApp-kanal", "Abonnieren"), "other": ("kanal", "Abonnieren")},
    "en": {"whatsapp": ("WhatsApp channel", "Follow"), "other": ("channel", "Follow")},
}

OTHERS_GENERIC = {  # heading when the main code is not WhatsApp
    "de": "Dieselben Nachrichten gibt es auch hier:",
    "hsb": "Samsne powěsće tež tu:",  # REVIEW
    "en": "The same news is here too:",
}

LINK_LABELS = {
    "whatsapp": "WhatsApp", "telegram": "Telegram", "mastodon": "Mastodon",
    "matrix": "Matrix", "ntfy": "ntfy", "signal": "Signal", "feed": "RSS-Feed",
    "rss": "RSS-Feed", "atom": "Atom-Feed", "email": "E-Mail", "mail": "E-Mail",
    "web": "Web", "website": "Web",
}


def link_label(name: str) -> str:
    """A channel's display name for the row of smaller codes."""
    return LINK_LABELS.get(name.lower(), name.replace("_", " ").replace("-", " ").title())
