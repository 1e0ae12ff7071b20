"""Screens of the rules in procedure/rules/application.py (see screens/__init__.py for the contract)."""
