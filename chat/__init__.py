"""The chat layer: what every chat platform's adapter shares, with no platform library in it.

The answering policy (:mod:`chat.answering`), reply content (:mod:`chat.replies`,
:mod:`chat.listing`, every Korean text in :mod:`chat.messages`), the button/vote/pick/triage
flows (:mod:`chat.flows`) and their id grammar (:mod:`chat.custom_ids`), the admin rule
(:mod:`chat.admin`), per-member limits, the model watcher and query-log pruning
(:mod:`chat.core`), and the settings they read (:mod:`chat.settings`). An adapter (``bot/``
for Discord) turns platform events into calls here and the results into its own markup
(a :class:`chat.markup.Markup`) within its own limits.
"""
