"""``sm-lineage-emulator``: run the local AWS emulator, alone or around a command.

    sm-lineage-emulator --port 5000              # serve until Ctrl-C, printing the variables to export
    sm-lineage-emulator -- jupyter lab notebooks # run a command pointed at the emulator, then stop
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading

from .constants import REGIONS
from .server import Emulator, MissingExtra, require_emulator_extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sm-lineage-emulator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--empty", action="store_true", help="start without the demo world")
    parser.add_argument("command", nargs=argparse.REMAINDER,
                        help="after --, a command to run with the emulator's environment")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    try:
        require_emulator_extra()
    except MissingExtra as exc:
        print(f"sm-lineage-emulator: {exc}", file=sys.stderr)
        return 3
    emulator = Emulator(port=args.port, seed=not args.empty)
    print(f"starting the emulator{'' if args.empty else ' and seeding the demo world'}...", file=sys.stderr)
    with emulator:
        environ = emulator.environ()
        if command:
            print(f"emulator on {emulator.endpoint_url}; running: {shlex.join(command)}", file=sys.stderr)
            # The demo world spans two regions: catalogs and the explorer cover both unless told otherwise.
            child = subprocess.Popen(command, env={"SM_LINEAGE_REGIONS": ",".join(REGIONS), **os.environ, **environ})
            try:
                return child.wait()
            except KeyboardInterrupt:
                child.send_signal(signal.SIGINT)
                return child.wait()
        print(f"emulator listening on {emulator.endpoint_url}; point boto3 and pyarrow at it with:")
        for key, value in environ.items():
            print(f"export {key}={shlex.quote(value)}")
        sys.stdout.flush()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
