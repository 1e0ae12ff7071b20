from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "fazhan.archive"
    verbose_name = _("档案")

    def ready(self) -> None:
        # The procedure imports no wing: the rules read the archive reviews through the facts provided here.
        from fazhan.archive.selectors import (
            review_facts_by_person,
            review_facts_for_person,
            review_facts_in_subtree,
        )
        from fazhan.procedure.selectors import FactProvider, fact_provider_register

        fact_provider_register(
            "archive_reviews",
            FactProvider(review_facts_for_person, review_facts_by_person, in_subtree=review_facts_in_subtree),
        )
