"""Prospecting views, by topic: the search pages (search.py), the selection bar and lists
(selection.py), reveal in place (reveal.py)."""

from prospecting.views.reveal import reveal, reveal_status
from prospecting.views.search import columns, companies, refresh_catalogs, search, typeahead
from prospecting.views.selection import (
    add_all_run_status,
    add_all_to_list,
    add_to_list,
    save_search,
    selection,
)

__all__ = [
    "add_all_run_status",
    "add_all_to_list",
    "add_to_list",
    "columns",
    "companies",
    "refresh_catalogs",
    "reveal",
    "reveal_status",
    "save_search",
    "search",
    "selection",
    "typeahead",
]
