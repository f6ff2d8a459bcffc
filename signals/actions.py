"""What a BDR does from a signal: put the contact on a list, put a company change's new company
on a list, enrich the contact's new email (through the lists' own enrichment service).

Each returns the message to show; ActionRefusedError carries what to fix instead. The event
comes from selectors.event_for_user, so the person may see it; the lists offered are theirs.
"""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import User
from lists.kept_counts import list_records_changed
from lists.models import EnrichmentJob, LeadList
from lists.selectors import lists_visible
from lists.services.enrichment import enrichment_start
from lists.services.members import list_records_add
from lusha_portal.lusha.endpoints import REVEAL_EMAILS
from prospecting.models import Company, Contact, Kind
from prospecting.services import store_companies_upsert
from signals.models import SignalEvent

logger = logging.getLogger(__name__)


class ActionRefusedError(ValueError):
    """What the person must fix before the action can run; `str(error)` says what."""


def event_contact_add(*, event: SignalEvent, target: LeadList | None, user: User) -> str:
    """Put the event's contact on one of the person's contact lists."""
    if not event.contact_id:
        raise ActionRefusedError("This signal is about a company, not a person.")
    if target is None or target.kind != Kind.CONTACTS:
        raise ActionRefusedError("Choose a contact list to add them to.")
    added, _ = list_records_add(lead_list=target, record_ids=[event.contact_id], user=user)
    name = event.contact.full_name
    logger.info("signal %s: contact added to list %s by user %s", event.pk, target.pk, user.pk)
    return _added(name, target, added)


def event_company_add(*, event: SignalEvent, target: LeadList | None, user: User) -> str:
    """Put the company a person moved to on one of the person's company lists. The company is
    stored from what the signal says (id, name, domain): no call to Lusha, no credit."""
    if event.signal_type != "companyChange":
        raise ActionRefusedError("Only a company change names a new company.")
    if target is None or target.kind != Kind.COMPANIES:
        raise ActionRefusedError("Choose a company list to add the new company to.")
    company = _new_company(event)
    if company is None:
        raise ActionRefusedError("Lusha did not say which company they moved to.")
    added, _ = list_records_add(lead_list=target, record_ids=[company.pk], user=user)
    name = company.name or company.lusha_id
    logger.info("signal %s: company added to list %s by user %s", event.pk, target.pk, user.pk)
    return _added(name, target, added)


def _added(name: str, target: LeadList, added: int) -> str:
    return (
        f"Added {name} to “{target.name}”." if added else f"{name} is already in “{target.name}”."
    )


def _new_company(event: SignalEvent) -> Company | None:
    details = event.details
    lusha_id = str(details.get("currentCompanyId") or "")
    if not lusha_id:
        return None
    existing = Company.objects.filter(lusha_id=lusha_id).first()
    if existing is not None:
        return existing
    preview = {
        "id": lusha_id,
        "name": details.get("currentCompanyName") or details.get("newCompany") or "",
        "domain": details.get("currentDomain") or "",
    }
    return store_companies_upsert([preview]).get(lusha_id)


def event_email_enrich(*, event: SignalEvent, user: User) -> EnrichmentJob:
    """Reveal the new work email of someone who changed company, with the lists' enrichment
    job on a list of theirs the person can see.

    An email revealed before the move is the old company's: it no longer counts as held, so
    the job asks Lusha again instead of answering from the store. A reveal that could pass
    the budget raises BudgetExceededError and leaves the old email as it was."""
    if event.signal_type != "companyChange" or not event.contact_id:
        raise ActionRefusedError("Only a person's company change calls for a new email.")
    visible = lists_visible(user).filter(kind=Kind.CONTACTS, members__contact_id=event.contact_id)
    lead_list = (
        visible.filter(pk__in=event.list_links.values("lead_list_id")).first() or visible.first()
    )
    if lead_list is None:
        raise ActionRefusedError(
            f"{event.contact.full_name} is on none of your lists any more: add them to one first."
        )
    with transaction.atomic():
        stale = Contact.objects.filter(
            pk=event.contact_id, emails_revealed_at__date__lt=event.signal_date
        ).update(emails_revealed_at=None)
        if stale:
            list_records_changed()
        job = enrichment_start(
            lead_list=lead_list,
            reveal=[REVEAL_EMAILS],
            user=user,
            lusha_ids=[event.contact.lusha_id],
        )
    logger.info(
        "signal %s: new email asked in job %s by user %s (old email stale: %s)",
        event.pk,
        job.pk,
        user.pk,
        bool(stale),
    )
    return job
