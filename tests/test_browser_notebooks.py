"""The explorer and a teaching notebook as people see them: JupyterLab in a real browser.

JupyterLab is started on 127.0.0.1 (a free port, a token, ``--allow-root`` as root) in a copy of
the notebooks; Playwright drives Debian's Chromium at 1366 x 768 with the file browser open.
The explorer: run all cells, check that no control label or value is cut and nothing scrolls
sideways, change team and measure, add a phase, set a target, save for the reports, and check
that the chart image changes each time and the files appear. A teaching notebook: run all cells,
no "Loading widget", no error output, the answers still folded. Screenshots go to the test's
folder (and to ``$SPC_SCREENSHOTS`` when set, to look at).

Slow (about a minute); skipped, saying why, where Chromium, Playwright or JupyterLab is absent.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
VIEWPORT = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: Seconds to wait for a notebook's cells to run.
RUN_TIMEOUT = 90


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A JupyterLab server on a copy of the notebooks: ``url``, ``token``, ``root`` (the
    notebooks folder) and ``shots`` (where screenshots go)."""
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")
    if _chromium() is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(REPO / "notebooks", root)
    # no news or update checks: nothing reaches out, no toast covers the page
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # start the notebook's own kernel (python3) without asking
    tracker = base / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(
        json.dumps({"autoStartDefaultKernel": True})
    )
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    log = (base / "lab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(base / 'lab.log').read_text()}")
                time.sleep(0.3)
        shots = Path(os.environ.get("SPC_SCREENSHOTS") or base / "screenshots")
        shots.mkdir(parents=True, exist_ok=True)
        yield {"url": url, "token": token, "root": root, "shots": shots}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, lab: dict[str, Any], notebook: str) -> Any:
    """A page at 1366 x 768 with ``notebook`` open, its kernel idle and the file browser open."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{lab['url']}/lab/tree/{notebook}?token={lab['token']}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    browser_panel = page.locator("#filebrowser")
    if not browser_panel.is_visible():
        page.locator(".jp-SideBar [data-id='filebrowser']").click()
    assert browser_panel.is_visible(), "the file browser should be open, as a fellow has it"
    _wait_kernel_ready(page, lab, notebook)
    return page


def _wait_kernel_ready(page: Any, lab: dict[str, Any], notebook: str) -> None:
    """Wait until the server has the notebook's kernel idle with the page connected to it."""
    deadline = time.monotonic() + 90
    while True:
        with urllib.request.urlopen(f"{lab['url']}/api/sessions?token={lab['token']}") as r:
            sessions = json.load(r)
        ready = [
            x
            for x in sessions
            if x.get("path", "").endswith(notebook)
            and x["kernel"]["execution_state"] == "idle"
            and x["kernel"].get("connections", 0) > 0
        ]
        if ready:
            break
        assert time.monotonic() < deadline, f"the kernel of {notebook} did not start"
        _accept_kernel_dialog(page)
        page.wait_for_timeout(300)
    page.wait_for_timeout(500)


def _run_all(page: Any, shots: Path) -> None:
    """Run > Run All Cells, then wait until every code cell has run (a screenshot if not).
    Clicked again if no cell has started after a while (the kernel was still connecting)."""
    try:
        for _attempt in range(3):
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-item:visible", has_text="Run All Cells").first.click()
            try:
                page.wait_for_function(CELLS_STARTED_JS, timeout=20_000)
                break
            except Exception:
                page.keyboard.press("Escape")
        _wait_cells_ran(page)
    except Exception:
        page.screenshot(path=str(shots / "run-all-timed-out.png"))
        raise


#: True once any code cell of the notebook shown is running or has run.
CELLS_STARTED_JS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
    .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""


#: True when every code cell of the notebook shown has run (a number in its prompt).
CELLS_RAN_JS = """() => {
    const prompts = [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim()).filter(t => t.length > 0);
    const busy = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) ' +
        '.jp-Notebook-ExecutionIndicator[data-status="busy"]');
    // a cell whose code is folded away shows no prompt number: judge by the others
    return !busy && prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t));
}"""


