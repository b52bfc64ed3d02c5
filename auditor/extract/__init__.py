"""From a paper's text to candidate evidence rows, each with the verbatim sentence that states it.

Pure analysis (no Streamlit, no store writes): `textclean` normalizes PDF text, `pdf` reads a
PDF's text layer and finds the DOI, `rules` proposes candidates deterministically, `llm` asks an
OpenAI-compatible model for more, and `verify` decides, for every engine alike, what a person
may review. `run.extract_text` sequences them.
"""
