"""Where the repository's files are, a file writer, and the sample notice most tests post."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "tests" / "golden"
# the official OASIS CAP 1.2 schema (docs.oasis-open.org/emergency/cap/v1.2), kept with the tests
CAP_XSD = Path(__file__).resolve().parent / "data" / "CAP-v1.2.xsd"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


NOTICE = """---
title: Sperrung der Löbauer Straße
summary: Die Löbauer Straße ist vom 3. bis 7. Dezember gesperrt.
link: https://www.bautzen.de/aktuelles/loebauer-strasse?utm_source=whatsapp&id=7
---
Die **Löbauer Straße** ist zwischen *Wallstraße* und Taucherstraße gesperrt.

- Umleitung über die [Äußere Lauenstraße](https://www.bautzen.de/umleitung?fbclid=abc)
- Busse fahren Ersatzhaltestellen an
"""

NOTICE_HSB = """---
title: Zawrjenje Lubijskeje dróhi
---
Lubijska dróha je zawrjena. Wobjězd přez Zwonkowu dróhu.
"""

# a danger warning file (gas leak) and its Upper Sorbian text
WARNING_GAS = """---
title: "Gefahr: Gasaustritt - Löbauer Straße"
level: medium
event: gasaustritt
area: Löbauer Straße zwischen Wallstraße und Taucherstraße
instruction: Schließen Sie Fenster und Türen. Meiden Sie den Bereich.
expires: 3h
---
In der Löbauer Straße tritt Gas aus einer beschädigten Leitung aus.
"""
WARNING_GAS_HSB = """---
title: "Strach: Wuchad płuna - Lubijska dróha"
area: Lubijska dróha
instruction: Začińće wokna a durje. Wobeńdźće wobłuk.
---
Na Lubijskej dróze wuchadźa płun z wobškodźeneho wodu.
"""
