"""Programs on disk that a crossing breaks: an ELF reader, a bounded walk, its cache and report."""
