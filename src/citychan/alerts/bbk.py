"""The German warning profile of CAP as MoWaS writes it and NINA / warnung.bund.de read it:
the BBK event code of each citychan event, and the parameters German consumers look for.

Sources (read 2026-11): bundesAPI/nina-api ``openapi.yaml`` (commit d1c355b: eventCode
"Bekannte keys: profile:DE-BBK-EVENTCODE", parameter keys warnVerwaltungsbereiche,
sender_langname, instructionCode; event codes named BBK-EVC-nnn); MoWaS CAP as published
(geocode SHN with the 12-digit ARS, parameter warnVerwaltungsbereiche with the same ARS);
live MoWaS warnings quoted in bundesAPI/nina-api issue #17 (BBK-EVC-030, "Freisetzung einer
Rauchwolke durch Brand") and NINA consumers' recorded map data (BBK-EVC-077 Waldbrand,
BBK-EVC-069 Trinkwasser). The BBK publishes the codes only as icons
(``/appdata/gsb/eventCodes/eventCodes.json``), without names: an event with no code seen in
a published warning of that kind has none here and keeps only citychan's own eventCode.
"""

from __future__ import annotations

from collections.abc import Mapping

BBK_PROFILE = "profile:DE-BBK-EVENTCODE"
CITYCHAN_EVENTCODE = "citychan"  # valueName of citychan's own event code (catalogue code)
PARAM_ARS = "warnVerwaltungsbereiche"  # the ARS the warning covers, comma-separated
PARAM_SENDER = "sender_langname"  # the sender's full name

# citychan event code -> BBK event code. Keyed by event code, so events added to the
# catalogue later simply have none until a published warning shows theirs.
BBK_EVENT_CODES: Mapping[str, str] = {
    "grossbrand": "BBK-EVC-030",  # smoke cloud from a fire (bundesAPI/nina-api #17)
    "waldbrand": "BBK-EVC-077",
    "trinkwasser": "BBK-EVC-069",
}


def bbk_event_code(event: str) -> str | None:
    """The BBK event code of a citychan event, or None where no published code fits."""
    return BBK_EVENT_CODES.get(event.strip().casefold())
