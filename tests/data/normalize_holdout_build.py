"""Build tests/data/normalize_holdout.csv: 49 names sampled from the sources after the rules were
tuned on normalize_labelled.csv, labelled by hand before the rules were run on them.

Run from the repository root: `python tests/data/normalize_holdout_build.py`.
"""

import csv

rows = []


def E(source, inp, formula, family, carrier, label="", sg="", acc=0):
    rows.append(
        dict(
            kind="entity",
            source=source,
            input=inp,
            family_label=label,
            space_group=sg,
            expected_formula=formula,
            expected_family=family,
            expected_carrier=carrier,
            expected_method="",
            accept_unresolved=acc,
            note="holdout: labelled before the rules saw it",
        )
    )


for inp, f, fam, label, sg in [
    ("Li2MgCl4", "Li2MgCl4", "halide", "chlorides", "Fd-3m"),
    ("LiSrNb2O6F", "LiSrNb2O6F", "other", "pyrochlore", "Fd-3m"),
    ("Li5La3Nb1.8Y0.2O12", "Li5La3Nb1.8Y0.2O12", "garnet", "garnet", "Ia-3d "),
    ("Li0.1Na0.4La0.5Nb2O6", "Li0.1Na0.4La0.5Nb2O6", "perovskite", "perovskites", "P4/mmm"),
    ("Li7La3Zr2O12", "Li7La3Zr2O12", "garnet", "garnet", "I41/acd "),
    ("LiGaBr4", "LiGaBr4", "halide", "halides", "P21/c"),
    ("Li3.5Zn0.5Ga0.5(PO4)2", "Li3.5Zn0.5Ga0.5(PO4)2", "other", "phosphates", "Pnma"),
    ("Li3.2Ge0.2V0.8O4", "Li3.2Ge0.2V0.8O4", "LISICON", "LISICON", "Pnma"),
    ("Li6PS5Br", "Li6PS5Br", "argyrodite", "argyrodites", "F-43m"),
    ("Li4GeSSe3", "Li4GeSSe3", "thio-LISICON", "", "Pnma"),
    ("Li3.4Ge0.4P0.6S4", "Li3.4Ge0.4P0.6S4", "thio-LISICON", "thio-LISICON", "P21/m"),
    ("Li6.8La3Zr1.8Sb0.2O12", "Li6.8La3Zr1.8Sb0.2O12", "garnet", "garnet", "Ia-3d "),
    ("Li0.27La0.57TiO3", "Li0.27La0.57TiO3", "perovskite", "perovskites", "P4/mmm"),
    ("Li4GeS2Se2", "Li4GeS2Se2", "thio-LISICON", "", "Pnma"),
    ("Li4Ge0.25Sn0.75Se4", "Li4Ge0.25Sn0.75Se4", "thio-LISICON", "", "Pnma"),
]:
    E("obelix", inp, f, fam, "Li", label, sg)
for inp, f, fam, label in [
    ("Li6La3ZrSbO12 ", "Li6La3ZrSbO12", "garnet", "Garnet"),
    ("Li2.5Cr1.5Hf0.5(PO4)3", "Li2.5Cr1.5Hf0.5(PO4)3", "NASICON", "NASICON"),
    ("Li0.34La0.56TiO3", "Li0.34La0.56TiO3", "perovskite", "Perovskite"),
    ("LiBa2Ti2NbO9", "LiBa2Ti2NbO9", "perovskite", "Perovskite"),
    ('"(Li2S)70 (P2S5)30"', "Li7P3S11", "glass", "Glass-Ceramic"),
    ("Li0.3Sr0.6Ti0.20Fe0.30Ta0.5O3", "Li0.3Sr0.6Ti0.2Fe0.3Ta0.5O3", "perovskite", "Perovskite"),
    ("Li1.7Ga0.7Ge1.3(PO4)3", "Li1.7Ga0.7Ge1.3(PO4)3", "NASICON", "NASICON"),
    ("Li1.3Fe0.3Ti1.7(PO4)3", "Li1.3Fe0.3Ti1.7(PO4)3", "NASICON", "NASICON"),
    ("Li6SiO4Cl2", "Li6SiO4Cl2", "argyrodite", "Argyrodite"),
    ("Li10SiP2S12", "Li10SiP2S12", "LGPS", "Thio-LISICON"),
    ("Li0.3Sr0.6Ti0.35Fe0.15Ta0.5O3", "Li0.3Sr0.6Ti0.35Fe0.15Ta0.5O3", "perovskite", "Perovskite"),
    ("Li6.75La3Zr1.75Ta0.25O12", "Li6.75La3Zr1.75Ta0.25O12", "garnet", "Garnet"),
]:
    E("liverpool", inp, f, fam, "Li", label)
