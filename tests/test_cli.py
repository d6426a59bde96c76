import io
import subprocess
import sys

import pytest

from sklearn_esmem._cli import main, run_demo


def test_help_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "sklearn_esmem", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "demo" in result.stdout


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main([])
    assert excinfo.value.code == 2
    assert "usage" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as excinfo:
        main(["nonsense"])
    assert excinfo.value.code == 2


def test_demo(tmp_path, capsys):
    output = tmp_path / "d.png"
    assert main(["demo", "--output", str(output), "--random-state", "0"]) == 0
    out = capsys.readouterr().out
    assert "ESM-EM" in out
    assert "sklearn BIC loop" in out
    for column in ("method", "k", "BIC", "MDL", "seconds"):
        assert column in out

    pytest.importorskip("matplotlib")
    assert output.exists()
    assert output.stat().st_size > 0
    assert output.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_without_matplotlib_does_not_crash(tmp_path, monkeypatch):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    output = tmp_path / "d.png"
    stream = io.StringIO()
    results = run_demo(output=output, random_state=0, stream=stream)
    text = stream.getvalue()
    assert "pip install matplotlib" in text
    assert not output.exists()
    assert set(results) == {"esmem", "sklearn"}
