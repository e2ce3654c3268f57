"""Draw the installable app's icons: two linked rings (people who stay
connected) in white on the site's accent blue.

Run once when the design changes; the PNGs are committed under static/icons/.
Plain Python (zlib and struct): no imaging library to install.

    .venv/bin/python scripts/make_icons.py

- icon-192.png, icon-512.png: a rounded square ("any" purpose);
- maskable-512.png: the same colour to every edge, the rings inside the
  central 80 % circle that every platform's mask keeps;
- apple-touch-icon.png (180): full square, iOS rounds it itself.
"""

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
ACCENT = (0x1D, 0x5C, 0x8F)  # --accent in static/css/theme.css (the manifest's theme_color)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples a pixel smooth the edges


def _png(path: Path, size: int, pixels: list[bytes]) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    )


def _inside_rounded_square(x: float, y: float, radius: float) -> bool:
    """(x, y) in the unit square with corners rounded by `radius`."""
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def _on_rings(x: float, y: float, scale: float) -> bool:
    """Two rings side by side, overlapping in the middle, within a circle of
    radius 0.5 * scale around the centre."""
    ring_radius = 0.2 * scale
    thickness = 0.055 * scale
    for centre_x in (0.5 - 0.11 * scale, 0.5 + 0.11 * scale):
        distance = ((x - centre_x) ** 2 + (y - 0.5) ** 2) ** 0.5
        if abs(distance - ring_radius) <= thickness / 2:
            return True
    return False


def draw(size: int, *, corner: float, scale: float) -> list[bytes]:
    rows = []
    step = 1 / (size * SAMPLES)
    for py in range(size):
        row = bytearray()
        for px in range(size):
            background = ring = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    if corner == 0 or _inside_rounded_square(x, y, corner):
                        background += 1
                        if _on_rings(x, y, scale):
                            ring += 1
            total = SAMPLES * SAMPLES
            alpha = background / total
            if background:
                mix = ring / background
                colour = [round(a * (1 - mix) + w * mix) for a, w in zip(ACCENT, WHITE, strict=True)]
            else:
                colour = [0, 0, 0]
            row += bytes([*colour, round(alpha * 255)])
        rows.append(bytes(row))
    return rows


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        _png(OUT / f"icon-{size}.png", size, draw(size, corner=0.18, scale=1.0))
    # The maskable icon's safe zone is the centre circle of radius 0.4: the
    # rings (0.42 wide at scale 1) are drawn smaller.
    _png(OUT / "maskable-512.png", 512, draw(512, corner=0, scale=0.8))
    _png(OUT / "apple-touch-icon.png", 180, draw(180, corner=0, scale=0.9))
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
