"""``python -m jupyter_sm_lineage.server``: the routes standalone, like ``jupyter sm-lineage``."""

from .app import main

main()
