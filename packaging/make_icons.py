"""Draws the app icon's PNG sizes, the Windows .ico and the macOS .icns from
resources/icons/lifeboat.svg, with Qt's SVG renderer (no network, no Pillow).

    .venv/bin/python packaging/make_icons.py

The outputs are committed; run this again after changing the SVG.
"""
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Apple's icns type codes for PNG payloads (macOS 10.7+), from the largest
# the Finder shows (1024, Retina 512@2x) down to the 16 px list icon.
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512),
)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data)


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO holding PNG images (read by Windows Vista and later)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, png in sorted(pngs.items()):
        # Width/height 0 means 256 in an ICONDIRENTRY.
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        images += png
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841  (QPainter needs one)
    renderer = QSvgRenderer(str(ICONS / "lifeboat.svg"))
    if not renderer.isValid():
        print(f"cannot read {ICONS / 'lifeboat.svg'}", file=sys.stderr)
        return 1
    pngs = {size: render_png(renderer, size) for size in sorted(set(PNG_SIZES) | {1024})}
    for size in PNG_SIZES:
        (ICONS / f"lifeboat-{size}.png").write_bytes(pngs[size])
    (ICONS / "lifeboat.ico").write_bytes(ico({size: pngs[size] for size in ICO_SIZES}))
    (ICONS / "lifeboat.icns").write_bytes(icns(pngs))
    print(f"wrote {len(PNG_SIZES)} PNGs, lifeboat.ico and lifeboat.icns in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