for inp, f, fam, car, label, sg in [
    ("LiMnO2(DV)", "LiMnO2", "layered-oxide", "Li", "LAYERED", "C2/m"),
    ("KCrO2", "KCrO2", "layered-oxide", "K", "LAYERED", "R-3m"),
    ("a-V2O5(Mg)", "V2O5", "layered-oxide", "Mg", "LAYERED", "Pmmn"),
    ("Ca3(GaN2)2", "Ca3Ga2N4", "nitride", "Ca", "LAYERED", "C12/c"),
    ("ZnNi2O4", "ZnNi2O4", "spinel", "Zn", "SPINEL", "Fd-3m"),
    ("MgCuSiO4", "MgCuSiO4", "other", "Mg", "ORTHOSILICATE", "Pbnm"),
    ("Ti2S4(Mg)", "TiS2", "spinel", "Mg", "SPINEL CHALCOGENIDES", "Fd-3m"),
    ("ZnIn2S4", "ZnIn2S4", "spinel", "Zn", "SPINEL CHALCOGENIDES", "Fd-3m"),
    ("CaNb2O4", "CaNb2O4", "other", "Ca", "OXIDES", "Pbcm"),
    ("LiTiS2", "LiTiS2", "other", "Li", "SULPHIDES", "I42d"),
    ("Na7P3O11", "Na7P3O11", "other", "Na", "ELECTROLYTES", "P-1"),
    ("K2MnPO4CO3", "K2MnPO4CO3", "other", "K", "CARBONATES", "P21/m"),
]:
    E("devi", inp, f, fam, car, label, sg)
for inp, f, fam, car, sg, acc in [
    ("0.97(0.65Li S-2", "", "", "", "", 1),
    ("Li La Zr O 7 3 2 12", "Li7La3Zr2O12", "garnet", "Li", "I4 /acdZ 1", 1),
    ("LiBaP2O7", "LiBaP2O7", "other", "Li", "C2/c", 0),
    ("Li6.5La3Nb1.25Y0.75O12", "Li6.5La3Nb1.25Y0.75O12", "garnet", "Li", "Ia3\u0305d", 0),
    ("Li7.06La3Y0.06Zr1.94O12", "Li7.06La3Y0.06Zr1.94O12", "garnet", "Li", "Ia3\u0305d", 0),
    ("La0.55Li0.33TiO3", "La0.55Li0.33TiO3", "perovskite", "Li", "Pm3\u0305m", 0),
    ("Li1.5Fe0.5Ti1.5(PO4)3", "Li1.5Fe0.5Ti1.5(PO4)3", "NASICON", "Li", "R3\u0305cH", 0),
    ("Li10.5(Sn0.2Si0.8)1.5P1.5S12", "Li10.5(Sn0.2Si0.8)1.5P1.5S12", "LGPS", "Li", "P42/nmcS", 0),
    ("La0.64Li0.067TiO3", "La0.64Li0.067TiO3", "perovskite", "Li", "", 0),
    ("Li3.3Ge0.3P0.7S3.4Se0.6", "Li3.3Ge0.3P0.7S3.4Se0.6", "LGPS", "Li", "", 0),
]:
    E("laskowski", inp, f, fam, car, "", sg, acc)

# Issue 14: the vocabulary gained structure families sources name (tavorite, weberite, ...) and
# chemical classes (oxide, sulfide, phosphate, silicate, borate, carbonate), and a glass-ceramic
# goes by its crystalline phase. These rows were labelled "other" (or "glass") before; each new
# label was judged by hand against the source label and the composition.
RELABEL_ISSUE_14 = {
    ("devi", "CaNb2O4"): "oxide",
    ("devi", "K2MnPO4CO3"): "carbonate",
    ("devi", "LiTiS2"): "sulfide",
    ("devi", "MgCuSiO4"): "orthosilicate",
    ("devi", "Na7P3O11"): "phosphate",
    ("laskowski", "LiBaP2O7"): "phosphate",
    ("liverpool", '"(Li2S)70 (P2S5)30"'): "thiophosphate",
    ("obelix", "Li3.5Zn0.5Ga0.5(PO4)2"): "phosphate",
    ("obelix", "LiSrNb2O6F"): "pyrochlore",
}
for _row in rows:
    _new = RELABEL_ISSUE_14.get((_row["source"], _row["input"]))
    if _new:
        _row["expected_family"] = _new
        _row["note"] = (_row["note"] + "; " if _row["note"] else "") + "relabelled for issue 14"

cols = list(rows[0])
with open("tests/data/normalize_holdout.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.DictWriter(fh, fieldnames=cols)
    w.writeheader()
    w.writerows(rows)
print(len(rows))
