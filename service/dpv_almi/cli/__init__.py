"""The ``dpv-almi`` command line: one module per group of commands (serve, validate, policies)."""
