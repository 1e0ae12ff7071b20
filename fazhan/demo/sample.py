"""Generated interchange files with full step histories, for the import benchmark and the tests: a district,
townships of branches, eight full members per branch, and candidates who walk the whole legal path."""

import datetime
import random
from typing import Any

from stdnum.cn import ric

from fazhan.demo.world import EDUCATION_KINDS, LEGAL_PATH

BRANCH_SIZE = 50  # persons per branch: 8 members and 42 candidates
MEMBERS_PER_BRANCH = 8
BRANCHES_PER_TOWNSHIP = 40
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志春梅海燕文斌丹宇浩婷雪琳鑫晨"


def sample_id_number(birth: datetime.date, seq: int) -> str:
    """Unique for distinct `seq` as long as the birth date is a function of seq // 1000."""
    body = f"511002{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _details(step: str, n: int, *, day: datetime.date, members: list[str], township: str, form: str) -> dict:
    votes: dict[str, Any] = {"entitled": 8, "present": 7, "for": 6, "against": 0, "abstain": 1}
    by_step: dict[str, dict[str, Any]] = {
        "S02": {"talkers": members[:1]},
        "S03": {"method": "member_recommendation", "decided_by": "branch_committee"},
        "S04": {"filed_with": township},
        "S05": {"contacts": members[1:3]},
        "S06": {"kind": EDUCATION_KINDS["S06"][n % 6]},
        "S07": {
            "opinions_heard": ["party_group", "contacts", "members", "public"],
            "publicity_from": (day - datetime.timedelta(days=20)).isoformat(),
            "publicity_to": (day - datetime.timedelta(days=3)).isoformat(),
        },
        "S08": {"filed_with": township, "agreed": True},
        "S09": {"introducers": members[3:5]},
        "S10": {"result": "pass", "negative_list": {}},
        "S11": {"days": 3, "hours": 24, "provider": township},
        "S13": {"reviewer": township if n == 0 else "SZQ", "result": "pass"},
        "S14": {"form_number": form},
        "S15": votes,
        "S16": {"talkers": members[:1]},
        "S17": {"approver": township, "result": "approved"},
        "S18": {"filed_with": "SZQ"},
        "S21": {"kind": EDUCATION_KINDS["S21"][n % 6]},
        "S23": {**votes, "decision": "convert"},
        "S24": {"approver": township, "result": "approved"},
    }
    return by_step.get(step, {})


def sample_records(*, persons: int, seed: int = 2018) -> list[dict[str, Any]]:
    """About `persons` person records (whole branches of 50), candidates with their full histories."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = [
        {"type": "header", "format": "fazhan-record", "version": 1, "profile": "shizhongqu-2018"},
        {
            "type": "org",
            "code": "SZQ",
            "name": "中共市中区委员会",
            "parent": None,
            "kind": "district_committee",
        },
    ]
    branches = max(1, persons // BRANCH_SIZE)
    seq = 0
    for b in range(branches):
        township = f"T{b // BRANCHES_PER_TOWNSHIP:02d}"
        if b % BRANCHES_PER_TOWNSHIP == 0:
            records.append(
                {"type": "org", "code": township, "name": f"中共第{township}镇委员会", "parent": "SZQ"}
                | {"kind": "committee", "category": "township"}
            )
        branch = f"{township}-{b:04d}"
        records.append(
            {"type": "org", "code": branch, "name": f"中共{branch}村支部委员会", "parent": township}
            | {"kind": "branch", "category": "village"}
        )
        members = []
        for k in range(MEMBERS_PER_BRANCH):
            seq += 1
            pid = f"M{seq:06d}"
            members.append(pid)
            birth = datetime.date(1955, 3, 1) + datetime.timedelta(days=seq // 1000)
            records.append(
                {
                    "type": "person",
                    "id": pid,
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "id_number": sample_id_number(birth, seq),
                    "org": branch,
                    "party_status": "full",
                    "joined_on": f"{1980 + k}-07-01",
                    "full_since": f"{1981 + k}-07-01",
                    "roles": ["branch_secretary"] if k == 0 else [],
                }
            )
        for _ in range(BRANCH_SIZE - MEMBERS_PER_BRANCH):
            seq += 1
            records += _candidate(rng, seq, branch=branch, township=township, members=members)
    return records


def _candidate(rng: random.Random, seq: int, *, branch: str, township: str, members: list[str]) -> list[dict]:
    pid = f"C{seq:06d}"
    birth = datetime.date(1990, 3, 1) + datetime.timedelta(days=seq // 1000)
    start = datetime.date(2015, 1, 5) + datetime.timedelta(days=rng.randrange(7 * 365))
    out: list[dict[str, Any]] = [
        {
            "type": "person",
            "id": pid,
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "id_number": sample_id_number(birth, seq),
            "org": branch,
            "ethnicity": "汉族",
            "education": rng.choice(["大学本科", "大学专科", "高中"]),
            "occupation": rng.choice(["农牧渔民", "工人", "专业技术人员"]),
            "phone": f"138{seq:08d}",
        }
    ]
    counts: dict[str, int] = {}
    form = f"SZQ{start.year + 1}-{seq:06d}"
    for step, offset in LEGAL_PATH:
        n = counts.get(step, 0)
        counts[step] = n + 1
        day = start + datetime.timedelta(days=offset)
        details = _details(step, n, day=day, members=members, township=township, form=form)
        out.append(
            {
                "type": "step",
                "person": pid,
                "step": step,
                "date": day.isoformat(),
                "recorded_at": f"{day.isoformat()}T10:00:00+08:00",
                "recorded_by": members[0],
                "details": details,
            }
        )
    return out
