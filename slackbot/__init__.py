"""The Slack adapter: slack-bolt events, commands, buttons and modals over the chat layer.

What to answer and say lives in :mod:`chat` (shared with Discord's ``bot/``); this package
only touches Slack: Block Kit markup within Slack's limits (:mod:`slackbot.blocks`,
:mod:`slackbot.markup`), which workspace is which scope (:mod:`slackbot.workspace`), who
is a workspace admin (:mod:`slackbot.admins`), and the listeners (:mod:`slackbot.asking`,
:mod:`slackbot.commands`, :mod:`slackbot.buttons`, :mod:`slackbot.forms`,
:mod:`slackbot.home`) registered on one :class:`slackbot.adapter.SlackAdapter` by
:func:`slackbot.app.build_app`.
Start-up lives in the composition root (``faqbot.slack_launcher``).
"""
