"""Every source's family labels land in the one vocabulary."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from auditor.normalize import normalize_family
from auditor.normalize.family import classify_composition, clean_space_group
from core.vocab import FAMILIES
from tests.paths import REPO

DATA = REPO / "data"


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
        ("Glass", "glass"),
        ("TAVORITE", "tavorite"),
        ("WEBERITE", "weberite"),
        ("BORATES", "borate"),
        ("ORTHOSILICATE", "orthosilicate"),
        ("RUTILE", "rutile"),
        ("MARICITE", "maricite"),
        ("Zircon", "zircon"),
        ("Phenakite", "phenakite"),
        ("Rocksalt", "rocksalt"),
        ("LAYERED", "layered-oxide"),
        ("POST-SPINEL(CF)", "post-spinel"),
        ("Lysonite", "lyonsite"),
        ("GARNETS", "garnet"),
        ("SPINEL CHALCOGENIDES", "spinel"),
        ("OXYFLUROIDES", "oxide"),
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
        ("oxides", "LiScO2", "I41/amd", "oxide"),
        ("Glass-Ceramic", "Li7P3S11", None, "thiophosphate"),
        ("glass-ceramic", "Li2S", None, "sulfide"),
        ("Lysonite", "Li0.95Hf1.95Ta0.05P3O12", None, "NASICON"),
        ("phosphates", "Li3P", None, "other"),
        (None, "LiBO2", None, "borate"),
        (None, "Li2SiO3", None, "silicate"),
        (None, "Li2CO3", None, "carbonate"),
        (None, "Li2GeS3", None, "sulfide"),
        (None, "LiGaO2", None, "oxide"),
        ("Other", "La0.5Li0.5TiO3", None, "perovskite"),
        (None, "Li7La3Zr2O12", "Ia-3d", "garnet"),
        (None, "Li1.3Al0.3Ti1.7P3O12", "R-3c", "NASICON"),
        (None, "Li6PS5Cl", "F-43m", "argyrodite"),
        (None, "LiBH4", None, "complex-hydride"),
        (None, "Li3N", None, "nitride"),
        (None, "LiFePO4", "Pnma", "olivine"),
        (None, "LiCoO2", "R-3m", "layered-oxide"),
        (None, "Li3YCl6", None, "halide"),
        ("LAYERED", "TiS2", None, "sulfide"),
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


def test_glass_ceramic_names_go_by_their_crystalline_phase():
    from auditor.normalize.entity import normalize_entity

    assert normalize_entity("Li7P3S11 glass-ceramic").family == "thiophosphate"
    assert normalize_entity("75Li2S-25P2S5 glass").family == "glass"


def test_every_family_is_documented_as_structure_class_glass_or_other():
    from core.vocab import CHEMICAL_CLASSES, STRUCTURE_FAMILIES

    assert set(FAMILIES) == set(STRUCTURE_FAMILIES) | set(CHEMICAL_CLASSES) | {"glass", "other"}
