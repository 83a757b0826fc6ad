"""A local AWS for demos and tests: a moto server on loopback, what moto lacks, and a seeded demo world.

    from jupyter_sm_lineage.emulator import Emulator
    with Emulator() as emu:
        os.environ.update(emu.environ())   # boto3 and pyarrow now talk to the emulator
"""

from __future__ import annotations

from .constants import ACCOUNT_ID, REGIONS
from .server import Emulator, MissingExtra

__all__ = ["ACCOUNT_ID", "REGIONS", "Emulator", "MissingExtra"]
