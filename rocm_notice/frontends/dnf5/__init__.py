"""dnf5: the program its actions plugin runs, `rocm-epel-notice`, and a read-only libdnf5 sack."""
