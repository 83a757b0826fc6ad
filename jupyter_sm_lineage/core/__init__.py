"""Pure-Python lineage core: no Jupyter, tornado, ipywidgets or IPython imports here."""
