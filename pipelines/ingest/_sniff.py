"""What a file really is: format from its first bytes, text encoding from its bytes.

The extension and the contract are hints. A department's `.csv` may be an XLSX workbook, its
`.xls` an HTML page, its "UTF-8" export GBK. The content decides, and what cannot be read is
rejected with a reason that says what the file turned out to be.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

SAMPLE_BYTES = 1 << 20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "cp936", "936", "ms936", "euc-cn", "hz"}
# Lone surrogates are what `surrogateescape` turns undecodable bytes into.
SURROGATES = re.compile("[\udc80-\udcff]")

# Text that is neither data nor binary: what a department's system exported instead of the file.
# An HTML page or XML document, as web systems write their "Excel" exports (a CSV never opens
# with a tag)
_MARKUP = re.compile(
    rb"^\s*<(?:!doctype|!--|\?xml|(?:html|table|head|body|meta|style|title|div)\b)", re.IGNORECASE
)


@dataclass(frozen=True)
class Encoding:
    """A decided encoding: codec name and the length of the byte-order mark to skip."""

    codec: str
    bom: int = 0

    @property
    def label(self) -> str:
        return f"{self.codec}{' (BOM)' if self.bom else ''}"


def canonical_codec(name: str | None) -> str:
    """Codec names as Python knows them; the GBK family reads as its superset GB18030."""
    if not name:
        return "utf-8"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return "utf-8"
    if codec in _GB_FAMILY or name.lower() in _GB_FAMILY:
        return "gb18030"
    return "utf-8" if codec in {"utf-8", "utf-8-sig"} else codec


def bom_encoding(head: bytes) -> Encoding | None:
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return Encoding(codec, len(bom))
    return None


def utf16_without_bom(sample: bytes) -> Encoding | None:
    """UTF-16 text without a byte-order mark (Excel's "Unicode text"): every other byte NUL."""
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    codec = "utf-16-le" if odd > 0.3 and even < 0.05 else "utf-16-be" if even > 0.3 and odd < 0.05 else None
    if codec is None:
        return None
    try:
        sample[: len(sample) // 2 * 2].decode(codec)
    except UnicodeDecodeError:
        return None
    return Encoding(codec)


def complete_lines(sample: bytes, whole_file: bool) -> bytes:
    """The sample cut after its last newline, so no multi-byte character is cut in half."""
    if whole_file:
        return sample
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut >= 0 else sample


def decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def quick_encoding(sample: bytes, whole_file: bool, hint: str) -> Encoding | None:
    """The encoding of a file when its first megabyte decides it cleanly, else None.

    UTF-8 is tried before GB18030: Chinese text in GBK is practically never valid UTF-8, while
    UTF-8 text is often valid GB18030 by accident, so a clean UTF-8 decode is strong evidence and
    a clean GB18030 decode only counts when UTF-8 fails.
    """
    found = bom_encoding(sample) or utf16_without_bom(sample)
    if found is not None:
        return found
    lines = complete_lines(sample, whole_file)
    if lines.isascii() and not whole_file:
        return None  # ASCII so far says nothing about the rest: decide on the whole file
    hinted = canonical_codec(hint)
    for codec in dict.fromkeys(("utf-8", hinted if hinted != "utf-8" else "gb18030", "gb18030")):
        if decodes(lines, codec):
            return Encoding(codec)
    return None


def count_undecodable(path: Path, codec: str, offset: int = 0) -> int:
    """Undecodable bytes in the whole file under `codec` (streamed)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="surrogateescape")
    bad = 0
    with path.open("rb") as handle:
        handle.seek(offset)
        while block := handle.read(SAMPLE_BYTES * 4):
            bad += len(SURROGATES.findall(decoder.decode(block)))
        bad += len(SURROGATES.findall(decoder.decode(b"", final=True)))
    return bad


def best_encoding(path: Path, hint: str) -> tuple[Encoding, int]:
    """`(encoding, undecodable bytes)` for a file whose first megabyte did not decide: the
    candidate with the fewest undecodable bytes in the whole file."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    found = bom_encoding(head) or utf16_without_bom(head)
    if found is not None:
        return found, count_undecodable(path, found.codec, found.bom)
    # Ties go to UTF-8 (clean non-ASCII UTF-8 is strong evidence, see quick_encoding), then to
    # the contract's hint.
    candidates = list(dict.fromkeys(("utf-8", canonical_codec(hint), "gb18030")))
    scored = [(count_undecodable(path, codec), i, codec) for i, codec in enumerate(candidates)]
    bad, _, codec = min(scored)
    return Encoding(codec), bad


def sniff_format(head: bytes) -> str:
    """`zip`, `xls`, `pdf`, `markup`, `binary`, `json`, `text` or `empty` from the first bytes."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    encoding = bom_encoding(head) or utf16_without_bom(head)
    text = head[encoding.bom :] if encoding else head
    if encoding and encoding.codec.startswith(("utf-16", "utf-32")):
        text = text[: len(text) // 4 * 4].decode(encoding.codec, errors="replace").encode("utf-8")
    stripped = text.lstrip(b" \t\r\n\x00")
    if not stripped:
        return "empty"
    # NUL padding after the text (a copy cut off in a preallocated file) is not content
    if encoding is None and _mostly_control(stripped[:8192].rstrip(b"\x00")):
        return "binary"
    if _MARKUP.match(stripped):
        return "markup"
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "text"


_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))


def _mostly_control(sample: bytes) -> bool:
    """Binary content: more than a tenth of the bytes are control bytes no text file has."""
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls * 10 > len(sample)
