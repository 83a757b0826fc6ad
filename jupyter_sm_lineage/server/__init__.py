"""The Jupyter server extension: thin authenticated handlers over LineageService."""
