"""Name search for Greek: a name is stored once more, folded (no accents or diaeresis,
one case, final sigma as sigma), so «ΠΑΠΑΔΟΠΟΥΛΟΣ», «Παπαδόπουλος» and «παπαδοπουλος»
are the same text on every database, and a "starts with" search is an index range."""
from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFD", text.strip())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare.casefold()).replace("ς", "σ")


def prefix_range(prefix: str) -> tuple[str, str] | None:
    """[low, high) holding exactly the texts that start with `prefix`, by code point
    order (SQLite's BINARY, PostgreSQL's "C" collation): low = prefix, high = prefix
    with its last character raised by one."""
    if not prefix:
        return None
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    return prefix, prefix[:-1] + chr(last + 1)
