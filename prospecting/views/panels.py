"""The filter panel: each filter Lusha offers on this account, with its choices (or why they
are missing) and what is chosen. A catalog filter the account's plan does not list is hidden;
one whose catalog Lusha cannot read right now says so in its place, keeping the values chosen."""

from __future__ import annotations

import functools

from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from lusha_portal.html import escaped, html_from_escaped, html_joined
from lusha_portal.lusha.errors import LushaError
from prospecting.catalog import (
    EMPTY_CATALOG_SECONDS,
    CatalogSnapshot,
    CatalogUnavailableError,
    Option,
    catalog_filter_types,
    catalog_options,
)
from prospecting.filter_specs import token_label
from prospecting.filters import SearchFilters, filter_specs
from prospecting.models import Kind
from signals.catalog import signal_types, type_label

GROUPS = ("Person", "Location", "Company")
FILTER_TEMPLATE = "prospecting/_filter.html"


@functools.lru_cache(maxsize=128)
def _options_html(options: tuple[Option, ...]) -> SafeString:
    """A filter's listbox options, the same on every page while its catalog is: rendered once
    per catalog (they were a third of the prospecting page's template time)."""
    return format_html_join(
        "",
        '<li role="option" aria-selected="false" data-value="{}" data-label="{}">{}{}</li>',
        (
            (
                option.token,
                option.label,
                format_html('<span class="option-group">{} · </span>', option.group)
                if option.group
                else "",
                option.label,
            )
            for option in options
        ),
    )


def _filter_html(kind: str, panel: dict) -> SafeString:
    """A filter's control (templates/prospecting/_filter.html), rendered once for each filter,
    catalog and choice of values: thirty filters' templates were a third of the full page's
    CPU, and a search's pages (paging, ticking rows, changing columns) show the same ones."""
    chosen = tuple((value["token"], value["label"], value["side"]) for value in panel["chosen"])
    return _filter_rendered(
        kind, panel["key"], panel["options_html"], chosen, panel["error"], panel["empty"]
    )


@functools.lru_cache(maxsize=384)
def _filter_rendered(
    kind: str, key: str, options_html: SafeString, chosen: tuple, error: str, empty: bool
) -> SafeString:
    # options_html is _options_html's own cached string: its hash is computed once.
    values = [{"token": token, "label": label, "side": side} for token, label, side in chosen]
    panel = {
        "key": key,
        "spec": filter_specs(kind)[key],
        "options_html": options_html,
        "chosen": values,
        "include": [value["token"] for value in values if value["side"] == "include"],
        "exclude": [value["token"] for value in values if value["side"] == "exclude"],
        "count": len(values),
        "error": error,
        "empty": empty,
    }
    return render_to_string(FILTER_TEMPLATE, {"panel": panel, "kind": kind})


def _signal_options(side: str, user) -> list[Option]:
    kind = Kind.CONTACTS if side == "contacts" else Kind.COMPANIES
    return [Option(t, type_label(t)) for t in signal_types(kind, user=user)]


def filter_panels(kind: str, filters: SearchFilters, user):
    """(panels, labels of chosen values, a notice for the whole panel or "")."""
    panels, labels, notices = [], {}, []
    available: dict[str, set[str] | str] = {}
    sides = ("contacts", "companies") if kind == Kind.CONTACTS else ("companies",)
    specs = filter_specs(kind)
    snapshot = CatalogSnapshot(
        sides=sides, specs=[spec for spec in specs.values() if spec.source == "catalog"]
    )
    for side in sides:
        try:
            available[side] = catalog_filter_types(side=side, user=user, snapshot=snapshot)
        except CatalogUnavailableError as error:
            available[side] = str(error)
        if available[side] == set():
            notices.append(
                f"Lusha returned no {side} filter types just now, so their catalog filters "
                f"are missing; the portal asks again within {EMPTY_CATALOG_SECONDS} seconds."
            )
    for key, spec in specs.items():
        include, exclude = filters.include.get(key, []), filters.exclude.get(key, [])
        panel = {
            "key": key,
            "spec": spec,
            "options": [],
            "error": "",
            "empty": False,
            "include": include,
            "exclude": exclude,
            "count": len(include) + len(exclude),
        }
        side_types = available[spec.side]
        if spec.source in ("catalog", "lookup"):
            if isinstance(side_types, str):
                panel["error"] = f"{spec.label} is unavailable right now: {side_types}"
            elif spec.filter_type not in side_types:
                if not panel["count"]:
                    continue  # Lusha does not offer this filter on this plan
                panel["error"] = f"Lusha does not offer {spec.label.lower()} on this account."
            elif spec.source == "catalog":
                try:
                    panel["options"] = catalog_options(spec, user=user, snapshot=snapshot)
                    panel["empty"] = not panel["options"]
                except CatalogUnavailableError as error:
                    panel["error"] = f"{spec.label} is unavailable right now: {error}"
        elif spec.source == "choices":
            panel["options"] = [Option(token, label) for token, label in spec.choices]
        elif spec.source == "signals":
            try:
                panel["options"] = _signal_options(spec.side, user)
                panel["empty"] = not panel["options"]
            except LushaError as error:
                panel["error"] = f"{spec.label} is unavailable right now: {error}"
        by_token = {option.token: option.label for option in panel["options"]}
        labels.update(
            {(key, token): by_token[token] for token in include + exclude if token in by_token}
        )
        panel["chosen"] = [
            {"token": token, "label": labels.get((key, token)) or token_label(spec, token),
             "side": side}
            for side, tokens in (("include", include), ("exclude", exclude))
            for token in tokens
        ]  # fmt: skip
        panel["options_html"] = _options_html(tuple(panel["options"]))
        # Rendered when the template shows it: the results region alone does not.
        panel["html"] = functools.partial(_filter_html, kind, panel)
        panels.append(panel)
    return panels, labels, " ".join(notices)


def panel_groups(panels: list[dict]) -> list[dict]:
    """The panels by section (person, location, company), each with how many values it holds."""
    groups = []
    for name in GROUPS:
        members = [p for p in panels if p["spec"].group == name]
        if members:
            groups.append(
                {"name": name, "panels": members, "count": sum(p["count"] for p in members)}
            )
    return groups


def panel_groups_html(groups: list[dict]) -> SafeString:
    """The filter panel's sections, each a heading and its filters' controls, as one string:
    a template loop over thirty filters' `{{ panel.html }}` was a tenth of the full page."""
    return html_joined(
        html_from_escaped(f'<h2 class="filter-group">{escaped(group["name"])}</h2>')
        + html_joined(panel["html"]() for panel in group["panels"])
        for group in groups
    )
