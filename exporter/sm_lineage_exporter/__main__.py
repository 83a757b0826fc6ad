"""``python -m sm_lineage_exporter``: the ``sm-lineage-export`` command."""

import sys

from .cli import main

sys.exit(main())
