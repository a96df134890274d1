"""The masking rules: an original value (text, as COPY and `::text` write it) in, a fake out.

Every fake is derived from the keyed HMAC of the original (keyed.py), so the
same original gives the same fake wherever it appears. Shapes are kept:
e-mails at example.com, phones keep their punctuation and length, IBANs pass
their mod-97 check, card numbers pass Luhn, dates move by a few days. The
rule's output does not depend on which column it is in, except for what the
column's type and length force (`Shape`), so a key and the columns that
reference it are masked alike.

Uniqueness: phone and card digits go through a keyed permutation (a
bijection: no two originals of the same shape meet), e-mails carry 40 bits
of HMAC beside a made-up name, and rules whose fakes may repeat (name,
address, text) get a 65-bit tag appended in a UNIQUE column.
"""
import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import AnyStr, Optional

from desktop.core.masking import words
from desktop.core.masking.keyed import Keyed, scramble_shape

RULES = ("email", "name", "phone", "address", "iban", "card", "text", "date-shift", "null", "hash",
         "fixed", "keep")
DEFAULT_SHIFT_DAYS = 30
EMAIL_DOMAIN = "example.com"  # reserved for examples (RFC 2606): mail to it goes nowhere


@dataclass(frozen=True)
class Shape:
    """What the target column demands of a fake."""
    kind: str = "text"  # text, json, date, uuid, inet, bytea, other
    max_length: Optional[int] = None
    unique: bool = False
    variant: str = ""  # name: first/last/full; address: street/city/postcode


@dataclass(frozen=True)
class Rule:
    name: str
    arg: str = ""

    @classmethod
    def parse(cls, text: str) -> "Rule":
        """`email`, `fixed VALUE`, `date-shift 90`; raises ValueError for anything else."""
        name, _, arg = text.strip().partition(" ")
        if name not in RULES:
            raise ValueError(f"unknown rule {name!r}")
        if name == "date-shift" and arg and not (arg.isdigit() and 0 < int(arg) <= 3650):
            raise ValueError("date-shift takes a number of days from 1 to 3650")
        if name == "fixed" and not arg:
            raise ValueError("fixed needs the value to put in, e.g. 'fixed n/a'")
        if arg and name not in ("fixed", "date-shift"):
            raise ValueError(f"the rule {name} takes no value")
        return cls(name, arg if name == "fixed" else arg.strip())

    def __str__(self) -> str:
        return f"{self.name} {self.arg}" if self.arg else self.name


def _fit(text: str, shape: Shape) -> str:
    return text if shape.max_length is None else text[:shape.max_length]


def _with_tag(keyed: Keyed, tweak: bytes, value: str, fake: str, shape: Shape) -> str:
    """In a UNIQUE column a fake that may repeat gets a tag from 65 bits of the HMAC."""
    if not shape.unique:
        return _fit(fake, shape)
    tag = keyed.tag(tweak, value)
    if shape.max_length is None:
        return f"{fake} {tag}"
    room = shape.max_length - len(tag) - 1
    return f"{fake[:room].rstrip()} {tag}" if room > 0 else tag[:shape.max_length]


def mask_email(keyed: Keyed, value: str, shape: Shape) -> str:
    noise = keyed.digest(b"email", value)
    first, last = keyed.pick(noise[0], words.FIRST_NAMES).lower(), keyed.pick(noise[1], words.LAST_NAMES).lower()
    tag = base64.b32encode(noise[2:7]).decode("ascii").lower()  # 40 bits, apart from the names' bits
    for candidate in (f"{first}.{last}.{tag}@{EMAIL_DOMAIN}", f"{first}.{tag}@{EMAIL_DOMAIN}",
                      f"{tag}@{EMAIL_DOMAIN}", f"{tag}@x.test"):
        if shape.max_length is None or len(candidate) <= shape.max_length:
            return candidate
    return _fit(tag, shape)


