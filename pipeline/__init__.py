"""The one orchestrator: sources -> normalization -> writes -> derived records -> predictions -> flags.

Pages and the CLI call these functions; no other module sequences those steps.
"""
