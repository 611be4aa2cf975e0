"""The CJK font of the platform's PDFs, prepared once instead of for every document.

A CJK collection (Noto Sans CJK: 20 MB, 65,535 glyphs) cost every document two slow steps:
fpdf2 parsed the font's metrics and character map (``add_font``), and when writing it cut
the glyphs used out of the whole font (fontTools' subsetter reads the big CFF and layout
tables). Both took about 0.4 s of a certificate's 0.5 s.

Now each process parses a font once (``_parsed``), and documents are set in a *working
font*: the collection cut down once to the common characters (ASCII, CJK punctuation and
full-width forms, GB 2312's 6,763 hanzi and its symbols), without the layout tables PDFs
never use, written under ``var/cache/`` and shared by every process. Cutting a document's
glyphs out of 7,800 is fast. A document with a character outside that set (a rare name)
is set in the whole font as before: slower, never wrong.
"""

import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from fontTools import subset, ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT = "cjk"
logger = logging.getLogger(__name__)

# Tables a PDF never reads: glyph substitution and positioning (fpdf2 sets text without
# them), vertical metrics, and the CJK font's big variation and colour tables.
_DROPPED = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "VORG", "vhea", "vmtx", "DSIG"]


def _common_characters() -> frozenset[int]:
    """ASCII, general and CJK punctuation, full-width forms and GB 2312 (its 6,763 hanzi,
    symbols, kana and Greek/Cyrillic letters)."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2100, 0x2200)) | set(range(0x2460, 0x2500))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((first, second)).decode("gb2312")))
            except (UnicodeDecodeError, TypeError):
                continue
    return frozenset(chars)


def _cache_dir() -> Path:
    return Path(getattr(settings, "SHEQU_PDF_FONT_CACHE", settings.VAR_DIR / "cache" / "fonts"))


def _working_path(path: str, number: int) -> Path:
    stat = os.stat(path)
    key = f"{os.path.abspath(path)}:{number}:{stat.st_size}:{stat.st_mtime_ns}:v1"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return _cache_dir() / f"{Path(path).stem}-{number}-{digest}.otf"


def _build_working(path: str, number: int, target: Path) -> None:
    """Cut ``path`` (face ``number``) down to the common characters into ``target``
    (written to a temporary file and renamed, so a process never reads half a font)."""
    font = ttLib.TTFont(path, fontNumber=number, lazy=True, recalcTimestamp=False)
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, name_IDs=["*"])
    options.layout_features = []
    options.drop_tables += _DROPPED
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=_common_characters())
    cutter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            font.save(out)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@functools.lru_cache(maxsize=4)
def working_font(path: str, number: int) -> tuple[str, frozenset[int]] | None:
    """The working font's file and the characters it has, built on first use (a few
    seconds, once per font and deployment); None if it cannot be written (the whole font
    is used then)."""
    target = _working_path(path, number)
    try:
        if not target.is_file():
            _build_working(path, number, target)
        cmap = ttLib.TTFont(target, lazy=True).getBestCmap() or {}
    except OSError:
        logger.warning("pdf working font not written under %s; using the whole font", target)
        return None
    return str(target), frozenset(cmap)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, number: int) -> TTFFont:
    """fpdf2's view of a font (metrics, widths, character map), parsed once per process."""
    scratch = FPDF()
    scratch.add_font(FONT, fname=path, collection_font_number=number)
    font = scratch.fonts[FONT]
    if not isinstance(font, TTFFont):  # pragma: no cover - add_font always makes one
        raise TypeError(path)
    return font


def add_font(pdf: FPDF, path: str, number: int, text: str) -> None:
    """Give ``pdf`` the CJK font for ``text`` (every character the document will show): the
    working font when it has them all, else the whole font. From the parsed copy: what one
    document changes (the glyphs it uses, the font file fpdf2 cuts them from) is its own."""
    found = working_font(path, number)
    if found is not None and {ord(char) for char in text if char not in "\n\r\t"} <= found[1]:
        path, number = found[0], 0
    parsed = _parsed(path, number)
    file = ttLib.TTFont(path, fontNumber=number, lazy=True, recalcTimestamp=False)
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(parsed, name):
            setattr(font, name, getattr(parsed, name))
    font.i = len(pdf.fonts) + 1
    font.ttfont = file
    font._hbfont = None
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[FONT] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")
