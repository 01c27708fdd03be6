"""Check-digit algorithms for identifiers: they turn "twelve digits" into "an identifier".

Recognisers use them to validate a match; the synthetic data generator uses the same
functions to mint valid values, so both sides agree by construction.
"""

from __future__ import annotations

import re

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]")


def digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def luhn_valid(number: str) -> bool:
    """Credit cards, Canadian SINs: the Luhn (mod 10) check over all digits."""
    digits = digits_only(number)
    if len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    for candidate in "0123456789":
        if luhn_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable: one of ten digits always completes a Luhn number")


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 7, 8, 0, 6),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(number: str) -> bool:
    """India's Aadhaar numbers carry a Verhoeff check digit."""
    check = 0
    for i, ch in enumerate(reversed(digits_only(number))):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(ch)]]
    return check == 0


def verhoeff_check_digit(partial: str) -> str:
    for candidate in "0123456789":
        if verhoeff_valid(partial + candidate):
            return candidate
    raise AssertionError("unreachable: Verhoeff always has a completing digit")


def cpf_check_digits(first_nine: str) -> str:
    """Brazil's CPF: two mod-11 check digits over weights 10..2 and 11..2."""
    digits = [int(c) for c in first_nine]
    for weight_start in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(weight_start, 1, -1), strict=False))
        rest = total % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return f"{digits[-2]}{digits[-1]}"


def cpf_valid(value: str) -> bool:
    digits = digits_only(value)
    if len(digits) != 11 or len(set(digits)) == 1:  # 000.000.000-00 etc. pass the sum but are void
        return False
    return cpf_check_digits(digits[:9]) == digits[9:]


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECK = "10X98765432"


def cn_resident_id_check(first_seventeen: str) -> str:
    """China's resident identity number: ISO 7064 MOD 11-2 over the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first_seventeen, _CN_WEIGHTS, strict=True))
    return _CN_CHECK[total % 11]


def cn_resident_id_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit():
        return False
    month, day = int(value[10:12]), int(value[12:14])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    return cn_resident_id_check(value[:17]) == value[17]


def fr_nir_key(first_thirteen: str) -> str:
    """France's social security number (NIR): key = 97 - (number mod 97); Corsica 2A/2B → 19/18."""
    number = first_thirteen.upper().replace("2A", "19", 1).replace("2B", "18", 1)
    return f"{97 - int(number) % 97:02d}"


def fr_nir_valid(value: str) -> bool:
    compact = _NON_ALNUM.sub("", value).upper()
    if len(compact) != 15 or compact[0] not in "12" or not compact[13:].isdigit():
        return False
    body = compact[:13]
    if not (body.isdigit() or (body[:5].isdigit() and body[5:7] in ("2A", "2B") and body[7:].isdigit())):
        return False
    return fr_nir_key(body) == compact[13:]


def uk_nhs_check_digit(first_nine: str) -> str | None:
    """UK NHS number: mod 11 with weights 10..2; a result of 10 means the number is not issued."""
    total = sum(int(c) * w for c, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return "0"
    if check == 10:
        return None
    return str(check)


def es_dni_letter(number: int) -> str:
    return "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]


def iban_valid(value: str) -> bool:
    compact = _NON_ALNUM.sub("", value).upper()
    if len(compact) < 15 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    remainder = int("".join(str(int(ch, 36)) for ch in rearranged.upper())) % 97
    return f"{98 - remainder:02d}"


def pesel_check_digit(first_ten: str) -> str:
    """Poland's PESEL: weights 1,3,7,9 repeating; check = (10 - sum mod 10) mod 10."""
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    total = sum(int(c) * w for c, w in zip(first_ten, weights, strict=True))
    return str((10 - total % 10) % 10)


def sg_nric_letter(prefix: str, seven_digits: str) -> str:
    """Singapore NRIC/FIN check letter (weights 2,7,6,5,4,3,2; offset 4 for T and G)."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    total = sum(int(c) * w for c, w in zip(seven_digits, weights, strict=True))
    if prefix in "TG":
        total += 4
    letters = "JZIHGFEDCBA" if prefix in "ST" else "XWUTRQPNMLK"
    return letters[total % 11]


def curp_check_digit(first_seventeen: str) -> str:
    """Mexico's CURP: weighted sum over an 37-symbol alphabet, mod 10."""
    alphabet = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
    total = sum(alphabet.index(ch) * (18 - i) for i, ch in enumerate(first_seventeen.upper()))
    return str((10 - total % 10) % 10)


def curp_valid(value: str) -> bool:
    value = value.upper()
    if len(value) != 18:
        return False
    try:
        return curp_check_digit(value[:17]) == value[17]
    except ValueError:  # a symbol outside the CURP alphabet
        return False
