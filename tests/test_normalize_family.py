"""Every source's family labels land in the one vocabulary."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor.normalize import normalize_family
from auditor.normalize.family import classify_composition, clean_space_group
from core.vocab import FAMILIES

DATA = Path(__file__).resolve().parent.parent / "data"


def _labels(path: Path, column: str, encoding: str = "utf-8") -> set[str]:
    with open(path, newline="", encoding=encoding) as fh:
        return {row[column] for row in csv.DictReader(fh) if row[column].strip()}


@pytest.mark.parametrize(
    ("path", "column", "encoding"),
    [
        ("obelix/downloads/all.csv", "Family", "utf-8"),
        ("obelix/misc/LiIonDatabase.csv", "family", "utf-8-sig"),
        ("literature/literature_barriers.csv", "family", "utf-8"),
    ],
)
def test_every_bundled_label_maps_into_the_vocabulary(path, column, encoding):
    for label in _labels(DATA / path, column, encoding):
        assert normalize_family(label) in FAMILIES, label


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("argyrodites", "argyrodite"),
        ("argyrodite", "argyrodite"),
        ("perovskites", "perovskite"),
        ("garnet-like", "garnet"),
        ("cholorides", "halide"),
        ("Halide", "halide"),
        ("antiperovskite", "anti-perovskite"),
        ("Anti-Perovskite", "anti-perovskite"),
        ("thio-phosphate", "thiophosphate"),
        ("Thio-LISICON", "thio-LISICON"),
        ("Glass-Ceramic", "glass"),
        ("GARNETS", "garnet"),
        ("SPINEL CHALCOGENIDES", "spinel"),
        ("OXYFLUROIDES", "other"),
        ("complex hydride (closo-borate)", "complex-hydride"),
        ("NASICON (LATP/LAGP)", "NASICON"),
        ("LGPS-type (oxide analogue)", "LGPS"),
        ("other (Li sulfide nitride)", "other"),
        ("halide (spinel-type)", "halide"),
        ("Na thiophosphate (Na3PS4)", "thiophosphate"),
    ],
)
def test_label_aliases(label, family):
    assert normalize_family(label) == family


@pytest.mark.parametrize(
    ("label", "formula", "space_group", "family"),
    [
        ("oxides", "Li2MgTi3O8", "P4332", "spinel"),
        ("oxides", "LiScO2", "I41/amd", "other"),
        ("Other", "La0.5Li0.5TiO3", None, "perovskite"),
        (None, "Li7La3Zr2O12", "Ia-3d", "garnet"),
        (None, "Li1.3Al0.3Ti1.7P3O12", "R-3c", "NASICON"),
        (None, "Li6PS5Cl", "F-43m", "argyrodite"),
        (None, "LiBH4", None, "complex-hydride"),
        (None, "Li3N", None, "nitride"),
        (None, "LiFePO4", "Pnma", "olivine"),
        (None, "LiCoO2", "R-3m", "layered-oxide"),
        (None, "Li3YCl6", None, "halide"),
        ("LAYERED", "TiS2", None, "other"),
        ("", None, None, "other"),
    ],
)
def test_broad_or_missing_labels_classify_from_composition(label, formula, space_group, family):
    assert normalize_family(label, formula=formula, space_group=space_group) == family


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("P 21 21 21", "P212121"), ("P42/nmcZ", "P42/nmc"), (" Ia-3d ", "Ia-3d"), ("", None)],
)
def test_space_group_spelling(raw, clean):
    assert clean_space_group(raw) == clean


def test_classification_of_nonsense_is_other():
    assert classify_composition("not a formula")[0] == "other"
