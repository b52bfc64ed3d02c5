"""Laskowski et al. 2023 (EES 16, 1264), SI table as scraped from the PDF by OBELiX.

Columns: 1 composition, 2 RT conductivity (S/cm, text), 3 experimental Ea (eV), 4 space group,
5 space-group number, 6 overflow text, 7 ICSD ID, 8 reference number (-> doi_lookup_table.csv).

The scrape splits long formulas over two or three lines, with the numbers on the middle line:

    (Ag0.33Li0.67)0.27La0.57TiO,,,,,,,61      <- formula start (+ reference)
    "",1E-4,0.30,Pmmm,47,,,                   <- the numbers
    3,,,,,,,                                  <- formula end

Lines that only carry column-6 overflow (`β-`, `“tetrago`, formula fragments that repeat the
formula) are annotations of the neighbouring entry. `reassemble` turns lines into logical rows;
each logical row is then loaded or quarantined as a whole.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from core.composition import demangle, is_mangled, try_composition_key
from db.loaders.common import (
    LoadResult,
    NameResolver,
    RowError,
    SourceSpec,
    blank,
    make_record,
)
from db.loaders.obelix import obelix_keys_by_laskowski_ref

COLUMNS = ("composition", "sigma", "ea", "space_group", "sg_number", "overflow", "icsd", "ref")


@dataclass
class LogicalRow:
    """One Laskowski entry reassembled from one or more physical lines."""

    first_line: int
    lines: list[int] = field(default_factory=list)
    composition: str = ""
    values: dict = field(default_factory=dict)
    overflow: list[str] = field(default_factory=list)
    awaiting_values: bool = False
    expecting_tail: bool = False
    stray_reason: str | None = None

    def raw(self, physical: dict[int, list[str]]) -> dict:
        return {f"line {n}": ",".join(physical[n]) for n in self.lines}


def _kind(cells: dict) -> str:
    has_comp = not blank(cells["composition"])
    has_values = any(not blank(cells[c]) for c in ("sigma", "ea", "space_group", "sg_number"))
    if has_comp and has_values:
        return "full"
    if has_comp:
        return "composition"
    if has_values:
        return "values"
    if not blank(cells["overflow"]):
        return "overflow"
    if not blank(cells["ref"]) or not blank(cells["icsd"]):
        return "reference"
    return "blank"


# (cell, property, unit, method as the source describes it)
VALUE_COLUMNS = (
    ("sigma", "sigma", "S/cm", "experimental, room temperature (Laskowski 2023 SI)"),
    ("ea", "Ea", "eV", "experimental activation energy (Laskowski 2023 SI)"),
)
_VALUE_CELLS = ("sigma", "ea", "space_group", "sg_number", "icsd", "ref")


def _fill(values: dict, cells: dict) -> bool:
    """Merge a continuation line's numbers into an entry; False (and no change) on a conflict."""
    if any(cells.get(k) and values.get(k) and values[k] != cells[k] for k in _VALUE_CELLS):
        return False
    for key in _VALUE_CELLS:
        if cells.get(key) and not values.get(key):
            values[key] = cells[key]
    return True


def _continues(current: LogicalRow, cells: dict) -> bool:
    """A line with formula and numbers continues a formula-only head that holds the reference."""
    return bool(current.values.get("ref")) and blank(cells["ref"])


def reassemble(lines: list[list[str]]) -> list[LogicalRow]:
    """Group the scrape's physical lines into logical rows (see the module docstring)."""
    rows: list[LogicalRow] = []
    current: LogicalRow | None = None
    pending_overflow: list[tuple[int, str]] = []

    def start(line_no: int) -> LogicalRow:
        row = LogicalRow(first_line=line_no)
        for n, text in pending_overflow:
            row.lines.append(n)
            row.overflow.append(text)
        pending_overflow.clear()
        rows.append(row)
        return row

    for line_no, parts in enumerate(lines, start=1):
        cells = dict(zip(COLUMNS, (p.strip() for p in parts + [""] * 8), strict=False))
        kind = _kind(cells)
        adjacent = current is not None and current.lines[-1] == line_no - 1
        if kind == "full" and adjacent and current.awaiting_values and _continues(current, cells):
            # The formula's middle fragment carries the numbers; the head above has the reference.
            current.lines.append(line_no)
            current.composition += cells["composition"]
            _fill(current.values, cells)
            current.awaiting_values, current.expecting_tail = False, True
        elif kind == "full":
            current = start(line_no)
            current.lines.append(line_no)
            current.composition = cells["composition"]
            current.values = dict(cells)
        elif kind == "composition" and adjacent and current.expecting_tail:
            current.lines.append(line_no)
            current.composition += cells["composition"]
            current.expecting_tail = False
        elif kind == "composition":
            current = start(line_no)
            current.lines.append(line_no)
            current.composition = cells["composition"]
            current.values = {"ref": cells["ref"], "icsd": cells["icsd"]}
            current.awaiting_values = True
        elif kind == "values" and adjacent and _fill(current.values, cells):
            # Numbers the head line lacked, one line down; the formula's tail may follow.
            current.lines.append(line_no)
            current.awaiting_values, current.expecting_tail = False, True
        elif kind == "overflow":
            # The overflow column holds the name centred on its entry: a prefix (`β-`,
            # `“tetrago`) opens the next entry's name; anything else ends the current one's.
            text = cells["overflow"]
            opens_next = text.endswith("-") or text.startswith("“")
            if not opens_next and adjacent:
                current.lines.append(line_no)
                current.overflow.append(text)
            else:
                pending_overflow.append((line_no, text))
        else:
            stray = LogicalRow(first_line=line_no, lines=[line_no])
            stray.stray_reason = {
                "values": "numbers on a continuation line that conflict with, or have no, formula above",
                "reference": "a reference number alone on a line (no formula, no value)",
                "blank": "blank line in the PDF scrape",
            }.get(kind, "unreadable line")
            rows.append(stray)
            current = None
    if pending_overflow:
        row = start(pending_overflow[0][0])
        row.stray_reason = "overflow text with no entry to attach to"
    return rows


