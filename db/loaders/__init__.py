"""One loader per source. Each turns its file into records, entries and quarantined rows."""
