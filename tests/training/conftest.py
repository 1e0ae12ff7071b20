import datetime

from fazhan.training.services import session_create
from tests.procedure.conftest import day, legal_details, pw, walk  # noqa: F401


def train(w, on: datetime.date, *people: tuple[str, str], topic: str = "发展党员工作细则专题培训"):
    """A training held by 罗汉镇 on `on`, attended by these (pid, role)."""
    return session_create(actor=None, org=w.township, topic=topic, date=on, hours=4, attendance=list(people))
