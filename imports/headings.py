"""Column headings and indicator cells matched to indicators as people write them.

An indicator is known by its code, its name, the synonyms an administrator keeps on it
(Indicator.synonyms, editable in the admin and the API), and two forms derived from its name:
without its unit at the end (职业技能培训人次 → 职业技能培训, as in 职业技能培训（人次）) and
without a closing qualifier (新增技能人才（取证人数） → 新增技能人才). A heading is read without
its unit note (header_key) and, failing that, without a leading 其中： / 含 / 包括. A derived
form two indicators share names neither.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .reader import header_key

PREFIXES = ("其中:", "其中", "含:", "含", "包括:", "包括", "内含")
UNIT_ENDINGS = ("人次", "人数", "人", "个数", "个", "场次", "场", "家")
_QUALIFIED = re.compile(r"^(.+?)\([^()]+\)$")


def without_prefix(key: str) -> str:
    for prefix in PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 1:
            return key[len(prefix):]
    return key


def derived_keys(name: str) -> set[str]:
    base = header_key(name)
    keys = set()
    qualified = _QUALIFIED.match(base)
    if qualified:
        keys.add(qualified.group(1))
    for stem in (base, *keys):
        for ending in UNIT_ENDINGS:
            if stem.endswith(ending) and len(stem) > len(ending) + 1:
                keys.add(stem[: -len(ending)])
                break
    keys.discard(base)
    return keys


class IndicatorHeadings:
    """Resolves headings or cells against a set of indicators (loaded once per import)."""

    def __init__(self, indicators):
        self.exact: dict[str, list] = defaultdict(list)
        derived: dict[str, list] = defaultdict(list)
        for indicator in indicators:
            for word in {indicator.code, indicator.name, *(indicator.synonyms or [])}:
                key = header_key(word)
                if key and indicator not in self.exact[key]:
                    self.exact[key].append(indicator)
            for key in derived_keys(indicator.name):
                derived[key].append(indicator)
        self.derived = {k: v[0] for k, v in derived.items() if len(v) == 1 and k not in self.exact}

    def candidates(self, value) -> list:
        """The indicators a heading names: one, none, or (a synonym given to two) several."""
        key = header_key(value)
        for form in dict.fromkeys((key, without_prefix(key))):
            if form in self.exact:
                return list(self.exact[form])
            if form in self.derived:
                return [self.derived[form]]
        return []

    def match(self, value):
        found = self.candidates(value)
        return found[0] if len(found) == 1 else None

    def names(self) -> list[str]:
        return list(self.exact)
