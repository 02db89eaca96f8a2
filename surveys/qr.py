"""The QR code of a survey's public link, drawn on the server (the ``qrcode`` library, pure Python; PNG through
Pillow, already a dependency): SVG for the page, PNG for posters and documents. No outside service."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code


def svg(url: str) -> bytes:
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="utf-8")


def png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
