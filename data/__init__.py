"""The kit's dataset registry (datasets.json), shipped with the package as transferkit.data."""
