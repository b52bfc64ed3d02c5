"""The command line of sse-audit: one entry point (`sse-audit`) over the pipeline and analysis."""
