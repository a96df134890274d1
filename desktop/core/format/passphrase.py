"""Choosing the passphrase that protects an exported copy: rules and a strength hint.

An exported copy is opened with nothing but its passphrase, on a machine
that may belong to anyone who finds the drive; scrypt (header.py) slows
each guess, the length of the passphrase does the rest. The hint counts
characters from the kinds used (a rough entropy estimate): a long phrase of
ordinary words beats a short one full of symbols.
"""
import math
import string
from typing import Optional

MIN_LENGTH = 8
_STRENGTH_WORDS = ("Too short", "Weak", "Fair", "Strong", "Very strong")


def passphrase_problem(passphrase: str, repeated: Optional[str] = None) -> Optional[str]:
    """What is wrong with a new passphrase, in words; None when it can be used."""
    if len(passphrase) < MIN_LENGTH:
        return f"The passphrase must be at least {MIN_LENGTH} characters long."
    if passphrase != passphrase.strip() or "\n" in passphrase:
        return "The passphrase cannot begin or end with a space or hold a line break."
    if repeated is not None and repeated != passphrase:
        return "The two passphrases are not the same. Type the same passphrase in both fields."
    return None


def _estimated_bits(passphrase: str) -> float:
    pools = ((string.ascii_lowercase, 26), (string.ascii_uppercase, 26), (string.digits, 10))
    alphabet = sum(size for chars, size in pools if any(c in chars for c in passphrase))
    if any(not c.isascii() or c in string.punctuation or c == " " for c in passphrase):
        alphabet += 33
    distinct = len(set(passphrase))
    # Repeats ("aaaaaaaa", "abcabcabc") add little: count distinct characters more.
    effective = min(len(passphrase), distinct * 2)
    return effective * math.log2(max(alphabet, 2))


def strength(passphrase: str) -> tuple[int, str]:
    """(0..4, words): 0 below the minimum length, 4 for a long passphrase."""
    if len(passphrase) < MIN_LENGTH:
        return 0, _STRENGTH_WORDS[0]
    bits = _estimated_bits(passphrase)
    score = 1 if bits < 45 else 2 if bits < 65 else 3 if bits < 90 else 4
    return score, _STRENGTH_WORDS[score]
