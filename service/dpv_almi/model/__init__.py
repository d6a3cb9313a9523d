"""Building and publishing models: the DPV concept extract, synthetic notices, release artefacts."""
