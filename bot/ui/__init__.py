"""Discord components: persistent buttons under answers and admin listings, modals, short-lived views.

Buttons under answers must keep working after a restart, so they are
:class:`discord.ui.DynamicItem` subclasses (registered in ``setup_hook``): all their
state is in the ``custom_id`` (grammar: :mod:`chat.custom_ids`). What a click does is
the chat layer's (:mod:`chat.flows`); these classes parse, acknowledge and render.
"""
