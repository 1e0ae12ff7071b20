import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarYear(models.Model):
    """A year whose official arrangement (the State Council's 节假日安排, with its make-up workdays) is
    loaded: its working days are the table's, not provisional. A year without a row counts the statutory
    holidays alone (core.calendar), marked provisional."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    source = models.CharField(_("来源"), max_length=200)
    sha256 = models.CharField(max_length=64, blank=True)  # of the loaded file; empty for the seed
    loaded_at = models.DateTimeField(_("载入时间"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("载入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # New at every load, never reused: the calendar cache of every process compares the (year, revision)
    # pairs it holds with the table's, which a rolled-back load leaves as they were.
    revision = models.UUIDField(default=uuid.uuid4)

    class Meta:
        ordering = ("-year",)
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day the year's arrangement sets apart from the week: a holiday (放假, weekends inside a holiday
    included) or a make-up workday (调休上班, always a Saturday or Sunday)."""

    day = models.DateField(_("日期"), primary_key=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    kind = models.CharField(_("类别"), max_length=10, choices=DayKind.choices)

    class Meta:
        ordering = ("day",)
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self) -> str:
        return f"{self.day} {self.kind}"
