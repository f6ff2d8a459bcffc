"""Indexes for matching an import against the store (lists/services/import_store.py): the
stored contacts' revealed emails and last names, lower-cased, and the path of their LinkedIn
URL, so the mapping page's count and the worker's store pass look up the rows' identifiers
instead of reading every stored contact. They are on the store's table (prospecting), made here because
the import matching is what reads them; the model state does not change."""

from django.db import migrations

EMAILS_FUNCTION = """
CREATE OR REPLACE FUNCTION lusha_contact_emails_lower(emails jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(lower(item ->> 'email')), '{}'::text[])
    FROM jsonb_array_elements(
        CASE WHEN jsonb_typeof(emails) = 'array' THEN emails ELSE '[]'::jsonb END
    ) AS item
    WHERE jsonb_typeof(item) = 'object' AND item ->> 'email' IS NOT NULL
$$
"""

EMAILS_INDEX = """
CREATE INDEX contact_emails_lower_idx ON prospecting_contact
USING gin (lusha_contact_emails_lower(emails)) WHERE emails_revealed_at IS NOT NULL
"""

PROFILE_INDEX = r"""
CREATE INDEX contact_linkedin_path_idx ON prospecting_contact ((substring(
    lower(btrim(preview -> 'socialLinks' ->> 'linkedin', E' \t\n\r\f\v'))
    from '^(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com(/(?:in|pub)/[^/?#\s]+)'
)))
"""

LAST_NAME_INDEX = "CREATE INDEX contact_last_name_lower_idx ON prospecting_contact (lower(last_name))"


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0005_list_member_added_index"),
        ("prospecting", "0002_selection_prefs_and_add_all_runs"),
    ]

    operations = [
        migrations.RunSQL(
            EMAILS_FUNCTION,
            "DROP FUNCTION IF EXISTS lusha_contact_emails_lower(jsonb)",
        ),
        migrations.RunSQL(EMAILS_INDEX, "DROP INDEX IF EXISTS contact_emails_lower_idx"),
        migrations.RunSQL(PROFILE_INDEX, "DROP INDEX IF EXISTS contact_linkedin_path_idx"),
        migrations.RunSQL(LAST_NAME_INDEX, "DROP INDEX IF EXISTS contact_last_name_lower_idx"),
    ]
