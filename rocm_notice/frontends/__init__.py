"""The doors: each front end reads its package manager into records, calls the engine and
does what it answers. Only here is a package manager imported."""
