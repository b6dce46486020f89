"""The browser stage (``make test-browser``); a package, so its conftest does not shadow tests/conftest.py."""
