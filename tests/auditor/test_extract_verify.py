"""One verifier for every engine: what it lets through and what it stops, with the reason."""

from __future__ import annotations

import pytest

from auditor.extract.candidate import Candidate
from auditor.extract.verify import DocumentIndex, verify
from core.units import PLAUSIBLE_RANGE

DOC = (
    "The argyrodite Li6PS5Cl shows an ionic conduc-\ntivity of 2.4 × 10 /C0 3 S cm /C0 1 at 25 °C "
    "and an activation energy of 0.32 eV."
)
QUOTE = "The argyrodite Li6PS5Cl shows an ionic conductivity of 2.4 × 10^-3 S cm-1 at 25 °C and an activation energy of 0.32 eV."


def _cand(**kw) -> Candidate:
    base = dict(
        material="Li6PS5Cl",
        property="sigma",
        value_text="2.4 × 10^-3",
        value=2.4e-3,
        unit="S/cm",
        quote=QUOTE,
        engine="llm",
        method="EXP",
    )
    return Candidate(**(base | kw))


def test_a_true_candidate_passes_through_artefacts_on_both_sides():
    assert verify(_cand(), DOC) is None
    # The quote as the PDF printed it verifies too: both sides are normalized alike.
    assert (
        verify(
            _cand(
                quote="conduc-\ntivity of 2.4 × 10 /C0 3 S cm /C0 1", value_text="2.4 × 10 /C0 3"
            ),
            DOC,
        )
        is None
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (dict(value_text="3.4 × 10^-3", value=3.4e-3), "not in the quote"),
        (
            dict(quote="Li6PS5Cl shows an ionic conductivity of 2.4 × 10^-3 S cm-1 in a glass."),
            "does not occur verbatim",
        ),
        (dict(unit="eV"), "not a unit of sigma"),
        (dict(unit="mA/cm2"), "unknown unit"),
        (dict(property="Ea", value_text="0.32", value=0.32, unit="S/cm"), "not a unit of Ea"),
        (dict(value=0.5), "not what is printed"),
        (dict(property="kappa"), "property"),
        (dict(method="GUESS"), "method"),
        (dict(value_text="", value=None), "no value"),
        (dict(unit="mS/cm"), "not printed in the quote"),
    ],
)
def test_failures_are_refused_with_a_reason(changes, reason):
    why = verify(_cand(**changes), DOC)
    assert why is not None and reason in why


def test_implausible_values_are_refused():
    doc = "Li6PS5Cl has a conductivity of 240 S/cm and an activation energy of 12 eV."
    index = DocumentIndex(doc)
    why = verify(_cand(value_text="240", value=240.0, quote=doc), index)
    assert "implausible sigma" in why and PLAUSIBLE_RANGE["sigma"][1] < 240
    why = verify(_cand(property="Ea", value_text="12", value=12.0, unit="eV", quote=doc), index)
    assert "implausible Ea" in why and PLAUSIBLE_RANGE["Ea"][1] < 12


def test_a_value_is_read_from_the_print_not_taken_from_the_proposer():
    # value None: the verifier reads it; a proposer cannot smuggle a number in.
    assert verify(_cand(value=None), DOC) is None
