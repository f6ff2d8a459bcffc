"""An axe-core check of every page a browser test visits, in every state it leaves.

axe-core comes inside the axe-playwright-python package (nothing is downloaded at run time).
It is added to every document of a browser context as an init script, which runs it once the
page has loaded and again after each htmx swap; each run reports its serious and critical
violations to Python through a binding. A page is never left unchecked: a link click or a form
submission made while a check is due waits for it (the harness holds the event and replays it),
and the page's goto, reload, back and forward wait for it too (`AxeWatch.watch_page`).
`AxeWatch.settle_and_report` is what the test's teardown asserts on.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import BrowserContext, Error

FAILING_IMPACTS = ("serious", "critical")
# Origins of other sites a test goes through that are not the portal's to fix (the tests'
# identity provider's own login page): their reports are left out. A test adds to it.
OTHER_SITES: set[str] = set()

# Runs in every document before its own scripts. One run at a time; a change during a run
# (an htmx swap) asks for one more run after it.
_HARNESS = """
(() => {
  if (window.top !== window || !location.protocol.startsWith('http')) return;
  let running = null, dirty = true;
  const report = (results) => {
    const failing = results.violations.filter(v => %(impacts)s.includes(v.impact));
    window.__axeReport(location.href, failing.map(v => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
    })));
  };
  const run = () => {
    if (running) return running;
    dirty = false;
    running = axe.run(document, {resultTypes: ['violations']})
      .then(report, () => {})
      .finally(() => { running = null; if (dirty && document.readyState === 'complete') run(); });
    return running;
  };
  const settle = async () => {
    while (running || dirty) { await (running || run()); }
    return true;
  };
  window.__axeSettle = settle;
  window.addEventListener('load', () => run());
  document.addEventListener('htmx:afterSettle', () => {
    dirty = true;
    if (document.readyState === 'complete') run();
  });
  // Leaving the page (a link or a form) while a check is due: hold the event, check, replay.
  const due = () => running || dirty;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href]');
    if (!link || !due() || link.target || link.hasAttribute('download')) return;
    if (link.getAttribute('href').startsWith('#')) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    settle().then(() => link.click());
  }, true);
  document.addEventListener('submit', (event) => {
    if (!due()) return;
    const form = event.target, submitter = event.submitter;
    event.preventDefault();
    event.stopImmediatePropagation();
    settle().then(() => form.requestSubmit(submitter || undefined));
  }, true);
})();
"""


@dataclass
class AxeWatch:
    """What axe found in one browser context: (url, violations) per run that found any."""

    context: BrowserContext
    found: list[tuple[str, list[dict]]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def install(self) -> None:
        self.context.add_init_script(script=AXE_SCRIPT)
        self.context.add_init_script(script=_HARNESS % {"impacts": list(FAILING_IMPACTS)})
        self.context.expose_binding("__axeReport", self._report)
        self.context.on("page", self.watch_page)

    def watch_page(self, page) -> None:
        """The page's own navigations (goto, reload, back, forward) wait for its check."""
        for name in ("goto", "reload", "go_back", "go_forward"):
            navigate = getattr(page, name)

            def checked_first(*args, _navigate=navigate, **kwargs):
                self._settle(page.main_frame)
                return _navigate(*args, **kwargs)

            setattr(page, name, checked_first)

    def _report(self, _source, url: str, violations: list[dict]) -> None:
        if "{0.scheme}://{0.netloc}".format(urlsplit(url)) in OTHER_SITES:
            return
        self.checked.append(url)
        if violations:
            self.found.append((url, violations))

    @staticmethod
    def _settle(frame) -> None:
        # Error: the document is gone already (closed, or replaced by the browser itself).
        with contextlib.suppress(Error):
            frame.evaluate("() => window.__axeSettle ? window.__axeSettle() : true")

    def settle_and_report(self) -> str:
        """Check what each open page shows now; the violations found, as a readable report."""
        for page in self.context.pages:
            if not page.is_closed():
                self._settle(page.main_frame)
        lines = []
        for url, violations in self.found:
            for violation in violations:
                targets = "; ".join(violation["targets"])
                lines.append(
                    f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}"
                    f" at {targets}"
                )
        return "\n".join(dict.fromkeys(lines))
