"""Alias tables the rules read: acronyms, source family labels, family keywords, mobile ions.

These are vocabulary, not data: each entry is how the literature names a material or a class.
"""

from __future__ import annotations

# Mobile ions in the order the rules prefer when a formula holds several (Li wins over Na in a
# mixed Li/Na compound because the sources here are Li-centred; a stated intercalant wins over all).
CARRIERS: tuple[str, ...] = ("Li", "Na", "K", "Rb", "Cs", "Mg", "Ca", "Sr", "Zn", "Al")

# acronym -> (formula or None, family, reason). None: the acronym names a composition range
# (LATP: any x in Li1+xAlxTi2-x(PO4)3), so it keeps its family but gives no formula.
ACRONYMS: dict[str, tuple[str | None, str, str]] = {
    "LLZO": ("Li7La3Zr2O12", "garnet", "LLZO = Li7La3Zr2O12"),
    "LLZTO": (None, "garnet", "LLZTO is Ta-doped LLZO with an unstated Ta content"),
    "LLZAO": (None, "garnet", "LLZAO is Al-doped LLZO with an unstated Al content"),
    "LLTO": (None, "perovskite", "LLTO is Li3xLa2/3-xTiO3 with an unstated x"),
    "LATP": (None, "NASICON", "LATP is Li1+xAlxTi2-x(PO4)3 with an unstated x"),
    "LAGP": (None, "NASICON", "LAGP is Li1+xAlxGe2-x(PO4)3 with an unstated x"),
    "NZSP": ("Na3Zr2Si2PO12", "NASICON", "NZSP = Na3Zr2Si2PO12"),
    "LGPS": ("Li10GeP2S12", "LGPS", "LGPS = Li10GeP2S12"),
    "LSPS": ("Li10SiP2S12", "LGPS", "LSPS = Li10SiP2S12"),
    "LSnPS": ("Li10SnP2S12", "LGPS", "LSnPS = Li10SnP2S12"),
    "LSiPSCl": ("Li9.54Si1.74P1.44S11.7Cl0.3", "LGPS", "LSiPSCl = Li9.54Si1.74P1.44S11.7Cl0.3"),
    "LGPO": ("Li10GeP2O12", "LGPS", "LGPO = Li10GeP2O12 (oxide analogue of LGPS)"),
    "LPSCl": ("Li6PS5Cl", "argyrodite", "LPSCl = Li6PS5Cl"),
    "LPSBr": ("Li6PS5Br", "argyrodite", "LPSBr = Li6PS5Br"),
    "LPSI": ("Li6PS5I", "argyrodite", "LPSI = Li6PS5I"),
    "LPS": (None, "thiophosphate", "LPS names Li3PS4, Li7P3S11 or a Li2S-P2S5 glass"),
    "LiPON": (None, "glass", "LiPON is an amorphous Li phosphorus oxynitride of variable content"),
    "LIPON": (None, "glass", "LiPON is an amorphous Li phosphorus oxynitride of variable content"),
    "LYC": ("Li3YCl6", "halide", "LYC = Li3YCl6"),
    "LYB": ("Li3YBr6", "halide", "LYB = Li3YBr6"),
    "LIC": ("Li3InCl6", "halide", "LIC = Li3InCl6"),
    "LZC": ("Li2ZrCl6", "halide", "LZC = Li2ZrCl6"),
    "LTO": ("Li4Ti5O12", "spinel", "LTO = Li4Ti5O12"),
    "LNOC": ("LiNbOCl4", "halide", "LNOC = LiNbOCl4"),
    "LBH": ("LiBH4", "complex-hydride", "LBH = LiBH4"),
    "NBH": (None, "complex-hydride", "NBH names several Na borohydride phases"),
    "LISICON": (None, "LISICON", "LISICON names a structure family, not one composition"),
    "NASICON": (None, "NASICON", "NASICON names a structure family, not one composition"),
}

# Elements an acronym names even where it names no single formula (LATP: Li, Al, Ti, P, O).
ACRONYM_ELEMENTS: dict[str, frozenset[str]] = {
    "LLZTO": frozenset({"Li", "La", "Zr", "Ta", "O"}),
    "LLZAO": frozenset({"Li", "La", "Zr", "Al", "O"}),
    "LLTO": frozenset({"Li", "La", "Ti", "O"}),
    "LATP": frozenset({"Li", "Al", "Ti", "P", "O"}),
    "LAGP": frozenset({"Li", "Al", "Ge", "P", "O"}),
    "LPS": frozenset({"Li", "P", "S"}),
    "LiPON": frozenset({"Li", "P", "O", "N"}),
    "LIPON": frozenset({"Li", "P", "O", "N"}),
    "NBH": frozenset({"Na", "B", "H"}),
}

