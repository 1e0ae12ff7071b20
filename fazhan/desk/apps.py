from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The top of the house: the composite pages (home, person page, to-do, org browser, step entry) that read
    every layer below and that no layer below knows."""

    name = "fazhan.desk"