def mask_name(keyed: Keyed, value: str, shape: Shape) -> str:
    noise = keyed.digest(b"name", value)
    count = max(1, min(len(value.split()), 3))
    if shape.variant == "first" or (shape.variant != "last" and count == 1):
        fake = keyed.pick(noise[0], words.FIRST_NAMES)
    elif shape.variant == "last":
        fake = keyed.pick(noise[1], words.LAST_NAMES)
    else:
        given = [keyed.pick(noise[2 + i], words.FIRST_NAMES) for i in range(count - 1)]
        fake = " ".join([*given, keyed.pick(noise[1], words.LAST_NAMES)])
    return _with_tag(keyed, b"name", value, fake, shape)


def mask_phone(keyed: Keyed, value: str, shape: Shape) -> str:
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 3:
        return _fit(scramble_shape(keyed, b"phone", value), shape)
    # The first digit stays (a trunk 0, or where a country code starts); the rest is permuted.
    fake = iter(digits[0] + keyed.permute_digits(b"phone", "".join(digits[1:])))
    return "".join(next(fake) if c.isdigit() else c for c in value)


def mask_address(keyed: Keyed, value: str, shape: Shape) -> str:
    noise = keyed.digest(b"address", value)
    if shape.variant == "city":
        fake = keyed.pick(noise[0], words.CITIES)
    elif shape.variant == "postcode":
        fake = scramble_shape(keyed, b"postcode", value)
    else:
        number = int.from_bytes(noise[:2], "big") % 300 + 1
        fake = f"{number} {keyed.pick(noise[2], words.STREETS)} {keyed.pick(noise[3], words.STREET_KINDS)}"
    return _with_tag(keyed, b"address", value, fake, shape)


_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{8,30}")


def iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country) + "00"
    return f"{98 - int(numeric) % 97:02d}"


def mask_iban(keyed: Keyed, value: str, shape: Shape) -> str:
    compact = value.replace(" ", "").upper()
    if not _IBAN.fullmatch(compact):
        return _fit(scramble_shape(keyed, b"iban", value), shape)
    country, bban = compact[:2], compact[4:]
    # A bijection on same-shaped BBANs: letters shifted per position, digits permuted.
    digits = iter(keyed.permute_digits(b"iban" + country.encode(), "".join(c for c in bban if c.isdigit())))
    fake_bban = "".join(next(digits) if c.isdigit() else keyed.shift_letters(b"iban", i, c)
                        for i, c in enumerate(bban))
    fake = country + iban_check_digits(country, fake_bban) + fake_bban
    if " " in value:
        fake = " ".join(fake[i:i + 4] for i in range(0, len(fake), 4))
    return fake


