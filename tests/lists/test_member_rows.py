"""A list's member rows are built in the view, each cell escaped there: whatever a record holds
(a name, an email, a phone's type from Lusha) shows as text, never as markup."""

from django.utils import timezone

from lists.models import LeadList, LeadListMember
from prospecting.models import Contact


def test_what_a_record_holds_is_shown_as_text_in_its_row(client_for, bob):
    now = timezone.now()
    contact = Contact.objects.create(
        lusha_id="odd1",
        first_name="<script>alert(1)</script>",
        last_name="O'Hara",
        job_title="<b>Chief</b>",
        emails=[{"email": 'x"><img src=y>@example.test', "type": "<i>work</i>"}, "not an item"],
        emails_revealed_at=now,
        phones=[{"number": "+1 <555>", "type": "mobile", "doNotCall": True}],
        phones_revealed_at=now,
    )
    lead_list = LeadList.objects.create(owner=bob, name="Odd", kind="contacts")
    LeadListMember.objects.create(lead_list=lead_list, contact=contact, added_by=bob)

    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Hara" in page
    assert "<b>Chief</b>" not in page
    assert "&lt;b&gt;Chief&lt;/b&gt;" in page
    assert "<img src=y>" not in page
    assert 'href="mailto:x&quot;&gt;&lt;img src=y&gt;@example.test"' in page
    assert '<span class="muted">&lt;i&gt;work&lt;/i&gt;</span>' in page
    assert '<a href="tel:+1 &lt;555&gt;">+1 &lt;555&gt;</a>' in page
    assert '<span class="badge">do not call</span>' in page
