"""The shared vocabulary: properties, units, method tags, families, flags and decisions.

One concept, one home: each vocabulary is a `Literal` type and the tuple derived from it, so the
type checker, the CLI's choices and the pages' select boxes come from one definition.
"""

from __future__ import annotations

from typing import Literal, get_args

Property = Literal["sigma", "Ea", "Em"]
PROPERTIES: tuple[Property, ...] = get_args(Property)
PROPERTY_LABELS: dict[Property, str] = {
    "sigma": "ionic conductivity",
    "Ea": "experimental / apparent activation energy",
    "Em": "computed migration barrier of one hop",
}
ENERGY_PROPERTIES: tuple[Property, ...] = ("Ea", "Em")

# Canonical units per property. sigma is also kept as log10(S/cm).
CANONICAL_UNIT: dict[Property, str] = {"sigma": "S/cm", "Ea": "eV", "Em": "eV"}

MethodTag = Literal[
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
]
METHOD_TAGS: tuple[MethodTag, ...] = get_args(MethodTag)
EXPERIMENT: MethodTag = "EXP"

Family = Literal[
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
]
FAMILIES: tuple[Family, ...] = get_args(Family)

# Qualifiers a reported number can carry.
Qualifier = Literal["=", "<", ">", "~", "range"]
QUALIFIERS: tuple[Qualifier, ...] = get_args(Qualifier)

# Outlier flags: the rules that raise them and the states a review moves them through.
FlagRule = Literal["modified-z", "vs-experiment", "model-residual", "arrhenius-fit"]
FLAG_RULES: tuple[FlagRule, ...] = get_args(FlagRule)
FlagStatus = Literal["open", "confirmed", "dismissed"]
FLAG_STATUSES: tuple[FlagStatus, ...] = get_args(FlagStatus)

# Normalization decisions: what was normalized, and where a decision stands.
DecisionKind = Literal["entity", "method", "family"]
DECISION_KINDS: tuple[DecisionKind, ...] = get_args(DecisionKind)
DecisionStatus = Literal["accepted", "unresolved", "rejected", "override"]
DECISION_STATUSES: tuple[DecisionStatus, ...] = get_args(DecisionStatus)

# OBELiX's official split of its rows (`entries.split`); the model trains on 'train' only.
ObelixSplit = Literal["train", "test"]
OBELIX_SPLITS: tuple[ObelixSplit, ...] = get_args(ObelixSplit)
