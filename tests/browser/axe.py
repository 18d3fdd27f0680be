"""axe-core in the page under test: the WCAG 2.1 A and AA rules, and a readable list of what broke them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN = """tags => axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })"""


async def violations(page: Page) -> list[str]:
    """Each WCAG 2.1 AA violation on the page as it is now: rule id, impact, and the elements.

    The page's CSP (script-src 'self') refuses ``page.add_script_tag`` (an inline script to the
    page); code evaluated through the DevTools protocol is not the page's own and runs, so nothing
    under static/ has to serve a test tool and the CSP stays as staff get it.
    """
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text())
    result: dict[str, Any] = await page.evaluate(RUN, WCAG_21_AA)
    assert result["passes"], "axe checked nothing on the page"
    found = []
    for violation in result["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found
