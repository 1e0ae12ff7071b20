"""Screens of the rules in procedure/rules/notice.py (see screens/__init__.py for the contract)."""
