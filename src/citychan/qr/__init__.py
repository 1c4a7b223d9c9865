"""QR codes and the subscription poster (``citychan qr``). Import the submodules directly;
nothing heavy (qrcode, Pillow) loads until a function needs it."""

from __future__ import annotations
