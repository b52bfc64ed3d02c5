"""The pure core: vocabularies, units and conversions, the composition key, physical constants.

Nothing here imports the store, the analysis or the pages; everything else imports from here.
"""
