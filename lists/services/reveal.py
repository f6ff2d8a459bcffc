"""Revealing one person's email or phone in place, from a results row.

It is an enrichment job of one member, planned and run by the same code as every job
(lists/services/enrichment.py and enrichment_run.py): what the portal holds is served free,
the suppression list is applied, the budget is checked and held, the call and its charge go to
the ledger, the reveal to the audit trail. The person goes into their own list "Revealed in
prospecting" (made on first use, private), as Lusha's own app keeps revealed contacts: the
job needs a list, and the person finds what they revealed again there.

Two clicks at once (two tabs, a double click) start one job: the first claims the reveal of
that contact and field in Redis for a short while, the second gets the same job back. (Two
people at once are two jobs: keeping one contact from being in flight to Lusha twice across
jobs is the enrichment runner's own guard.)
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from lists.models import EnrichmentJob, LeadList
from lists.services.enrichment import enrichment_start, fresh_cutoff
from lists.services.members import list_records_add
from lusha_portal.lusha.endpoints import REVEAL_EMAILS, REVEAL_PHONES
from prospecting.models import Contact, Kind, ProspectingPrefs

logger = logging.getLogger(__name__)

REVEAL_LIST_NAME = "Revealed in prospecting"
FIELDS = (REVEAL_EMAILS, REVEAL_PHONES)
CLAIM_SECONDS = 120


def reveal_list_for(*, user: User) -> LeadList:
    """The person's own list of people they revealed in place, made on first use."""
    with transaction.atomic():
        prefs, _ = ProspectingPrefs.objects.select_for_update().get_or_create(user=user)
        if prefs.reveal_list_id and LeadList.objects.filter(pk=prefs.reveal_list_id).exists():
            return prefs.reveal_list
        lead_list = LeadList.objects.create(owner=user, name=REVEAL_LIST_NAME, kind=Kind.CONTACTS)
        prefs.reveal_list = lead_list
        prefs.save(update_fields=["reveal_list"])
    return lead_list


def contact_held(contact: Contact, field: str) -> bool:
    """The portal holds this field of this person, fresh: showing it costs nothing."""
    revealed_at = getattr(contact, f"{field}_revealed_at")
    return bool(revealed_at and revealed_at >= fresh_cutoff())


def contact_reveal(*, contact: Contact, field: str, user: User) -> EnrichmentJob:
    """Start (or join) the reveal of one field of one person. Raises BudgetExceededError with
    the numbers when it could pass the person's or the team's budget."""
    if field not in FIELDS:
        raise ValueError(f"cannot reveal {field!r}")
    claim = f"reveal:{user.pk}:{contact.lusha_id}:{field}"
    for _attempt in range(50):
        if cache.add(claim, 0, timeout=CLAIM_SECONDS):
            return _start(contact=contact, field=field, user=user, claim=claim)
        job_id = cache.get(claim)
        if job_id:
            job = EnrichmentJob.objects.filter(pk=job_id, created_by=user).first()
            if job is not None:
                return job
        # The other click is starting its job this moment: wait for it, briefly.
        time.sleep(0.1)
    return _start(contact=contact, field=field, user=user, claim=claim)


def _start(*, contact: Contact, field: str, user: User, claim: str) -> EnrichmentJob:
    lead_list = reveal_list_for(user=user)
    list_records_add(lead_list=lead_list, record_ids=[contact.pk], user=user)
    try:
        job = enrichment_start(
            lead_list=lead_list, reveal=[field], user=user, lusha_ids=[contact.lusha_id]
        )
    except BaseException:
        cache.delete(claim)
        raise
    cache.set(claim, job.pk, timeout=CLAIM_SECONDS)
    logger.info(
        "reveal in place: job %s, contact %s, %s, user %s", job.pk, contact.pk, field, user.pk
    )
    return job
