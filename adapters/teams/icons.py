"""The two Teams app icons, drawn at build time with a tiny PNG writer (zlib + struct).

Teams wants a full-colour 192×192 icon and a 32×32 outline icon that is white on a transparent
background ("App icons for Teams app", learn.microsoft.com/microsoftteams/platform/concepts/
build-and-test/apps-package). Both show a speech bubble with three dots: someone speaking up.
PNG layout per the PNG specification (W3C, 3rd edition): signature, IHDR, IDAT, IEND, each
chunk with a CRC-32; 8-bit RGBA, filter type 0 on every row.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Rgba = tuple[int, int, int, int]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCENT = (0x15, 0x42, 0x73)  # dark blue; also the manifest's accentColor
WHITE = (255, 255, 255)
SUPERSAMPLE = 4
DOTS = ((0.36, 0.44), (0.50, 0.44), (0.64, 0.44))


def color_icon(size: int = 192) -> bytes:
    def paint(coverage_bubble: float, coverage_dot: float) -> Rgba:
        white = coverage_bubble * (1 - coverage_dot)
        red, green, blue = (round(a + (w - a) * white) for a, w in zip(ACCENT, WHITE, strict=True))
        return (red, green, blue, 255)

    return encode_png(size, size, _render(size, paint))


def outline_icon(size: int = 32) -> bytes:
    def paint(coverage_bubble: float, coverage_dot: float) -> Rgba:
        return (*WHITE, round(255 * coverage_bubble * (1 - coverage_dot)))

    return encode_png(size, size, _render(size, paint))


def _render(size: int, paint: Callable[[float, float], Rgba]) -> list[list[Rgba]]:
    return [[paint(*_coverage(x, y, size)) for x in range(size)] for y in range(size)]


def _coverage(x: int, y: int, size: int) -> tuple[float, float]:
    """The fraction of pixel (x, y) covered by the bubble and by a dot."""
    bubble = dots = 0
    for i in range(SUPERSAMPLE):
        for j in range(SUPERSAMPLE):
            u = (x + (i + 0.5) / SUPERSAMPLE) / size
            v = (y + (j + 0.5) / SUPERSAMPLE) / size
            bubble += _in_bubble(u, v)
            dots += _in_dot(u, v)
    samples = SUPERSAMPLE * SUPERSAMPLE
    return bubble / samples, dots / samples


def _in_bubble(u: float, v: float) -> bool:
    return _in_rounded_rect(u, v, 0.16, 0.22, 0.84, 0.66, 0.1) or _in_tail(u, v)


def _in_rounded_rect(
    u: float, v: float, left: float, top: float, right: float, bottom: float, radius: float
) -> bool:
    if not (left <= u <= right and top <= v <= bottom):
        return False
    cx = min(max(u, left + radius), right - radius)
    cy = min(max(v, top + radius), bottom - radius)
    return (u - cx) ** 2 + (v - cy) ** 2 <= radius**2


def _in_tail(u: float, v: float) -> bool:
    # Triangle (0.28, 0.62) - (0.46, 0.62) - (0.26, 0.82), pointing down-left.
    if not 0.62 <= v <= 0.82:
        return False
    t = (v - 0.62) / 0.20
    return 0.28 - 0.02 * t <= u <= 0.46 - 0.20 * t


def _in_dot(u: float, v: float) -> bool:
    return any((u - cx) ** 2 + (v - cy) ** 2 <= 0.05**2 for cx, cy in DOTS)


def encode_png(width: int, height: int, rows: list[list[Rgba]]) -> bytes:
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def decode_rgba_png(data: bytes) -> tuple[int, int, list[Rgba]]:
    """Read back an 8-bit RGBA PNG with filter type 0 rows (what :func:`encode_png` writes)."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file")
    offset, header, idat = len(PNG_SIGNATURE), b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if (
            zlib.crc32(kind + body) & 0xFFFFFFFF
            != struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])[0]
        ):
            raise ValueError(f"bad CRC in {kind!r} chunk")
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        offset += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    if (depth, color_type) != (8, 6):
        raise ValueError("not an 8-bit RGBA PNG")
    raw, stride = zlib.decompress(idat), 1 + 4 * width
    pixels: list[Rgba] = []
    for row in range(height):
        line = raw[row * stride : (row + 1) * stride]
        if line[0] != 0:
            raise ValueError("unsupported PNG row filter")
        pixels.extend((line[i], line[i + 1], line[i + 2], line[i + 3]) for i in range(1, stride, 4))
    return width, height, pixels
