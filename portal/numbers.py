"""Numbers and codes as people read them out, beside `portal.dates` (the one formatter of
dates): postal codes with their hyphen, meeting IDs and passcodes in short groups.

    postal_code("0530022")          053-0022
    code_groups("consult-4827-1930")  ["consult-", "4827-", "1930"]   (kept as written)
    code_groups("12345678901")      ["123", "4567", "8901"]        (as Zoom writes it)
    code_groups("48271930")         ["4827", "1930"]
    code_groups("480001")           ["480", "001"]
"""

import re
import unicodedata

GROUP = 4
# How digits-only codes of these lengths are read out (Zoom writes its IDs so).
DIGIT_GROUPS = {6: (3, 3), 7: (3, 4), 8: (4, 4), 9: (3, 3, 3), 10: (3, 3, 4), 11: (3, 4, 4)}


def postal_code(value: str | None) -> str:
    """A Japanese postal code as written on letters: 053-0022 (other values unchanged)."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else value


def code_groups(value: str | None) -> list[str]:
    """A code split into groups that can be read out one at a time. Joined again, the
    groups give the code exactly (so that selecting the code copies it as it is): a code
    with hyphens keeps them at the end of its groups; digits are grouped as Zoom writes
    its IDs (3-4-4 for 11 digits); anything else is cut into groups of four."""
    if not value:
        return []
    if "-" in value:
        return re.findall(r"[^-]+-?|-", value)
    if value.isdigit() and len(value) in DIGIT_GROUPS:
        groups, start = [], 0
        for size in DIGIT_GROUPS[len(value)]:
            groups.append(value[start : start + size])
            start += size
        return groups
    return [value[i : i + GROUP] for i in range(0, len(value), GROUP)]
