"""The engine: records -> analysis -> policy and hold -> notice and report. It owns every
decision and every text; no package manager is imported here."""
