"""An enrichment over budget, cut to what fits: the members to ask Lusha for, in the list's
order, whose most cost is within what the budget has left. The page offers it beside the
refusal ("Enrich the first 57 members (285 credits at most)"); starting it is an ordinary job
for those members (lists/services/enrichment.py, `lusha_ids`)."""

from __future__ import annotations

from dataclasses import dataclass

from lists.models import LeadList
from lists.services.enrichment import EnrichmentPlan
from lists.services.members import list_members
from prospecting.models import Kind


@dataclass(frozen=True)
class PlanFit:
    """The members an over-budget enrichment can still take: the first in the list's order
    whose most cost fits what is left."""

    lusha_ids: list[str]
    max_credits: int

    @property
    def members(self) -> int:
        return len(self.lusha_ids)


def enrichment_plan_fit(*, lead_list: LeadList, plan: EnrichmentPlan, credits: int) -> PlanFit:
    """The members to ask Lusha for, in the list's order (as its page shows it, newest added
    first), up to the first whose cost would pass `credits`: "enrich the first 57 members
    (285 credits at most)". Members the plan holds or skips cost nothing and are left out."""
    record = "contact__lusha_id" if lead_list.kind == Kind.CONTACTS else "company__lusha_id"
    taken, spent = [], 0
    for lusha_id in list_members(lead_list).values_list(record, flat=True).iterator(2000):
        cost = plan.costs.get(lusha_id)
        if cost is None:
            continue
        if spent + cost > credits:
            break
        taken.append(lusha_id)
        spent += cost
    return PlanFit(lusha_ids=taken, max_credits=spent)
