"""Composition root: settings, wiring and the ``faqbot`` command line."""
