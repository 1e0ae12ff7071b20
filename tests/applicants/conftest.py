"""A branch (高桥村, sec1) hands a code to an applicant, 钱七 (born 2000-08-08), on Thursday 3 Dec 2026."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from PIL import Image

from fazhan.applicants.services import applicant_register, code_issue
from tests.conftest import make_id_number

NOW = datetime.datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = datetime.date(2026, 12, 3)
QIAN_ID = make_id_number(datetime.date(2000, 8, 8), 51)  # male, 2000-08-08
MINOR_ID = make_id_number(datetime.date(2009, 2, 1), 62)  # female, 17 on 3 December 2026
TEXT = (
    "敬爱的党组织：我志愿加入中国共产党，拥护党的纲领，遵守党的章程，履行党员义务，执行党的决定。此致敬礼！"
)
ADDRESS = "203.0.113.7"
PIN = "246810"


def png(size=(600, 800), colour=(250, 250, 245)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def frozen(db):
    cache.clear()  # the rate limits' counters
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def issued(world):
    """A code sec1 issued for 高桥村: (record, clear code)."""
    return code_issue(actor=world.users["sec1"], org=world.branch1)


def register(code: str, **overrides):
    data = {
        "code": code,
        "name": "钱七",
        "id_number": QIAN_ID,
        "phone": "13800005678",
        "education": "高中",
        "occupation": "农牧渔民",
        "pin": PIN,
        "pin_again": PIN,
        "address": ADDRESS,
    }
    data.update(overrides)
    return applicant_register(**data)
