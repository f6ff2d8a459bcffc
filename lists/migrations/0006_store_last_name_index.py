"""An index for matching an import against the store (lists/services/import_store.py): the
stored contacts' last names, lower-cased, for the name-and-company match, so it looks up the
rows' names instead of reading every stored contact. It is on the store's table
(prospecting), made here because the import matching is what reads it; the model state does
not change. (Indexes on the emails and the LinkedIn path were tried and left out: every
enrichment answer recomputed them for its 100 contacts and the enrichment rate fell.)"""

from django.db import migrations

LAST_NAME_INDEX = "CREATE INDEX contact_last_name_lower_idx ON prospecting_contact (lower(last_name))"


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0005_list_member_added_index"),
        ("prospecting", "0002_selection_prefs_and_add_all_runs"),
    ]

    operations = [
        migrations.RunSQL(LAST_NAME_INDEX, "DROP INDEX IF EXISTS contact_last_name_lower_idx"),
    ]
