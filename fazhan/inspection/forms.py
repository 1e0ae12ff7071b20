from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhan.accounts.models import User
from fazhan.core.forms import ChineseForm, DateField
from fazhan.inspection.report import REPORT_SINCE
from fazhan.organizations.models import Org


class RunForm(ChineseForm):
    org = forms.ModelChoiceField(label=_("检查范围"), queryset=Org.objects.none(), empty_label=None)
    as_of = DateField(label=_("检查基准日"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["org"].initial = orgs.order_by("path").first()  # the top of the user's subtree
        self.fields["as_of"].initial = timezone.localdate()


class ReportForm(ChineseForm):
    """The self-inspection report of a run: the period's first day and the document's format."""

    since = DateField(
        label=_("自查期间自"),
        initial=REPORT_SINCE,  # procedure.md G: the notice inspects the work since 2017-01-01
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    format = forms.ChoiceField(label=_("格式"), choices=[("pdf", "PDF"), ("docx", "DOCX")])


class AssignForm(ChineseForm):
    assignee = forms.ModelChoiceField(label=_("整改责任人"), queryset=User.objects.none())
    note = forms.CharField(label=_("交办说明"), max_length=300, required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users  # type: ignore[attr-defined]


class ExplainForm(ChineseForm):
    explanation = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(ChineseForm):
    note = forms.CharField(label=_("核实意见"), max_length=300, required=False)


class ReportTextForm(ChineseForm):
    """The two paragraphs of the self-inspection report the org writes itself (二、主要做法,
    五、下一步打算)."""

    practice = forms.CharField(
        label=_("二、主要做法"), required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 80})
    )
    next_steps = forms.CharField(
        label=_("五、下一步打算"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 80})
    )
