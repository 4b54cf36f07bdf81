"""`nkru benchmark --system FILE:callable` whose file fails to import: one line naming the
file (and the line), exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from nkru.app.cli import app

BROKEN = {
    "missing_module": ("import nkru_no_such_module\n", 1, "ModuleNotFoundError"),
    "syntax_error": ("def make_system(task)\n    return None\n", 1, "SyntaxError"),
    "raises": ("import json\n\nSCALE = 1 / 0\n", 3, "ZeroDivisionError"),
}


@pytest.mark.parametrize("spec", ["{path}:make_system", "{module}:make_system"])
@pytest.mark.parametrize("name", list(BROKEN))
def test_a_system_file_that_fails_to_import_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, spec: str
) -> None:
    source, line, error = BROKEN[name]
    path = tmp_path / f"{name}.py"
    path.write_text(source + "\n\ndef make_system(task):\n    return None\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    given = spec.format(path=path, module=name)
    result = CliRunner().invoke(app, ["benchmark", "--system", given, "--task", "stance"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (message,) = result.output.strip().splitlines()
    assert message.startswith(f"error: {path}:{line}: cannot import ")
    assert error in message
