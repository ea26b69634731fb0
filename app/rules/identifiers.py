"""Greek identifiers. K-10 and K-2: the tax number (Α.Φ.Μ.) has a check digit."""
from __future__ import annotations


def afm_check_digit(first_eight: str) -> int:
    """Α.Φ.Μ. check digit: Σ dᵢ·2^(8-i) over the first eight digits, mod 11, mod 10."""
    total = sum(int(d) << (8 - i) for i, d in enumerate(first_eight))
    return total % 11 % 10


def afm_is_valid(afm: str | None) -> bool:
    # ASCII only: "²".isdigit() is true, and int("²") fails (F16).
    if not afm or len(afm) != 9 or not (afm.isascii() and afm.isdigit()) or afm == "000000000":
        return False
    return afm_check_digit(afm[:8]) == int(afm[8])


def make_afm(number: int) -> str:
    """A valid Α.Φ.Μ. from a number (demo data and tests)."""
    first_eight = f"{number % 10**8:08d}"
    if first_eight == "00000000":
        first_eight = "00000001"
    return first_eight + str(afm_check_digit(first_eight))