def _confirmed_demangle(composition: str, obelix_keys: set[str]) -> tuple[str, str]:
    """The key of a mangled formula, only when OBELiX lists the reassembled formula for the reference.

    Raises:
        RowError: no candidate, or a candidate OBELiX does not confirm (stated in the reason).
    """
    candidate = demangle(composition)
    key = try_composition_key(candidate) if candidate else None
    if key is None:
        raise RowError(f"mangled formula (subscripts detached from elements): {composition!r}")
    if key not in obelix_keys:
        raise RowError(
            f"mangled formula (subscripts detached from elements): {composition!r}; "
            f"reassembled as {candidate}, which OBELiX does not list for this reference"
        )
    return (
        key,
        f"formula reassembled from detached subscripts as {candidate}; OBELiX lists it for this reference",
    )


def load_laskowski(spec: SourceSpec, names: NameResolver | None = None) -> LoadResult:
    """Reassembled rows -> one `sigma` (RT implied) and one `Ea` (EXP) record each."""
    table_path: Path = spec.path
    doi_table = {}
    with open(table_path.with_name("doi_lookup_table.csv"), encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            doi_table[row["ref. number"].strip()] = row["DOI"].strip()
    with open(table_path, encoding="utf-8", newline="") as fh:
        physical = list(csv.reader(fh))
    by_line = {n: parts for n, parts in enumerate(physical, start=1)}
    confirmed_keys = obelix_keys_by_laskowski_ref(table_path.parent.parent)
    result = LoadResult(spec)
    for logical in reassemble(physical):
        source_row = f"L{logical.first_line}"
        raw = logical.raw(by_line)
        if logical.stray_reason:
            result.rows_in += 1
            result.quarantine_row(source_row, raw, logical.stray_reason)
            continue
        values = logical.values
        ref = values.get("ref", "")
        note = f"overflow text: {' '.join(logical.overflow)}" if logical.overflow else None

        def build(logical=logical, values=values, ref=ref, note=note, source_row=source_row):
            if logical.awaiting_values:
                raise RowError("formula without conductivity or activation energy")
            doi = doi_table.get(ref)
            key, key_note = None, None
            if is_mangled(logical.composition):
                key, key_note = _confirmed_demangle(
                    logical.composition, confirmed_keys.get(ref, set())
                )
            common = {
                "source": spec.name,
                "source_row": source_row,
                "material_raw": logical.composition,
                "key": key,
                "names": names,
                "method_tag": "EXP",
                "doi": doi,
                "reference": f"Laskowski 2023 SI ref. {ref}" if ref else None,
                "notes": "; ".join(n for n in (note, key_note) if n) or None,
            }
            return [
                make_record(
                    **common, prop=prop, value_raw=values[cell], unit_raw=unit, method_raw=text
                )
                for cell, prop, unit, text in VALUE_COLUMNS
                if not blank(values.get(cell))
            ]

        result.add_row(source_row, raw, build)
        if values and not logical.awaiting_values and not blank(logical.composition):
            result.entries.append(
                {
                    "source": spec.name,
                    "source_row": source_row,
                    "material_raw": logical.composition,
                    "space_group": values.get("space_group") or None,
                    "sg_number": int(values["sg_number"])
                    if str(values.get("sg_number", "")).isdigit()
                    else None,
                    "icsd_id": values.get("icsd") or None,
                    "laskowski_id": ref or None,
                }
            )
    return result
