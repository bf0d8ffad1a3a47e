"""axe-core (from the npm registry, node_modules/axe-core) run inside pages of the real app.

The app's Content-Security-Policy allows scripts from 'self' only, so axe cannot be added
as an inline script. Rather than switching CSP off for the whole browser context
(Playwright's `bypass_csp=True`, which would also hide the CSP violations the console
check is there to catch), the context answers one same-origin address with axe's source
and the page loads it as an ordinary 'self' script. The policy stays in force throughout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page

AXE_FILE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: a path the app does not serve; requests to it never leave the browser
AXE_PATH = "/__browser-tests__/axe.min.js"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def serve_axe(context: BrowserContext, base_url: str, source: str) -> None:
    """Make `base_url + AXE_PATH` return axe's source in every page of `context`."""

    def fulfil(route: Any) -> None:
        route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=source)

    context.route(base_url.rstrip("/") + AXE_PATH, fulfil)


def run_axe(page: Page, base_url: str) -> list[dict[str, Any]]:
    """The WCAG A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=base_url.rstrip("/") + AXE_PATH)
    result: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                nodes: v.nodes.map((n) => ({
                    target: n.target.join(" "),
                    html: n.html.slice(0, 300),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        WCAG_TAGS,
    )
    return result


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
            lines.append(f"      {node['summary']}".replace("\n", "\n      "))
    return "\n".join(lines)
