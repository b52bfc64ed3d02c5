"""The shared vocabulary: properties, canonical units, method tags and families.

One concept, one home: every module that needs one of these lists imports it from here.
This module imports nothing heavy, so the CLI and the app pay nothing for it.
"""

from __future__ import annotations

from typing import Literal

Property = Literal["sigma", "Ea", "Em"]
PROPERTIES: tuple[str, ...] = ("sigma", "Ea", "Em")
PROPERTY_LABELS: dict[str, str] = {
    "sigma": "ionic conductivity",
    "Ea": "experimental / apparent activation energy",
    "Em": "computed migration barrier of one hop",
}

# Canonical units per property. sigma is also kept as log10(S/cm).
CANONICAL_UNIT: dict[str, str] = {"sigma": "S/cm", "Ea": "eV", "Em": "eV"}

METHOD_TAGS: tuple[str, ...] = (
    "EXP",
    "CI-NEB",
    "NEB",
    "AIMD",
    "MetaD",
    "MLMD",
    "MLIP-NEB",
    "BVSE",
    "CLASSICAL-MD",
    "KMC",
    "ML",
    "OTHER",
)
COMPUTED_METHODS: tuple[str, ...] = tuple(t for t in METHOD_TAGS if t != "EXP")

FAMILIES: tuple[str, ...] = (
    "garnet",
    "NASICON",
    "LISICON",
    "thio-LISICON",
    "LGPS",
    "argyrodite",
    "thiophosphate",
    "perovskite",
    "anti-perovskite",
    "halide",
    "complex-hydride",
    "nitride",
    "olivine",
    "spinel",
    "layered-oxide",
    "glass",
    "other",
)

# Room temperature as the store records it where a source implies it.
ROOM_TEMPERATURE_K = 298.0

# Qualifiers a reported number can carry.
QUALIFIERS: tuple[str, ...] = ("=", "<", ">", "~", "range")
