"""Screens of the rules in procedure/rules/activists.py (see screens/__init__.py for the contract)."""
