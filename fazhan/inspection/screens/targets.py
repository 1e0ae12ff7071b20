"""Screens of the rules in procedure/rules/targets.py (see screens/__init__.py for the contract)."""
