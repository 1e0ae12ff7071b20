"""Screens of the rules in procedure/rules/probation.py (see screens/__init__.py for the contract)."""
