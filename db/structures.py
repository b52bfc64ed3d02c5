"""Structure summaries from CIF files: symmetry, density, volume per atom, partial occupancy."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from pymatgen.core import Element, Structure
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

from core.composition import try_composition_key

ANIONS = {"O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N"}
STRUCTURE_FIELDS = (
    "composition_key",
    "space_group",
    "sg_number",
    "crystal_system",
    "n_sites",
    "volume",
    "volume_per_atom",
    "density",
    "li_partial",
    "other_partial",
    "min_li_li",
    "min_li_anion",
)


def _min_distance(structure: Structure, idx_a: list[int], idx_b: list[int]) -> float:
    if not idx_a or not idx_b:
        return float("nan")
    dist = structure.distance_matrix[np.ix_(idx_a, idx_b)]
    # Partially occupied sites can sit on top of each other in a disordered CIF; a site's
    # distance to itself is zero too. Neither is a real neighbour distance.
    dist = np.where(dist < 0.5, np.inf, dist)
    value = float(dist.min())
    return value if np.isfinite(value) else float("nan")


def summarize_structure(structure: Structure) -> dict:
    """Symmetry, density, volume per atom, partial occupancy and Li distances of a structure."""

    try:
        sga = SpacegroupAnalyzer(structure, symprec=0.1)
        space_group, sg_number = sga.get_space_group_symbol(), sga.get_space_group_number()
        crystal_system = sga.get_crystal_system()
    except Exception:  # spglib fails on some disordered cells; keep the rest of the summary
        space_group, sg_number, crystal_system = None, None, None
    li_partial = other_partial = False
    li_idx, anion_idx = [], []
    for i, site in enumerate(structure):
        species = site.species
        partial = species.num_atoms < 0.999 or len(species) > 1
        symbols = {el.symbol for el in species.elements if isinstance(el, Element)}
        if "Li" in symbols:
            li_idx.append(i)
            li_partial |= partial
        else:
            other_partial |= partial
        if symbols & ANIONS and "Li" not in symbols:
            anion_idx.append(i)
    n_atoms = structure.composition.num_atoms
    return {
        "composition_key": try_composition_key(structure.composition.formula),
        "space_group": space_group,
        "sg_number": sg_number,
        "crystal_system": crystal_system,
        "n_sites": len(structure),
        "volume": float(structure.volume),
        "volume_per_atom": float(structure.volume / n_atoms) if n_atoms else None,
        "density": float(structure.density),
        "li_partial": bool(li_partial),
        "other_partial": bool(other_partial),
        "min_li_li": _min_distance(structure, li_idx, li_idx),
        "min_li_anion": _min_distance(structure, li_idx, anion_idx),
    }


def summarize_cif(path: str | Path) -> dict:
    """Read one CIF and summarize it (see `summarize_structure`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # CIF parser warnings on rounded occupancies
        structure = Structure.from_file(str(path))
    return summarize_structure(structure)


def structure_rows(cif_dir: Path, relative_to: Path) -> list[dict]:
    """One `structures` row per CIF in `cif_dir` (id = file stem, path relative to the repo)."""
    return [
        {
            "obelix_id": cif.stem,
            "cif_path": str(cif.relative_to(relative_to)),
            **summarize_cif(cif),
        }
        for cif in sorted(cif_dir.glob("*.cif"))
    ]
