"""Finding the org unit or department a spreadsheet names, the way officials write them:
by code (330302) or by name, tolerant of the usual suffix variants (鹿城 / 鹿城区, 温州 /
温州市, 瓯江口 / 瓯江口新区) and of a parent prefix (温州市鹿城区, 温州市/鹿城区) — but only when
the match is unambiguous. Anything else is an error that lists the closest candidates."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict

from org.models import NameAlias

from .reader import CellError, text

MAX_CHOICES = 50  # names offered for a choice in one preview

# Longest first, so that 自治县 is removed before 县.
SUFFIXES = sorted(("省", "市", "州", "县", "区", "旗", "盟", "自治区", "自治州", "自治县", "地区",
                   "新区", "开发区", "经开区", "经济技术开发区", "高新区", "高新技术产业开发区",
                   "县级市", "特别行政区", "镇", "乡", "街道"), key=len, reverse=True)
SEPARATORS = re.compile(r"[/／·\\>＞\-—]+")


def stem(name: str) -> str:
    name = text(name).replace(" ", "")
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class UnitResolver:
    """Resolves unit cells against a set of org units (loaded once per import)."""

    def __init__(self, units, aliases: dict[str, int] | None = None):
        """`units`: iterable of objects with pk, code, name, parent_id (and short_name);
        `aliases`: names chosen in earlier previews ({text: unit id}, see `unit_aliases`)."""
        self.units = {u.pk: u for u in units}
        self.aliases = {k: pk for k, pk in (aliases or {}).items() if pk in self.units}
        self.unresolved: dict[str, list[int]] = {}  # a name not found → its nearest units
        self.by_code = {u.code: u.pk for u in self.units.values() if u.code}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_stem: dict[str, list[int]] = defaultdict(list)
        for u in self.units.values():
            self.by_name[text(u.name).replace(" ", "")].append(u.pk)
            self.by_stem[stem(u.name)].append(u.pk)
            short = text(getattr(u, "short_name", "") or "").replace(" ", "")
            if short and short != text(u.name).replace(" ", ""):
                self.by_name[short].append(u.pk)  # 经开区 → 温州经济技术开发区
        self._cache: dict[str, int] = {}

    def label(self, pk: int) -> str:
        unit = self.units[pk]
        parent = self.units.get(unit.parent_id)
        return f"{parent.name}{unit.name}" if parent and parent.parent_id else unit.name

    def resolve(self, value) -> int:
        raw = text(value)
        if raw in self._cache:
            return self._cache[raw]
        pk = self._resolve(raw)
        self._cache[raw] = pk
        return pk

    def _resolve(self, raw: str) -> int:
        name = raw.replace(" ", "")
        if not name:
            raise CellError("单位为空")
        if name in self.by_code:
            return self.by_code[name]
        if name in self.aliases:
            return self.aliases[name]
        parts = [p for p in SEPARATORS.split(name) if p]
        if len(parts) > 1:  # 温州市/鹿城区: the last part under the one before it
            return self._under(parts[-2], parts[-1], raw)
        # A bare name may omit its suffix (鹿城 → 鹿城区, 温州 → 温州市); a name with a suffix must
        # match as written (鹿城县 is not 鹿城区).
        indexes = (self.by_name, self.by_stem) if stem(name) == name else (self.by_name,)
        for index in indexes:
            found = index.get(name if index is self.by_name else stem(name), [])
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise CellError(f"单位「{raw}」不唯一，可能是：{self._list(found)}。"
                                "请写单位代码或带上上级名称（如 温州市鹿城区）")
        # 温州市鹿城区: a parent's name followed by a child's.
        for unit in self.units.values():
            parent = self.units.get(unit.parent_id)
            if parent and name.startswith(text(parent.name)) and len(name) > len(parent.name):
                try:
                    return self._under(parent.name, name[len(parent.name):], raw)
                except CellError:
                    continue
        raise self._not_found(raw, name)

    def _not_found(self, raw: str, name: str) -> CellError:
        pks = self._nearest(name)
        if pks and (raw in self.unresolved or len(self.unresolved) < MAX_CHOICES):
            self.unresolved[raw] = pks
        return CellError(f"未找到单位「{raw}」" + (
            f"。最接近的有：{self._list(pks)}（可在下方选择，系统会记住）" if pks
            else "。请核对名称或填写 6 位行政区划代码"))

    def choices(self) -> list[dict]:
        """The names not found, each with its nearest units, for the preview to offer."""
        return [{"kind": NameAlias.UNIT, "text": raw, "unit": None,
                 "candidates": [[pk, self.label(pk)] for pk in pks]}
                for raw, pks in self.unresolved.items()]

    def _under(self, parent_text: str, child_text: str, raw: str) -> int:
        parents = set(self.by_name.get(parent_text, []) or self.by_stem.get(stem(parent_text), []))
        found = [pk for pk in (self.by_name.get(child_text, []) or self.by_stem.get(stem(child_text), []))
                 if self.units[pk].parent_id in parents]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise CellError(f"单位「{raw}」不唯一，可能是：{self._list(found)}")
        raise self._not_found(raw, child_text)

    def _list(self, pks) -> str:
        return "、".join(f"{self.label(pk)}（{self.units[pk].code or '无代码'}）" for pk in pks[:5])

    def _nearest(self, name: str) -> list[int]:
        """Up to three units whose names are closest, each once (a unit is listed under its
        name and its short name)."""
        names = list(self.by_name)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
        close += [n for n in names if stem(name) and stem(name) in n and n not in close][:3]
        pks = list(dict.fromkeys(pk for n in close for pk in self.by_name[n]))
        return pks[:3]


def department_key(name: str, unit_name: str = "") -> str:
    """温州市应急管理局 / 市应急管理局 / 应急管理局 → 应急管理局 (the unit prefix dropped)."""
    name = text(name).replace(" ", "")
    for prefix in (text(unit_name), stem(unit_name)):
        if prefix and name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix):]
            break
    if name[:1] in ("省", "市", "州", "县", "区") and len(name) > 3:
        name = name[1:]
    return name


class DepartmentResolver:
    def __init__(self, departments, unit_names: dict[int, str],
                 aliases: dict[tuple[int, str], int] | None = None):
        """`departments`: objects with pk, name, org_unit_id; `aliases`: {(unit id, text):
        department id} chosen in earlier previews (`department_aliases`)."""
        self.names: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.unit_names = unit_names
        self.by_unit: dict[int, list[str]] = defaultdict(list)
        self.pks: dict[tuple[int, str], int] = {}
        self.aliases = dict(aliases or {})
        self.unresolved: dict[tuple[int, str], list[int]] = {}
        for d in departments:
            self.pks[(d.org_unit_id, d.name)] = d.pk
            self.names[(d.org_unit_id, department_key(d.name, unit_names.get(d.org_unit_id, "")))
                       ].append(d.pk)
            self.by_unit[d.org_unit_id].append(d.name)

    def resolve(self, unit_id: int, value) -> int | None:
        raw = text(value)
        if not raw:
            return None
        found = self.names.get((unit_id, department_key(raw, self.unit_names.get(unit_id, ""))), [])
        if len(found) == 1:
            return found[0]
        if (unit_id, raw.replace(" ", "")) in self.aliases:
            return self.aliases[(unit_id, raw.replace(" ", ""))]
        known = self.by_unit.get(unit_id, [])
        close = list(dict.fromkeys(difflib.get_close_matches(raw, known, n=3, cutoff=0.3)))
        if close and ((unit_id, raw) in self.unresolved or len(self.unresolved) < MAX_CHOICES):
            self.unresolved[(unit_id, raw)] = [self.pks[(unit_id, n)] for n in close]
        hint = (f"。该单位的部门有：{'、'.join(close or known[:5])}" if known
                else "。该单位尚未登记任何部门")
        raise CellError(f"单位「{self.unit_names.get(unit_id, '')}」下未找到部门「{raw}」{hint}")

    def choices(self) -> list[dict]:
        names = {pk: name for (_unit, name), pk in self.pks.items()}
        return [{"kind": NameAlias.DEPARTMENT, "text": raw, "unit": unit_id,
                 "candidates": [[pk, names[pk]] for pk in pks]}
                for (unit_id, raw), pks in self.unresolved.items()]


def unit_aliases(user) -> dict[str, int]:
    """The unit names chosen in earlier previews that serve `user` ({text: unit id}); a text
    chosen for two units serves neither."""
    found: dict[str, set[int]] = defaultdict(set)
    for written, pk in NameAlias.objects.for_user(user).filter(kind=NameAlias.UNIT).values_list(
            "text", "org_unit_id"):
        found[written].add(pk)
    return {written: pks.pop() for written, pks in found.items() if len(pks) == 1}


def department_aliases(user) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], set[int]] = defaultdict(set)
    for written, unit_id, pk in NameAlias.objects.for_user(user).filter(
            kind=NameAlias.DEPARTMENT).values_list("text", "org_unit_id", "department_id"):
        found[(unit_id, written)].add(pk)
    return {key: pks.pop() for key, pks in found.items() if len(pks) == 1}
