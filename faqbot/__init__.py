"""The composition root: settings (`settings.py`), wiring (`app.py`), starting the adapters
(`launcher.py`) and the ``faqbot`` command line (`cli.py`, `commands/`). Only this package
knows every layer; nothing below imports it (tests/test_layers.py)."""
