"""The doors: each front end reads its package manager into records, calls the engine and
does what it answers. Only in the doors (dnf4/, dnf5/, libdnf/) is a package manager
imported; ``command`` is the command they share (``dnf rocm``, ``rocm-epel-notice``)."""
