from django.apps import AppConfig


class HolidaysConfig(AppConfig):
    """Loading a year's holiday arrangement (page and `fazhan calendar`): the ground's top, above accounts."""

    name = "fazhan.holidays"
