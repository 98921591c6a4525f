"""Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1e3`): parsing, arithmetic and canonical form.

The API server stores quantities in canonical form (`0.5` becomes `500m`, `1024Mi` becomes `1Gi`, `2000` becomes
`2k`), and the scheduler and kubelet compare them as integers (CPU in millicores, rounded up; memory in bytes).
This module does both the way apimachinery's `resource.Quantity` does.

Imports nothing of kube_magics but errors.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache

from kube_magics.errors import KubeMagicsError

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}

_RE = re.compile(r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$")


class QuantityError(KubeMagicsError):
    """Not a quantity. The message is apimachinery's."""


def parse(value: str | int | float) -> tuple[Fraction, str]:
    """A quantity's exact value and its format: "BinarySI", "DecimalSI" or "DecimalExponent"."""
    if isinstance(value, bool):
        raise QuantityError("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    if isinstance(value, int):
        return Fraction(value), "DecimalSI"
    if isinstance(value, float):
        return Fraction(repr(value)), "DecimalSI"
    return _parse_text(str(value))


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> tuple[Fraction, str]:
    # Memoised: manifests repeat the same few quantities (100m, 128Mi) thousands of times, and Fractions are slow.
    m = _RE.match(value.strip())
    if not m:
        raise QuantityError(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    number, suffix = m.group(1), m.group(2) or ""
    amount = Fraction(number)
    if suffix in _BINARY:
        return amount * (1024 ** _BINARY[suffix]), "BinarySI"
    if suffix[:1] in ("e", "E"):
        return amount * Fraction(10) ** int(suffix[1:]), "DecimalExponent"
    return amount * Fraction(10) ** _DECIMAL[suffix], "DecimalSI"


def is_valid(value: object) -> bool:
    try:
        parse(value)  # type: ignore[arg-type]
    except QuantityError:
        return False
    return True


def milli(value: str | int | float) -> int:
    """The value in thousandths, rounded up (CPU in millicores): `0.1` -> 100, `250m` -> 250, `1` -> 1000."""
    amount, _ = parse(value)
    return math.ceil(amount * 1000)


def integer(value: str | int | float) -> int:
    """The value rounded up to a whole number (memory in bytes): `128Mi` -> 134217728."""
    amount, _ = parse(value)
    return math.ceil(amount)


def canonical(value: str | int | float) -> str:
    """The form the API server stores and returns.

    Worked examples: `0.5` is 5 x 10^-1; the exponent is lowered to a multiple of three, so `500m`. `1024Mi` is
    an integer count of bytes that 1024^3 divides, so `1Gi`; `1536Mi` stays `1536Mi`. A binary quantity under
    1024 in magnitude, or one with a fraction, is written in decimal: `0.5Ki` becomes `512`.
    """
    if isinstance(value, str):
        return _canonical_text(value)
    return _canonical(value)


@lru_cache(maxsize=4096)
def _canonical_text(value: str) -> str:
    return _canonical(value)


def _canonical(value: str | int | float) -> str:
    amount, fmt = parse(value)
    return format_amount(amount, fmt)


def format_amount(amount: Fraction, fmt: str = "DecimalSI") -> str:
    """An exact amount in canonical form, in a format ("BinarySI", "DecimalSI", "DecimalExponent"), as
    `Quantity.String()` prints a sum: `format_amount(Fraction(3, 2))` is `1500m`."""
    if amount == 0:
        return "0"
    if fmt == "BinarySI" and (-1024 < amount < 1024 or amount.denominator != 1):
        fmt = "DecimalSI"
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if fmt == "BinarySI":
        n = int(amount)
        power = 0
        while power < 6 and n % 1024 == 0:
            n //= 1024
            power += 1
        suffix = {v: k for k, v in _BINARY.items()}.get(power, "")
        return f"{sign}{n}{suffix}"
    # Decimal: value = mantissa * 10^exp with an integer mantissa; nano is the finest precision (round up).
    nanos = amount * 10**9
    if nanos.denominator != 1:
        nanos = Fraction(math.ceil(nanos))
    mantissa, exp = int(nanos), -9
    while mantissa % 10 == 0 and mantissa != 0:
        mantissa //= 10
        exp += 1
    # The exponent must be a multiple of three: move the surplus back into the mantissa.
    shift = exp % 3
    mantissa *= 10**shift
    exp -= shift
    if fmt == "DecimalExponent":
        return f"{sign}{mantissa}" + (f"e{exp}" if exp else "")
    while exp > 18:
        mantissa *= 1000
        exp -= 3
    return f"{sign}{mantissa}{_DECIMAL_SUFFIX[exp]}"


def format_milli(millis: int) -> str:
    """Millicores as kubectl prints them: 250 -> `250m`, 2000 -> `2`."""
    if millis % 1000 == 0:
        return str(millis // 1000)
    return f"{millis}m"


def format_bytes(n: int) -> str:
    """Bytes in the largest binary unit that divides them: 134217728 -> `128Mi`, 1000 -> `1000`."""
    if n == 0:
        return "0"
    for suffix, power in sorted(_BINARY.items(), key=lambda kv: -kv[1]):
        unit = 1024**power
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)
