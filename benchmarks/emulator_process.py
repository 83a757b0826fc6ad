"""Run the emulator in a child process for benchmarks, so its work does not share this process's GIL."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator


def _nice() -> None:
    # AWS runs on other machines: here the emulator shares two cores with what is measured, so it yields
    # the CPU to it rather than steal scheduler slices from the process under test.
    os.nice(19)


@contextlib.contextmanager
def emulator_process(*extra: str) -> Iterator[dict[str, str]]:
    """Start ``sm-lineage-emulator`` and yield the environment that points boto3 and pyarrow at it."""
    child = subprocess.Popen([sys.executable, "-m", "jupyter_sm_lineage.emulator", *extra],
                             preexec_fn=_nice,  # noqa: PLW1509 - only os.nice, no locks taken before exec
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    environ: dict[str, str] = {}
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                environ[key] = value.strip("'")
                if key == "AWS_SHARED_CREDENTIALS_FILE":  # the last variable printed
                    break
        if "AWS_ENDPOINT_URL" not in environ:
            raise RuntimeError("the emulator did not start")
        yield environ
    finally:
        child.terminate()
        child.wait(timeout=30)
