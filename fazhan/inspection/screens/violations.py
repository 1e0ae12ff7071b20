"""Screens of the rules in procedure/rules/violations.py (see screens/__init__.py for the contract)."""
