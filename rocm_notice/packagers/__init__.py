"""What the ROCm packagers run on release day (tools/check-catalog): the catalog's data
against what repositories offer, and a crossing's update note. It reads the catalog and
asks the engine; no front end loads it."""
