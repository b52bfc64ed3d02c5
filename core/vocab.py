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
    "FREE-ENERGY",
    "MLMD",
    "MLIP-NEB",
    "BVSE",
    "CLASSICAL-MD",
    "KMC",
    "ML",
    "OTHER",
]
METHOD_TAGS: tuple[MethodTag, ...] = get_args(MethodTag)
# What each tag means (the README's list is this table). MLMD is MD driven by a machine-learned
# interatomic potential (MACE, CHGNet, DeePMD, ...); MLIP-NEB is a NEB run with one; ML is a
# property predicted by a statistical model (a regression, not a barrier calculation).
METHOD_TAG_MEANINGS: dict[MethodTag, str] = {
    "EXP": "experiment (impedance, NMR, QENS, tracer, ...)",
    "CI-NEB": "climbing-image nudged elastic band (DFT)",
    "NEB": "nudged elastic band (DFT), climbing image not stated",
    "AIMD": "ab initio / first-principles MD (Born-Oppenheimer, Car-Parrinello)",
    "MetaD": "metadynamics (well-tempered or plain), any driving engine",
    "FREE-ENERGY": "other free-energy sampling: umbrella sampling, thermodynamic integration, blue moon",
    "MLMD": "MD with a machine-learned interatomic potential (MLIP-MD)",
    "MLIP-NEB": "NEB with a machine-learned interatomic potential",
    "BVSE": "bond-valence site energy / softBV",
    "CLASSICAL-MD": "MD with an empirical force field",
    "KMC": "kinetic Monte Carlo",
    "ML": "a property predicted by a machine-learning model (not a barrier calculation)",
    "OTHER": "computed, method not named",
}
EXPERIMENT: MethodTag = "EXP"

Family = Literal[
    # Structure families (a structure type a source or the composition names).
    "garnet",
    "NASICON",
    "LISICON",
    "thio-LISICON",
    "LGPS",
    "argyrodite",
    "perovskite",
    "anti-perovskite",
    "olivine",
    "spinel",
    "post-spinel",
    "layered-oxide",
    "tavorite",
    "weberite",
    "maricite",
    "orthosilicate",
    "zircon",
    "phenakite",
    "rocksalt",
    "rutile",
    "pyrochlore",
    "chevrel",
    "prussian-blue",
    "alluaudite",
    "lyonsite",  # Liverpool spells it "Lysonite" (Li3Fe(MoO4)3, Li2Mg2(MoO4)3)
    # Chemical classes (the anion decides; used where no structure family is named or read).
    "thiophosphate",
    "halide",
    "complex-hydride",
    "nitride",
    "sulfide",
    "phosphate",
    "silicate",
    "borate",
    "carbonate",
    "oxide",
    # A state, not a structure: amorphous. A glass-ceramic goes by its crystalline phase.
    "glass",
    # No one said, and the composition does not say either.
    "other",
]
FAMILIES: tuple[Family, ...] = get_args(Family)
STRUCTURE_FAMILIES: tuple[Family, ...] = FAMILIES[: FAMILIES.index("lyonsite") + 1]
CHEMICAL_CLASSES: tuple[Family, ...] = FAMILIES[
    FAMILIES.index("thiophosphate") : FAMILIES.index("oxide") + 1
]

# Qualifiers a reported number can carry.
Qualifier = Literal["=", "<", ">", "~", "range"]
QUALIFIERS: tuple[Qualifier, ...] = get_args(Qualifier)

# Outlier flags: the rules that raise them and the states a review moves them through.
FlagRule = Literal["modified-z", "vs-experiment", "model-residual", "arrhenius-fit", "implausible"]
FLAG_RULES: tuple[FlagRule, ...] = get_args(FlagRule)
FlagStatus = Literal["open", "confirmed", "dismissed"]
FLAG_STATUSES: tuple[FlagStatus, ...] = get_args(FlagStatus)

# Normalization decisions: what was normalized, and where a decision stands.
DecisionKind = Literal["entity", "method", "family"]
DECISION_KINDS: tuple[DecisionKind, ...] = get_args(DecisionKind)
# "proposed": a candidate the rules offer without reading it (a name in words matched against the
# store); it waits for a reviewer and is never final by itself.
DecisionStatus = Literal["accepted", "proposed", "unresolved", "rejected", "override"]
DECISION_STATUSES: tuple[DecisionStatus, ...] = get_args(DecisionStatus)
# Who decided: the rules, an LLM (stored as `llm:<model>`), or a person.
DecisionBackend = Literal["rules", "llm", "manual"]
DECISION_BACKENDS: tuple[DecisionBackend, ...] = get_args(DecisionBackend)

# OBELiX's official split of its rows (`entries.split`); the model trains on 'train' only.
ObelixSplit = Literal["train", "test"]
OBELIX_SPLITS: tuple[ObelixSplit, ...] = get_args(ObelixSplit)

# Extraction review: what a person decided about a candidate row taken from a paper.
ExtractionStatus = Literal["accepted", "rejected"]
EXTRACTION_STATUSES: tuple[ExtractionStatus, ...] = get_args(ExtractionStatus)