# Words in a name or a label that name a family outright. Checked in this order: the more
# specific name first (thio-LISICON before LISICON, anti-perovskite before perovskite).
FAMILY_KEYWORDS: tuple[tuple[str, str], ...] = (
    (r"thio[- ]?lisicon", "thio-LISICON"),
    (r"lisicon", "LISICON"),
    (r"nasicon|nzsp|latp|lagp", "NASICON"),
    (r"lgps|lsps", "LGPS"),
    (r"argyrodite", "argyrodite"),
    (r"garnet", "garnet"),
    (r"anti-?perovskite", "anti-perovskite"),
    (r"perovskite|llto", "perovskite"),
    (r"borohydride|closo|hydride|alanate|amidoborane|ammine", "complex-hydride"),
    (r"halospinel|halide|chloride|bromide|iodide|fluoride|oxychloride|choloride", "halide"),
    (r"thio-?phosphate", "thiophosphate"),
    (r"nitride", "nitride"),
    (r"olivine", "olivine"),
    (r"post-?spinel", "post-spinel"),
    (r"spinel", "spinel"),
    (r"layered", "layered-oxide"),
    (r"tavorite", "tavorite"),
    (r"weberite", "weberite"),
    (r"maricite", "maricite"),
    (r"orthosilicate", "orthosilicate"),
    (r"\bzircon\b", "zircon"),
    (r"phenakite|phenacite", "phenakite"),
    (r"rock[- ]?salt", "rocksalt"),
    (r"rutile", "rutile"),
    (r"pyrochlore", "pyrochlore"),
    (r"chevrel", "chevrel"),
    (r"prussian[- ]blue", "prussian-blue"),
    (r"allu?a?udite", "alluaudite"),
    (r"lyonsite|lysonite", "lyonsite"),
    # A glass-ceramic is classified by its crystalline phase: the caller strips the words first.
    (r"glass", "glass"),
    (
        r"thio(?:antimonate|aluminate|silicate|germanate|stannate)|sulfides?\b|sulphides?\b",
        "sulfide",
    ),
    (r"phosphates?\b", "phosphate"),
    (r"silicates?\b", "silicate"),
    (r"borates?\b", "borate"),
    (r"carbonates?\b", "carbonate"),
    (r"\boxides?\b", "oxide"),
)
# Words that say "glass-ceramic": the family is the crystalline phase, read from the composition.
GLASS_CERAMIC = r"glass[- ]?ceramics?"

# Source family labels, lower-cased, mapped onto core.vocab.FAMILIES. None means the label
# names a chemical class too broad to decide (oxides, sulfides): classify from composition.
FAMILY_LABELS: dict[str, str | None] = {
    # OBELiX (42 free-text labels)
    "nasicon": "NASICON",
    "garnet": "garnet",
    "garnet-like": "garnet",
    "perovskites": "perovskite",
    "perovskite": "perovskite",
    "argyrodites": "argyrodite",
    "argyrodite": "argyrodite",
    "lgps": "LGPS",
    "oxides": None,  # broad: composition decides, else BROAD_LABELS
    "thio-lisicon": "thio-LISICON",
    "lisicon": "LISICON",
    "sulfides": None,
    "phosphates": None,
    "halides": "halide",
    "halide": "halide",
    "molybdates": None,
    "pyrochlore": "pyrochlore",
    "chlorides": "halide",
    "cholorides": "halide",
    "fluorides": "halide",
    "thio-phosphate": "thiophosphate",
    "antiperovskite": "anti-perovskite",
    "lanthanumlithiumoxide": None,
    "hydrides": "complex-hydride",
    "nitrides": "nitride",
    "nitride": "nitride",
    "boron nitride": "nitride",
    "nitridosilicates": "nitride",
    "hexaoxometalates": None,
    "borophosphates": None,
    "chalcogenidotetrelates": None,
    "tavorite": "tavorite",
    "diphosphate": None,
    "pyrophosphate": None,
    "copper pyroborate": None,
    "layered": "layered-oxide",
    "zirconates": None,
    "fluorooxoborate": None,
    "lipon": "glass",
    "fluorophosphates": None,
    "silicates": None,
    "sugilites": None,
    "boracites": None,
    # Liverpool Ionics (15 structural labels)
    "glass": "glass",
    "glass-ceramic": None,  # by its crystalline phase (the composition)
    "other": None,
    "rocksalt": "rocksalt",
    "zircon": "zircon",
    "anti-perovskite": "anti-perovskite",
    "phenakite": "phenakite",
    "olivine": "olivine",
    "lysonite": "lyonsite",  # Liverpool's spelling of the lyonsite structure type
    # Devi et al. CLASS labels
    "spinel chalcogenides": "spinel",
    "spinel": "spinel",
    "spinels": "spinel",
    "tavorite ": "tavorite",
    "orthosilicate": "orthosilicate",
    "weberite": "weberite",
    "borates": None,
    "thiosulphate": "thiophosphate",
    "sulphides": None,
    "electrolytes": None,
    "rutile": "rutile",
    "post-spinels": "post-spinel",
    "post-spinel(cf)": "post-spinel",
    "post-spinel(marokite- cm)": "post-spinel",
    "maricite": "maricite",
    "oxyfluroides": None,
    "carbonates": None,
    "cubic": None,
    "garnets": "garnet",
    "chevrel": "chevrel",
    "prussian blue analogs": "prussian-blue",
    "alluadite": "alluaudite",
    "carbonophosphates": None,
    "thiophosphate": "thiophosphate",
    "tetrasulphide": None,
}

# Broad class labels: when the composition names no structure family, the label's class stands
# (a source that says "oxides" said something; "other" is kept for where no one said).
BROAD_LABELS: dict[str, str] = {
    "oxides": "oxide",
    "sulfides": "sulfide",
    "sulphides": "sulfide",
    "tetrasulphide": "sulfide",
    "chalcogenidotetrelates": "sulfide",
    "phosphates": "phosphate",
    "diphosphate": "phosphate",
    "pyrophosphate": "phosphate",
    "fluorophosphates": "phosphate",
    "borophosphates": "phosphate",
    "carbonophosphates": "phosphate",
    "silicates": "silicate",
    "sugilites": "silicate",
    "borates": "borate",
    "boracites": "borate",
    "copper pyroborate": "borate",
    "fluorooxoborate": "borate",
    "carbonates": "carbonate",
    "molybdates": "oxide",
    "zirconates": "oxide",
    "hexaoxometalates": "oxide",
    "lanthanumlithiumoxide": "oxide",
    "oxyfluroides": "oxide",
}
