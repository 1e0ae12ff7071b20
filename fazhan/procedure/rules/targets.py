"""Rules of procedure.md B (see the module docstring of fazhan.procedure.rules)."""
