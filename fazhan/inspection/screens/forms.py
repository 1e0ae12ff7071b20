"""Screens of the rules in procedure/rules/forms.py (see screens/__init__.py for the contract)."""
