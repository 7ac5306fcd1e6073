"""The hostile fixture set: XSS vectors, a hostile snapshot generator, and the Chromium inspector
that proves none of it runs (``tests/test_hostile_site.py``)."""
