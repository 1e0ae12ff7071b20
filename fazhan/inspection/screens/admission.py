"""Screens of the rules in procedure/rules/admission.py (see screens/__init__.py for the contract)."""
