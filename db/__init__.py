"""The evidence store: DuckDB schema, loaders for every source, the build and the write path."""
