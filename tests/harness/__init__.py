"""Real-dnf test harness: fake RPM repositories built from tables, and dnf in a sandbox."""
