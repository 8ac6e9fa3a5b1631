"""The certificate as a one-page A4 PDF: holder, certification, level, dates, code, and a QR code to the
public verification page.

Chinese text needs a CJK font. A TrueType CJK font found on the machine (``settings.CERTIFICATE_FONT_PATHS``,
else Debian's WenQuanYi, Droid or AR PL fonts) is embedded as a subset, so the PDF reads the same anywhere.
Without one, reportlab's built-in CID font STSong-Light is used: it needs no file, but it is *not*
embedded, so the viewer supplies the glyphs (Acrobat's Asian font pack, poppler's fontconfig fallback).
"""

from __future__ import annotations

import functools
import io
import logging
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates.badges import verify_url
from certificates.models import Certificate, CertificateState

logger = logging.getLogger(__name__)

CID_FONT = "STSong-Light"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
ACCENT = HexColor("#0b6e4f")
INK = HexColor("#1f2933")
MUTED = HexColor("#5f6c7b")
BAD = HexColor("#b42318")
LEVELS = {
    "junior": ("初级", "Junior"),
    "intermediate": ("中级", "Intermediate"),
    "senior": ("高级", "Senior"),
    "manager": ("经理", "Manager"),
}
STATES = {
    CertificateState.VALID: ("有效", "Valid"),
    CertificateState.EXPIRED: ("已过期", "Expired"),
    CertificateState.REVOKED: ("已撤销", "Revoked"),
}


@functools.cache
def _font_for(candidates: tuple[str, ...]) -> tuple[str, bool]:
    for path in candidates:
        if not Path(path).is_file():
            continue
        name = "CJK-" + Path(path).stem
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except TTFError as exc:  # e.g. PostScript outlines, which reportlab cannot embed
            logger.warning("certificate font %s not usable: %s", path, exc)
            continue
        return name, True
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT, False


def certificate_font() -> tuple[str, bool]:
    """The font for Chinese text and whether it is embedded in the PDF."""
    candidates = getattr(settings, "CERTIFICATE_FONT_PATHS", None)
    return _font_for(tuple(FONT_CANDIDATES if candidates is None else candidates))


def qr_drawing(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def qr_svg(url: str, size: float = 132) -> str:
    """The QR code as an inline ``<svg>`` element for HTML pages."""
    svg = renderSVG.drawToString(qr_drawing(url, size))
    return svg[svg.index("<svg") :]


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > 8 and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def certificate_pdf(certificate: Certificate) -> bytes:
    """Render one certificate (its course and user loaded) as PDF bytes."""
    font, _embedded = certificate_font()  # "/" separates the languages: "·" is missing from the CID font
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    course = certificate.course
    c.setTitle(f"{course.title} · {certificate.holder_name}")
    c.setAuthor(settings.SITE_NAME)
    c.setSubject(verify_url(certificate.code))

    c.setStrokeColor(ACCENT)
    c.setLineWidth(3)
    c.rect(24, 24, width - 48, height - 48)
    c.setLineWidth(0.8)
    c.rect(32, 32, width - 64, height - 64)

    mid = width / 2
    text_width = width - 160
    c.setFillColor(MUTED)
    c.setFont(font, 13)
    c.drawCentredString(mid, height - 80, settings.SITE_NAME)
    c.setFillColor(ACCENT)
    c.setFont(font, 34)
    c.drawCentredString(mid, height - 128, "认证证书")
    english_title = f"Certificate — {course.title_en or course.title}"
    c.setFont(font, _fit(english_title, font, 14, text_width))
    c.drawCentredString(mid, height - 152, english_title)

    c.setFillColor(INK)
    c.setFont(font, 14)
    c.drawCentredString(mid, height - 198, "兹证明 / This certifies that")
    name = certificate.holder_name
    c.setFont(font, _fit(name, font, 30, text_width))
    c.drawCentredString(mid, height - 240, name)
    c.setFont(font, 14)
    c.drawCentredString(mid, height - 276, "已通过认证 / has been certified as")
    c.setFillColor(ACCENT)
    c.setFont(font, _fit(course.title, font, 24, text_width))
    c.drawCentredString(mid, height - 312, course.title)
    if course.title_en:
        c.setFont(font, _fit(course.title_en, font, 14, text_width))
        c.drawCentredString(mid, height - 334, course.title_en)

    zh, en = LEVELS.get(certificate.level, (certificate.level, certificate.level))
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    expires = (
        timezone.localtime(certificate.expires_at).date().isoformat()
        if certificate.expires_at
        else "长期有效 / no expiry"
    )
    rows = [
        ("级别 Level", f"{zh} / {en}"),
        ("颁发日期 Issued", issued),
        ("有效期至 Valid until", expires),
        ("证书编号 Certificate ID", certificate.code),
    ]
    y = 200
    for label, value in rows:
        c.setFillColor(MUTED)
        c.setFont(font, 11)
        c.drawRightString(mid - 40, y, label)
        c.setFillColor(INK)
        c.setFont(font, 13)
        c.drawString(mid - 28, y, value)
        y -= 22
    state = certificate.state()
    if state != CertificateState.VALID:
        zh_state, en_state = STATES[state]
        c.setFillColor(BAD)
        c.setFont(font, 16)
        c.drawString(mid - 28, y - 4, f"{zh_state} / {en_state}")

    url = verify_url(certificate.code)
    qr_size = 104
    renderPDF.draw(qr_drawing(url, qr_size), c, width - 60 - qr_size, 64)
    c.setFillColor(MUTED)
    c.setFont(font, 8)
    c.drawRightString(width - 60, 54, "扫码验证 / Scan to verify")
    c.drawString(60, 54, url)
    c.showPage()
    c.save()
    return buffer.getvalue()
