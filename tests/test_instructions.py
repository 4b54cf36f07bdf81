"""Project instructions: `nkru studio push` sets annotation/INSTRUCTIONS.md, rendered to HTML,
as the Label Studio project's instructions, and the labeling interface shows them."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from nkru.annotation import browser, client
from nkru.annotation.cli import studio_app
from nkru.annotation.instructions import default_path, instructions_html, render

RULES = default_path()


def test_markdown_is_rendered_and_raw_html_escaped() -> None:
    html = render(
        "# Rules\n\n- **PER** people\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>x</script>\n"
    )
    assert "<h1>Rules</h1>" in html
    assert "<li><strong>PER</strong> people</li>" in html
    assert "<td>1</td>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_committed_instructions_render() -> None:
    html = instructions_html()
    title = RULES.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    assert html.startswith(f"<h1>{title}</h1>")
    assert html.count("<h2>") == RULES.read_text(encoding="utf-8").count("\n## ")


def push(studio_server, title: str, *extra: str):
    args = ["push", "--url", studio_server.url, "--data-dir", str(studio_server.data_dir)]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        studio_app, [*args, "--title", title, "-d", "000", *extra]
    )
    assert "Traceback" not in result.output
    return result


@pytest.mark.studio
def test_push_sets_the_rendered_instructions(studio_server, tmp_path) -> None:
    ls = client.connect(studio_server.url, studio_server.token)
    assert push(studio_server, "instructions").exit_code == 0
    project = client.find_project(ls, "instructions")
    assert project.expert_instruction == instructions_html()
    assert project.show_instruction is True
    # an edited file replaces the instructions of the existing project
    edited = tmp_path / "INSTRUCTIONS.md"
    edited.write_text("# Rules\n\nOnly **this**.\n", encoding="utf-8")
    assert push(studio_server, "instructions", "--instructions", str(edited)).exit_code == 0
    project = ls.projects.get(project.id)
    assert project.expert_instruction == "<h1>Rules</h1>\n<p>Only <strong>this</strong>.</p>\n"
    missing = push(studio_server, "instructions", "--instructions", str(tmp_path / "none.md"))
    assert missing.exit_code == 2 and "cannot read the project instructions" in missing.output


@pytest.mark.studio
@pytest.mark.browser
def test_labeling_interface_shows_the_instructions(studio_server, chromium, artifacts_dir):
    assert push(studio_server, "instructions shown").exit_code == 0
    ls = client.connect(studio_server.url, studio_server.token)
    project = client.find_project(ls, "instructions shown")
    text = RULES.read_text(encoding="utf-8")
    headings = [h.strip() for h in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)]
    creds = studio_server.credentials
    shot = artifacts_dir / "labeling-instructions.png"
    page = browser.render_labeling_stream(
        studio_server.url,
        project.id,
        creds.email,
        creds.password,
        wait_for=headings[0],
        screenshot=shot,
    )
    assert shot.exists() and shot.stat().st_size > 10_000
    assert "Labeling Instructions" in page.body_text, page.body_text[:500]
    for heading in headings:
        assert heading in page.body_text, heading