def luhn_check_digit(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        digit = int(char) * (2 if i % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str(-total % 10)


def luhn_valid(number: str) -> bool:
    return len(number) > 1 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def mask_card(keyed: Keyed, value: str, shape: Shape) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) < 8:
        return _fit(scramble_shape(keyed, b"card", value), shape)
    # The first digit (the card network) stays; the check digit is made anew.
    body = digits[0] + keyed.permute_digits(b"card", digits[1:-1])
    fake = iter(body + luhn_check_digit(body))
    return "".join(next(fake) if c.isdigit() else c for c in value)


_LOREM_OF_BYTE = tuple(words.LOREM[byte % len(words.LOREM)] for byte in range(256))


def lorem(keyed: Keyed, value: str, length: int) -> str:
    if length == 0:
        return ""
    # Every word is 2+ letters and a space: length // 3 + 2 words always reach `length`.
    count = length // 3 + 2
    noise = keyed.stream(b"text", value, count)[:count]
    cut = " ".join([_LOREM_OF_BYTE[byte] for byte in noise])[:length]  # a third faster than map() here
    return (cut[:-1] + "." if cut.endswith(" ") else cut).capitalize()


def _lorem_of_length(keyed: Keyed, value: str) -> str:
    return lorem(keyed, value, len(value))


_JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')


def _mask_json(value: str, fake: Callable[[str], str]) -> str:
    """Every string value in the JSON text through `fake`; keys, numbers and layout stay byte for byte."""
    if "\\" in value:
        def one(match: re.Match) -> str:
            if match.group(2) is not None:  # a key
                return match.group(0)
            return f'"{fake(json.loads(match.group(0)))}"'
        return _JSON_STRING.sub(one, value)
    return replace_json_values(value, fake)


def replace_json_values(text: AnyStr, fake: Callable[[AnyStr], AnyStr]) -> AnyStr:
    """JSON text without a backslash (str, or UTF-8 bytes) with every string value through `fake`:
    the text between two quotes is a string, a key when a colon follows it."""
    quote, colon = ('"', ":") if isinstance(text, str) else (b'"', b":")
    parts = text.split(quote)
    for i in range(1, len(parts), 2):
        if parts[i + 1].lstrip()[:1] != colon:
            parts[i] = fake(parts[i])
    return quote.join(parts)


class JsonText:
    """The rule `text` on a JSON column: every string value in it becomes lorem of its length.
    `lorem_of` is that for one string, for rows.py to apply to COPY bytes directly."""

    def __init__(self, keyed: Keyed):
        self.lorem_of = partial(_lorem_of_length, keyed)
        # Strings inside JSON repeat across rows (statuses, agents): each is made up once.
        self._remembered = keyed.remembered(_lorem_of_length)

    def __call__(self, value: Optional[str]) -> Optional[str]:
        return None if value is None else _mask_json(value, self._remembered)


def mask_text(keyed: Keyed, value: str, shape: Shape) -> str:
    if shape.kind == "json":
        return JsonText(keyed)(value)
    fake = lorem(keyed, value, len(value))
    return _with_tag(keyed, b"text", value, fake, shape) if shape.unique else _fit(fake, shape)


def shift_date(keyed: Keyed, value: str, days: int) -> str:
    """ISO dates and timestamps (pg_dump writes DateStyle ISO) move by 1..days days, either way."""
    if value in ("infinity", "-infinity"):
        return value
    noise = keyed.digest(b"date-shift", value)
    delta = (1 + int.from_bytes(noise[:4], "big") % days) * (1 if noise[4] & 1 else -1)
    try:
        moved = date.fromisoformat(value[:10]) + timedelta(days=delta)
    except (ValueError, OverflowError):
        return "2000-01-01" + value[10:]  # a BC or far-future date: no shape to keep
    return moved.isoformat() + value[10:]


def mask_hash(keyed: Keyed, value: str, shape: Shape) -> str:
    digest = keyed.digest(b"hash", value)
    if shape.kind == "uuid":
        hexa = digest[:16].hex()
        return f"{hexa[:8]}-{hexa[8:12]}-{hexa[12:16]}-{hexa[16:20]}-{hexa[20:]}"
    if shape.kind == "inet":
        if ":" in value:  # an IPv6 address: one in the unique-local block fd00::/8
            return "fd" + ":".join(digest[i:i + 2].hex() for i in range(0, 16, 2))[2:]
        return "10." + ".".join(str(b) for b in digest[:3])
    if shape.kind == "bytea":
        return "\\x" + digest.hex()
    return _fit(digest.hex(), shape)


_MASKERS: dict[str, Callable[[Keyed, str, Shape], str]] = {
    "email": mask_email, "name": mask_name, "phone": mask_phone, "address": mask_address,
    "iban": mask_iban, "card": mask_card, "text": mask_text, "hash": mask_hash,
}


def masker(keyed: Keyed, rule: Rule, shape: Shape) -> Callable[[Optional[str]], Optional[str]]:
    """The function a column's values go through; NULL stays NULL (a NULL tells nothing about anyone)."""
    if rule.name == "keep":
        return lambda value: value
    if rule.name == "null":
        return lambda value: None
    if rule.name == "fixed":
        return lambda value: None if value is None else rule.arg
    if rule.name == "date-shift":
        days = int(rule.arg or DEFAULT_SHIFT_DAYS)
        return lambda value: None if value is None else shift_date(keyed, value, days)
    if rule.name == "text" and shape.kind == "json":
        return JsonText(keyed)
    function = _MASKERS[rule.name]
    return lambda value: None if value is None else function(keyed, value, shape)
