"""Measuring an encoder the way the bot uses it, by idea: the data sets (:mod:`.data`), scoring
through the bot's matcher (:mod:`.scoring`), the report (:mod:`.report`) and the threshold
sweep (:mod:`.sweep`). :mod:`model.evaluate` runs them (``faqbot eval``)."""