def _accept_kernel_dialog(page: Any) -> None:
    """JupyterLab sometimes asks which kernel to start (the notebook names python3): take it."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count() and accept.first.is_visible():
        accept.first.click()


def _wait_cells_ran(page: Any) -> None:
    deadline = time.monotonic() + RUN_TIMEOUT
    while not page.evaluate(CELLS_RAN_JS):
        if time.monotonic() > deadline:
            raise TimeoutError("the notebook's cells did not all run")
        page.wait_for_timeout(300)


def _errors(page: Any) -> list[str]:
    """Error outputs and the texts of widgets that failed to load."""
    return page.evaluate(
        """() => {
            const out = [];
            for (const e of document.querySelectorAll('.jp-OutputArea-output')) {
                const mime = e.getAttribute('data-mime-type') || '';
                const text = e.innerText || '';
                if (mime.includes('stderr') && /Error|Traceback/.test(text)) out.push(text);
                if (/Traceback|Loading widget|Error displaying widget/.test(text)) out.push(text);
            }
            return out;
        }"""
    )


def _control(page: Any, label: str, tag: str = "select") -> Any:
    """The input of the explorer control labelled ``label``."""
    box = page.locator(
        ".spc-explorer .widget-inline-hbox",
        has=page.locator("label.widget-label", has_text=label),
    ).first
    return box.locator(tag).first


def _chart_src(page: Any) -> str:
    return page.locator(".spc-explorer img.widget-image").first.get_attribute("src") or ""


def _wait_new_chart(page: Any, before: str) -> str:
    page.wait_for_function(
        """(before) => {
            const img = document.querySelector('.spc-explorer img.widget-image');
            return img && img.src && img.src !== before && img.complete && img.naturalWidth > 0;
        }""",
        arg=before,
        timeout=30_000,
    )
    return _chart_src(page)


#: What is cut or scrolls sideways at this size: label and value widths against their boxes.
CLIPPED_JS = """() => {
    const root = document.querySelector('.spc-explorer');
    const bad = [];
    const ctx = document.createElement('canvas').getContext('2d');
    const rootBox = root.getBoundingClientRect();
    if (root.scrollWidth > root.clientWidth + 1) bad.push('explorer scrolls sideways');
    for (const box of root.querySelectorAll('.spc-controls')) {
        if (box.scrollWidth > box.clientWidth + 1) bad.push('a control column scrolls sideways');
    }
    for (const label of root.querySelectorAll('.spc-controls label.widget-label')) {
        const r = label.getBoundingClientRect();
        if (r.width === 0) continue;  // in a tab not shown
        if (label.scrollWidth > label.clientWidth + 1 || r.right > rootBox.right + 1)
            bad.push('label cut: ' + label.textContent);
    }
    for (const sel of root.querySelectorAll('.spc-controls select:not([multiple])')) {
        const r = sel.getBoundingClientRect();
        if (r.width === 0 || sel.selectedIndex < 0) continue;
        const cs = getComputedStyle(sel);
        ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const text = sel.options[sel.selectedIndex].text;
        // room for the text: the box less its padding and the arrow (about 20 px)
        const pad = parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight);
        const room = sel.clientWidth - pad - 20;
        if (ctx.measureText(text).width > room) bad.push('value cut: ' + text);
    }
    for (const sel of root.querySelectorAll('.spc-controls select[multiple]')) {
        if (sel.getBoundingClientRect().width === 0) continue;
        const cs = getComputedStyle(sel);
        ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        for (const o of sel.options) {
            if (ctx.measureText(o.text).width > sel.clientWidth - 12)
                bad.push('option cut: ' + o.text);
        }
    }
    for (const el of root.querySelectorAll('.widget-html, table.spc-summary, img.widget-image')) {
        const r = el.getBoundingClientRect();
        if (r.width && r.right > rootBox.right + 1)
            bad.push('beyond the explorer: ' + el.className);
    }
    for (const el of root.querySelectorAll('.widget-html-content')) {
        if (el.scrollWidth > el.clientWidth + 1) bad.push('text scrolls sideways: ' +
                                                          el.innerText.slice(0, 40));
    }
    return bad;
}"""


def test_explorer_in_jupyterlab_at_laptop_size(lab: dict[str, Any], browser: Any) -> None:
    start = time.monotonic()
    page = _open(browser, lab, "explore.ipynb")
    try:
        _run_all(page, lab["shots"])
        page.wait_for_selector(".spc-explorer img.widget-image[src]", timeout=30_000)
        first = _wait_new_chart(page, "")
        assert _errors(page) == []
        page.locator(".spc-explorer").scroll_into_view_if_needed()
        page.evaluate("document.querySelector('.spc-explorer').scrollIntoView()")
        page.screenshot(path=str(lab["shots"] / "explorer-1366x768.png"))
        assert page.evaluate(CLIPPED_JS) == []
        verdict = page.locator(".spc-explorer .spc-verdict b").inner_text()
        assert verdict.startswith("Since PDSA 1 (Sep 2022)")

        _control(page, "Team / ward").select_option(label="DNM-OAK")
        second = _wait_new_chart(page, first)
        _control(page, "Measure").select_option(
            label="VTE risk assessment within 14 hours of admission (%)"
        )
        third = _wait_new_chart(page, second)
        assert page.evaluate(CLIPPED_JS) == []

        _control(page, "New limits from").select_option(label="Apr 2023")
        _control(page, "What changed then", "input").fill("PDSA 4: admission checklist")
        page.locator(".spc-explorer button", has_text="Add phase start").click()
        fourth = _wait_new_chart(page, third)
        assert _control(page, "Phase starts you set").locator("option").count() == 1

        target = _control(page, "Target", "input")
        target.fill("90")
        target.press("Enter")
        _wait_new_chart(page, fourth)
        page.evaluate("document.querySelector('.spc-explorer').scrollIntoView()")
        page.screenshot(path=str(lab["shots"] / "explorer-after-changes-1366x768.png"))
        assert page.evaluate(CLIPPED_JS) == []

        page.locator(".spc-explorer .lm-TabBar-tab", has_text="Save for the reports").click()
        for button in ("Save chart settings", "Save change log", "Chart as PNG"):
            page.locator(".spc-explorer button", has_text=button).click()
            page.wait_for_function(
                """(what) => [...document.querySelectorAll('.spc-explorer .widget-html')]
                    .some(e => e.innerText.startsWith('Saved ' + what))""",
                arg={"Chart as PNG": "the chart"}.get(button, "the"),
                timeout=15_000,
            )
        page.screenshot(path=str(lab["shots"] / "explorer-saved-1366x768.png"))
        exports = lab["root"] / "explorer-exports"
        settings = json.loads((exports / "chart_settings.json").read_text())
        assert settings == {
            "DNM-OAK": {"vte_risk_assessment_percent": {"phases": ["2023-04-01"], "target": 90.0}}
        }
        log = (exports / "change_log.csv").read_text()
        assert "2023-04-01,admission checklist,PDSA 4,vte_risk_assessment_percent,yes" in log
        assert (exports / "DNM-OAK_vte_risk_assessment_percent.png").read_bytes()[:4] == b"\x89PNG"
        assert _errors(page) == []
    finally:
        page.close()
    assert time.monotonic() - start < 120


def test_teaching_notebook_in_jupyterlab_answers_stay_folded(
    lab: dict[str, Any], browser: Any
) -> None:
    """Notebook 2 (with its slider widget): runs, every widget loads, nothing errs, and after
    Run All every answer is still folded."""
    start = time.monotonic()
    page = _open(browser, lab, "teaching/02_run_charts_and_rules.ipynb")
    try:
        _run_all(page, lab["shots"])
        page.wait_for_selector(".jp-Notebook .widget-slider", timeout=30_000)
        # the folded answer cells (last) show no prompt number: wait for their output
        page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-Notebook summary')]
                .filter(s => s.textContent === 'Show the answer').length >= 3""",
            timeout=30_000,
        )
        assert _errors(page) == []
        answers = page.evaluate(
            """() => [...document.querySelectorAll('.jp-Notebook details')]
                .filter(d => (d.querySelector('summary') || {}).textContent === 'Show the answer')
                .map(d => ({open: d.open,
                            shown: [...d.querySelectorAll('p')].some(p => p.checkVisibility())}))"""
        )
        assert len(answers) == 3, answers
        assert all(not a["open"] and not a["shown"] for a in answers), answers
        assert not page.get_by_text("Answer.", exact=False).first.is_visible()
        page.locator(
            ".jp-Notebook summary", has_text="Show the answer"
        ).first.scroll_into_view_if_needed()
        page.screenshot(path=str(lab["shots"] / "teaching-02-answers-folded-1366x768.png"))
    finally:
        page.close()
    assert time.monotonic() - start < 120
