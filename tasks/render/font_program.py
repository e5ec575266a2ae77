"""A TrueType font made for print: hinting removed, name table trimmed (issue 17, size).

DejaVu's subsets are mostly bytes a printed invoice never uses: TrueType hinting (the
fpgm/prep/cvt programs and each glyph's instructions, which only snap outlines to a
screen's pixel grid) and the `name` table's licence text stored twice (Macintosh and
Windows records). Measured on a one-page invoice: 19.5 KB of compressed font program per
face, 8.5 KB without them (a document 50 KB → about 24 KB). Outlines, metrics and cmap
are untouched, so every glyph prints the same at print-house resolutions.

Done once per font file when the fonts are registered (about 30 ms each, pure byte
surgery on the sfnt structure, https://learn.microsoft.com/typography/opentype/spec/),
so the result is the same bytes on every machine (DESIGN rule 5). The Windows `name`
records are kept whole, copyright, trademark and licence included.
"""

from __future__ import annotations

import struct

HINTING_TABLES = frozenset({b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"})
_MORE_COMPONENTS = 0x0020
_WE_HAVE_INSTRUCTIONS = 0x0100
_ARGS_ARE_WORDS = 0x0001
_HAVE_SCALE = 0x0008
_HAVE_XY_SCALE = 0x0040
_HAVE_TWO_BY_TWO = 0x0080


def read_tables(data: bytes) -> dict[bytes, bytes]:
    """The tables of an sfnt (TrueType) font by tag."""
    (count,) = struct.unpack(">H", data[4:6])
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sLLL", data[12 + 16 * i : 28 + 16 * i])
        tables[tag] = data[offset : offset + length]
    return tables


def write_font(tables: dict[bytes, bytes]) -> bytes:
    """An sfnt from tables (checksums 0: reportlab recomputes them for every subset)."""
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">LHHHH", 0x00010000, count, power * 16, power.bit_length() - 1,
                         count * 16 - power * 16)  # fmt: skip
    offset = 12 + 16 * count
    records, bodies = [], []
    for tag in tags:
        body = tables[tag]
        records.append(struct.pack(">4sLLL", tag, 0, offset, len(body)))
        padded = body + b"\0" * (-len(body) % 4)
        bodies.append(padded)
        offset += len(padded)
    return header + b"".join(records) + b"".join(bodies)


def strip_glyph(glyph: bytes) -> bytes:
    """One glyph's outline without its hinting instructions."""
    if len(glyph) < 10:
        return glyph
    (contours,) = struct.unpack(">h", glyph[:2])
    if contours >= 0:  # simple glyph: endPts, instructionLength, instructions, points
        at = 10 + 2 * contours
        (length,) = struct.unpack(">H", glyph[at : at + 2])
        points = struct.unpack(">H", glyph[at - 2 : at])[0] + 1 if contours else 0
        start = at + 2 + length
        return glyph[:at] + b"\0\0" + glyph[start : _points_end(glyph, start, points)]
    out = bytearray(glyph)
    at, flags = 10, _MORE_COMPONENTS
    while flags & _MORE_COMPONENTS:
        (flags,) = struct.unpack(">H", glyph[at : at + 2])
        struct.pack_into(">H", out, at, flags & ~_WE_HAVE_INSTRUCTIONS)
        at += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        if flags & _HAVE_SCALE:
            at += 2
        elif flags & _HAVE_XY_SCALE:
            at += 4
        elif flags & _HAVE_TWO_BY_TWO:
            at += 8
    return bytes(out[:at])  # component list only: the instructions after it go


def _points_end(glyph: bytes, at: int, points: int) -> int:
    """Where a simple glyph's flags and coordinates end (the padding after them goes)."""
    flags = bytearray()
    while len(flags) < points:
        flag = glyph[at]
        at += 1
        repeat = 1
        if flag & 0x08:  # REPEAT_FLAG: the next byte says how many more times
            repeat += glyph[at]
            at += 1
        flags += bytes((flag,)) * repeat
    del flags[points:]
    # x: 1 byte if X_SHORT (0x02), none if X_SAME (0x10) without it, else 2; y likewise.
    size = 0
    for flag in flags:
        size += 1 if flag & 0x02 else (0 if flag & 0x10 else 2)
        size += 1 if flag & 0x04 else (0 if flag & 0x20 else 2)
    return at + size


def strip_hinting(tables: dict[bytes, bytes]) -> dict[bytes, bytes]:
    """glyf/loca without instructions (long loca), hinting tables dropped."""
    head, maxp = tables[b"head"], tables[b"maxp"]
    (glyphs,) = struct.unpack(">H", maxp[4:6])
    (long_loca,) = struct.unpack(">h", head[50:52])
    loca = tables[b"loca"]
    if long_loca:
        offsets = struct.unpack(f">{glyphs + 1}L", loca[: 4 * (glyphs + 1)])
    else:
        offsets = [2 * o for o in struct.unpack(f">{glyphs + 1}H", loca[: 2 * (glyphs + 1)])]
    glyf = tables[b"glyf"]
    parts, new_offsets, position = [], [], 0
    for start, end in zip(offsets, offsets[1:], strict=False):
        # Not padded again: the original's padding stays, and long loca offsets need
        # none (reportlab aligns glyphs in every subset it writes).
        glyph = strip_glyph(glyf[start:end]) if end > start else b""
        new_offsets.append(position)
        parts.append(glyph)
        position += len(glyph)
    new_offsets.append(position)
    out = {tag: body for tag, body in tables.items() if tag not in HINTING_TABLES}
    out[b"glyf"] = b"".join(parts)
    out[b"loca"] = struct.pack(f">{len(new_offsets)}L", *new_offsets)
    out[b"head"] = head[:50] + struct.pack(">h", 1) + head[52:]
    return out


def windows_names(name: bytes) -> bytes:
    """The `name` table with its Windows (platform 3) records only."""
    _, count, storage = struct.unpack(">HHH", name[:6])
    records, strings, position = [], [], 0
    for i in range(count):
        platform, encoding, language, name_id, length, offset = struct.unpack(
            ">6H", name[6 + 12 * i : 18 + 12 * i]
        )
        if platform != 3:
            continue
        text = name[storage + offset : storage + offset + length]
        records.append(struct.pack(">6H", platform, encoding, language, name_id, length, position))
        strings.append(text)
        position += length
    header = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    return header + b"".join(records) + b"".join(strings)


def slim_font(data: bytes) -> bytes:
    """A font program for print: no hinting, Windows name records only."""
    tables = strip_hinting(read_tables(data))
    tables[b"name"] = windows_names(tables[b"name"])
    return write_font(tables)
