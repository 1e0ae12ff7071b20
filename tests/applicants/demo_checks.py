"""What the demo holds of self-service applications (tests/test_demo_and_commands.py builds it once)."""

from fazhan.accounts.models import User
from fazhan.applicants.models import InviteCode, Submission
from fazhan.applicants.selectors import submissions_waiting_for_user
from fazhan.organizations.models import Org, OrgCategory, OrgKind


def assert_demo_applicants() -> None:
    villages = Org.objects.filter(kind=OrgKind.BRANCH, category=OrgCategory.VILLAGE)
    assert set(InviteCode.objects.values_list("org", flat=True)) == set(villages.values_list("pk", flat=True))
    assert InviteCode.objects.filter(used_at__isnull=False).count() == 3
    assert sorted(Submission.objects.values_list("state", flat=True)) == [
        "returned",
        "submitted",
        "submitted",
    ]
    waiting = submissions_waiting_for_user(User.objects.get(username="branch_secretary"))
    assert [s.applicant.org.code for s in waiting] == ["SZQ-LH-01"]
    assert len(submissions_waiting_for_user(User.objects.get(username="township_organizer"))) == 2
    assert submissions_waiting_for_user(User.objects.get(username="district_reviewer")) == []  # not its work
