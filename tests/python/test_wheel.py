"""The wheel installs into a fresh virtualenv that has nothing but pyarrow (label long)."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("SLUICE_BUILD_DIR", ROOT / "build"))


def pinned(package):
    for line in (ROOT / "deps" / "python.txt").read_text().splitlines():
        if line.startswith(package + "=="):
            return line.strip()
    raise AssertionError(f"{package} is not pinned in deps/python.txt")


def test_the_wheel_works_in_a_fresh_virtualenv(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "python_package.sh"), str(BUILD), "wheel"],
                   cwd=ROOT, check=True)
    wheels = sorted((BUILD / "wheels").glob("sluice-*.whl"), key=os.path.getmtime)
    assert wheels, "no wheel was built"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + [pinned("pyarrow"), str(wheels[-1])], check=True)
    script = (
        "import sluice, pyarrow as pa\n"
        "s = sluice.connect()\n"
        "t = pa.table(s.sql('SELECT sum(id) AS s FROM range(1000)'))\n"
        "print(t.column(0)[0].as_py(), sluice.__file__)\n")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", script], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "499500"
    assert out[1].startswith(str(venv))  # the wheel's copy, not the project's
    listed = subprocess.run([str(venv / "bin" / "pip"), "list", "--format=freeze"],
                            capture_output=True, text=True, check=True).stdout
    names = {line.split("==")[0].lower() for line in listed.split()}
    assert names - {"pip", "setuptools"} == {"pyarrow", "sluice"}
